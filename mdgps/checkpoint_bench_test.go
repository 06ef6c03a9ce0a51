package mdgps

import (
	"bytes"
	"encoding/gob"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/peg"
)

// The peg checkpoint at iteration 9 (issue 13's size and speed targets). Setup
// runs 9 paper-peg iterations once per process (minutes); MDGPS_PEG9=path reuses
// a CLI run's checkpoint instead (mdgps run --task peg --iterations 9 --out d:
// d/checkpoint.gob, either format).
var (
	peg9Once sync.Once
	peg9Env  envs.Env
	peg9Cfg  Config
	peg9St   *state
	peg9Err  error
)

func pegAt9(b *testing.B) (envs.Env, Config, *state) {
	peg9Once.Do(func() {
		env, err := peg.New()
		if err != nil {
			peg9Err = err
			return
		}
		peg9Env = env
		if p := os.Getenv("MDGPS_PEG9"); p != "" {
			l, err := Load(p)
			if err != nil {
				peg9Err = err
				return
			}
			peg9Cfg, peg9St = l.Config(), l.st
			return
		}
		cfg := PaperPeg()
		cfg.Iterations = 9
		r, err := New(env, cfg)
		if err != nil {
			peg9Err = err
			return
		}
		if peg9Err = r.Run(nil); peg9Err == nil {
			peg9Cfg, peg9St = cfg, r.st
		}
	})
	if peg9Err != nil {
		b.Skip("peg at iteration 9:", peg9Err)
	}
	return peg9Env, peg9Cfg, peg9St
}

// BenchmarkCheckpointPeg times one checkpoint write of the peg run at iteration
// 9 (encode, compress, checksum, write, fsync of the file and folder) and
// reports the file size and the time's parts; fsync-s is the wait on the disk.
func BenchmarkCheckpointPeg(b *testing.B) {
	_, _, st := pegAt9(b)
	path := filepath.Join(b.TempDir(), "checkpoint.gob")
	var sum WriteStats
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := save(path, st); err != nil {
			b.Fatal(err)
		}
		w := LastWrite()
		sum.Encode += w.Encode
		sum.Write += w.Write
		sum.Sync += w.Sync
		sum.Stored, sum.Raw = w.Stored, w.Raw
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric((cpuSeconds()-cpu0)/n, "cpu-s")
	b.ReportMetric(float64(sum.Stored)/1e6, "MB")
	b.ReportMetric(float64(sum.Raw)/1e6, "raw-MB")
	b.ReportMetric(sum.Encode/n, "encode-s")
	b.ReportMetric(sum.Write/n, "write-s")
	b.ReportMetric(sum.Sync/n, "fsync-s")
	b.ReportMetric((sum.Encode+sum.Write)/n, "nosync-s")
}

// BenchmarkCheckpointPegV1 is the format-v1 write (gob of the state, temp file,
// fsync, rename) of the same state, for comparison.
func BenchmarkCheckpointPegV1(b *testing.B) {
	_, _, st := pegAt9(b)
	path := filepath.Join(b.TempDir(), "checkpoint.gob")
	var size int
	var syncSec float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		buf.WriteString(magic)
		if err := gob.NewEncoder(&buf).Encode(st); err != nil {
			b.Fatal(err)
		}
		f, err := os.CreateTemp(filepath.Dir(path), "v1.tmp*")
		if err != nil {
			b.Fatal(err)
		}
		f.Write(buf.Bytes())
		t0 := time.Now()
		f.Sync()
		syncSec += time.Since(t0).Seconds()
		f.Close()
		os.Rename(f.Name(), path)
		size = buf.Len()
	}
	b.StopTimer()
	b.ReportMetric(float64(size)/1e6, "MB")
	b.ReportMetric(syncSec/float64(b.N), "fsync-s")
}

// BenchmarkOpenPeg times Open of the peg checkpoint at iteration 9: read, verify
// the checksum, decompress, decode, validate (and take and release the lock).
func BenchmarkOpenPeg(b *testing.B) {
	env, cfg, st := pegAt9(b)
	path := filepath.Join(b.TempDir(), "checkpoint.gob")
	if err := save(path, st); err != nil {
		b.Fatal(err)
	}
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Open(path, env, cfg)
		if err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
	b.StopTimer()
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s")
}

// cpuSeconds is the process's user and system CPU time: on a busy machine
// (load above the core count) the honest measure of work done per operation.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
