//go:build unix

package mdgps

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/mirrorgps/mirrorgps/envs/peg"
)

// BenchmarkIterationPegCached is BenchmarkIterationPeg (iteration 9 of PaperPeg,
// checkpoint included, per-phase seconds as metrics) with the 8-iteration setup
// cached across benchmark runs in $MDGPS_BENCH_CACHE (default
// $TMPDIR/mirrorgps-bench-peg8.run), so that -count 5 or a profile costs one
// setup. A cache that does not open (another config or checkpoint format) is
// rebuilt. Besides wall seconds per phase it reports the process's CPU seconds
// per phase (<phase>-cpu-s) and in all (cpu-s/op), which stay meaningful when
// other jobs load the machine. Needs MuJoCo.
func BenchmarkIterationPegCached(b *testing.B) {
	env, err := peg.New()
	if err != nil {
		b.Skip(err)
	}
	cfg := PaperPeg()
	cache := os.Getenv("MDGPS_BENCH_CACHE")
	if cache == "" {
		cache = filepath.Join(os.TempDir(), "mirrorgps-bench-peg8.run")
	}
	// Work on a private copy only (Open locks its path; other benchmark
	// processes may read the cache at the same time).
	path := filepath.Join(b.TempDir(), "bench.run")
	cfg.Iterations = 8
	snap, err := os.ReadFile(cache)
	valid := false
	if err == nil {
		if err := os.WriteFile(path, snap, 0o644); err != nil {
			b.Fatal(err)
		}
		if r, err := Open(path, env, cfg); err == nil {
			valid = r.Iteration() == 8
			r.Close()
		}
	}
	if !valid {
		b.Logf("building the cache %s", cache)
		os.Remove(path)
		r, err := Open(path, env, cfg)
		if err != nil {
			b.Fatal(err)
		}
		r.SetAutosave(false)
		if err := r.Run(nil); err != nil {
			b.Fatal(err)
		}
		if err := r.Save(); err != nil {
			b.Fatal(err)
		}
		r.Close()
		if snap, err = os.ReadFile(path); err != nil {
			b.Fatal(err)
		}
		tmp := cache + ".tmp" + strconv.Itoa(os.Getpid())
		if err := os.WriteFile(tmp, snap, 0o644); err == nil {
			os.Rename(tmp, cache) // atomic: readers see the old file or the new one
		}
	}
	cfg.Iterations = 9
	phaseSec, phaseCPU := map[Phase]float64{}, map[Phase]float64{}
	cpuAll := 0.0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := os.WriteFile(path, snap, 0o644); err != nil {
			b.Fatal(err)
		}
		r, err := Open(path, env, cfg)
		if err != nil {
			b.Fatal(err)
		}
		r.SetAutosave(false) // as the CLI runs: one checkpoint per iteration
		b.StartTimer()
		for finished := false; !finished; {
			p := r.Phase()
			t0, c0 := time.Now(), processCPU()
			_, fin, err := r.Next()
			if err != nil {
				b.Fatal(err)
			}
			finished = fin
			phaseSec[p] += time.Since(t0).Seconds()
			phaseCPU[p] += processCPU() - c0
			cpuAll += processCPU() - c0
		}
		r.Close()
	}
	for p, s := range phaseSec {
		b.ReportMetric(s/float64(b.N), string(p)+"-s")
		b.ReportMetric(phaseCPU[p]/float64(b.N), string(p)+"-cpu-s")
	}
	b.ReportMetric(cpuAll/float64(b.N), "cpu-s/op")
}

// processCPU returns the process's user + system CPU seconds.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
