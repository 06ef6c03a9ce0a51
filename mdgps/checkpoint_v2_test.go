package mdgps

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/linear"
	"github.com/mirrorgps/mirrorgps/envs/obstacle"
)

// tinyLinear is the smallest real run: the double integrator with T = 8, two
// conditions, three samples (the fuzz targets and the testdata checkpoints use it).
func tinyLinear(t testing.TB) (envs.Env, Config) {
	spec := linear.DoubleIntegratorSpec()
	spec.T = 8
	spec.X0 = spec.X0[:2]
	env, err := linear.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	cfg := LinearDefault()
	cfg.Samples, cfg.EvalSamples, cfg.Iterations = 3, 1, 2
	return env, cfg
}

// tinyObstacle is a 2-iteration obstacle run with few samples and a short S-step.
func tinyObstacle() Config {
	cfg := PaperObstacle()
	cfg.Samples, cfg.EvalSamples, cfg.Iterations, cfg.NN.Iterations = 2, 0, 2, 20
	return cfg
}

// writeV1 writes st as the format-v1 writer did: the old magic and a gob of the state.
func writeV1(t testing.TB, path string, st *state) {
	var buf bytes.Buffer
	buf.WriteString(magic)
	old := st.Version
	st.Version = 1
	err := gob.NewEncoder(&buf).Encode(st)
	st.Version = old
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustClose(t testing.TB, r *Run) {
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

// openErr opens path and returns the error, failing the test on a panic.
func openErr(t *testing.T, path string, env envs.Env, cfg Config) (err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("Open panicked: %v", p)
		}
	}()
	r, err := Open(path, env, cfg)
	if err == nil {
		defer r.Close()
		// A state that passes validation must also run.
		for i := 0; i < 3 && !r.Done(); i++ {
			if _, _, err := r.Next(); err != nil {
				return nil
			}
		}
	}
	return err
}

// TestCheckpointCrashBytes: issue 13 problem 1. One byte changed in the gob field
// name Local (nil dereference in lingauss before) or LogMass (index out of range
// in fit/gmm.go) of a 2-iteration obstacle checkpoint: refused with a
// *CorruptError naming the field, in format v1 (no checksum) and in a re-sealed v2.
func TestCheckpointCrashBytes(t *testing.T) {
	dir := t.TempDir()
	env := obstacle.New()
	cfg := tinyObstacle()
	path := filepath.Join(dir, "ob.run")
	r, err := Open(path, env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(nil); err != nil {
		t.Fatal(err)
	}
	mustClose(t, r)
	v1 := filepath.Join(dir, "ob-v1.run")
	writeV1(t, v1, r.st)
	good, err := os.ReadFile(v1)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := unseal(v2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, field, path, want string }{
		{"Local", "Local", ".Conds[0].Local", "Conds[0].Local"},
		{"LogMass", "LogMass", ".Conds[0].DynPrior.GMM.LogMass", "LogMass"},
	} {
		for _, format := range []string{"v1", "v2"} {
			var data []byte
			switch format {
			case "v1":
				data = bytes.Clone(good)
				i := bytes.Index(data, []byte(tc.field))
				if i < 0 {
					t.Fatalf("%s not in the v1 checkpoint", tc.field)
				}
				data[i+1] ^= 0x20 // "Local" → "LOcal": gob drops the field
			case "v2":
				// In v2 a float array's field name is in its path: change it there.
				p := bytes.Clone(raw)
				gl := int(binary.LittleEndian.Uint64(p))
				i := bytes.Index(p[8:8+gl], []byte(tc.path))
				if i < 0 {
					t.Fatalf("%s not in the v2 payload", tc.path)
				}
				p[8+i+len(tc.path)-len(tc.field)+1] ^= 0x20
				data = seal(p)
			}
			bad := filepath.Join(dir, tc.name+"-"+format)
			if err := os.WriteFile(bad, data, 0o644); err != nil {
				t.Fatal(err)
			}
			err := openErr(t, bad, env, cfg)
			var ce *CorruptError
			var ke *CheckpointError
			switch {
			case errors.As(err, &ce):
				if !strings.Contains(ce.Field, tc.want) || ce.File != bad {
					t.Errorf("%s %s: %v, want the field %s and the file named", tc.name, format, err, tc.want)
				}
			case errors.As(err, &ke) && format == "v2" && strings.Contains(err.Error(), tc.field[:1]+strings.ToUpper(tc.field[1:2])+tc.field[2:]):
				// The damaged path names no field of the state.
			default:
				t.Errorf("%s %s: err = %v, want a *CorruptError", tc.name, format, err)
			}
			if after, _ := os.ReadFile(bad); !bytes.Equal(after, data) {
				t.Errorf("%s %s: the file was changed", tc.name, format)
			}
		}
	}
	// The undamaged v1 file loads and resumes (format v1 is still read).
	r1, err := Open(v1, env, cfg)
	if err != nil {
		t.Fatalf("v1 checkpoint: %v", err)
	}
	if r1.Iteration() != 2 || !reflect.DeepEqual(stripWall(r1.History()), stripWall(r.History())) {
		t.Error("v1 checkpoint: history differs")
	}
	mustClose(t, r1)
}

// TestCheckpointBitFlips: issue 13 problem 2. Every one of 60 seeded single-bit
// flips anywhere in a v2 file (header, checksum, payload) is refused before
// decoding with a *CheckpointError; the file is not changed.
func TestCheckpointBitFlips(t *testing.T) {
	dir := t.TempDir()
	env, cfg := tinyLinear(t)
	path := filepath.Join(dir, "lin.run")
	r, err := Open(path, env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(nil); err != nil {
		t.Fatal(err)
	}
	mustClose(t, r)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(13, 2))
	for k := 0; k < 60; k++ {
		data := bytes.Clone(good)
		i := rng.IntN(len(data))
		if k < 8 {
			i = len(magicV2) + 16 + k // every byte of the header's checksum
		}
		data[i] ^= 1 << rng.IntN(8)
		bad := filepath.Join(dir, fmt.Sprintf("flip%d", k))
		if err := os.WriteFile(bad, data, 0o644); err != nil {
			t.Fatal(err)
		}
		err := openErr(t, bad, env, cfg)
		var ke *CheckpointError
		if !errors.As(err, &ke) || ke.Path != bad {
			t.Errorf("flip of byte %d: err = %v, want a *CheckpointError", i, err)
		}
		if i >= len(magicV2)+hdrLen && !errors.Is(err, ErrChecksum) {
			t.Errorf("flip of payload byte %d: err = %v, want ErrChecksum", i, err)
		}
	}
	// Truncated and extended files.
	for _, data := range [][]byte{good[:len(good)-1], good[:len(magicV2)+5], append(bytes.Clone(good), 0)} {
		bad := filepath.Join(dir, "cut")
		if err := os.WriteFile(bad, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var ke *CheckpointError
		if err := openErr(t, bad, env, cfg); !errors.As(err, &ke) {
			t.Errorf("%d bytes of %d: err = %v, want a *CheckpointError", len(data), len(good), err)
		}
	}
}

// TestCheckpointV1Testdata: a real checkpoint written by the format-v1 build
// (testdata/linear-v1.ckpt, the tiny linear run after 2 iterations) loads with
// Load and resumes with Open; the v2 testdata file too.
func TestCheckpointV1Testdata(t *testing.T) {
	env, cfg := tinyLinear(t)
	for _, name := range []string{"linear-v1.ckpt", "linear-v2.ckpt"} {
		src, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := Load(path)
		if err != nil {
			t.Fatalf("%s: Load: %v", name, err)
		}
		if l.Iteration() != 2 || len(l.History()) != 2 || l.Local(1) == nil {
			t.Fatalf("%s: loaded iteration %d", name, l.Iteration())
		}
		c := l.Config()
		c.Iterations = 3
		r, err := Open(path, env, c)
		if err != nil {
			t.Fatalf("%s: Open: %v", name, err)
		}
		if err := r.Run(nil); err != nil {
			t.Fatalf("%s: resuming: %v", name, err)
		}
		mustClose(t, r)
		if _, err := Open(path, env, cfg); err == nil && name == "linear-v1.ckpt" && ConfigDiff(c, cfg) != "" {
			t.Logf("%s: the saved config differs from today's defaults in %s", name, ConfigDiff(c, cfg))
		}
	}
}

// TestUpdateTestdata rewrites testdata/linear-v2.ckpt (MDGPS_UPDATE_TESTDATA=1).
func TestUpdateTestdata(t *testing.T) {
	if os.Getenv("MDGPS_UPDATE_TESTDATA") == "" {
		t.Skip("set MDGPS_UPDATE_TESTDATA=1 to rewrite testdata/linear-v2.ckpt")
	}
	env, cfg := tinyLinear(t)
	path := filepath.Join("testdata", "linear-v2.ckpt")
	os.Remove(path)
	r, err := Open(path, env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Run(nil); err != nil {
		t.Fatal(err)
	}
	os.Remove(LockPath(path))
}

// TestCheckpointLockTwoProcesses: issue 13 problem 3. A second process opening a
// run that the first has open gets a *LockedError naming the path and the
// holder's PID at once; after the holder exits, the run opens.
func TestCheckpointLockTwoProcesses(t *testing.T) {
	if p := os.Getenv("MDGPS_LOCK_HOLDER"); p != "" {
		// The helper process: open the run, say so, hold it until stdin closes.
		env, cfg := tinyLinear(t)
		r, err := Open(p, env, cfg)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		bufio.NewReader(os.Stdin).ReadString('\n')
		r.Close()
		os.Exit(0)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "lin.run")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCheckpointLockTwoProcesses$")
	cmd.Env = append(os.Environ(), "MDGPS_LOCK_HOLDER="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("helper: %q", line)
	}
	env, cfg := tinyLinear(t)
	_, err = Open(path, env, cfg)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != cmd.Process.Pid || le.Path != path ||
		!strings.Contains(err.Error(), fmt.Sprint(cmd.Process.Pid)) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second writer: err = %v, want a *LockedError with PID %d", err, cmd.Process.Pid)
	}
	// A reader does not lock.
	if _, err := Load(path); err != nil {
		t.Errorf("Load beside a writer: %v", err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, env, cfg)
	if err != nil {
		t.Fatalf("after the holder exited: %v", err)
	}
	mustClose(t, r)
	// Reopening in the same process after Close works; a closed run does not write.
	r2, err := Open(path, env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, r2)
	if err := r2.Save(); err == nil {
		t.Error("a closed run wrote its checkpoint")
	}
}

// TestCheckpointLeftoverTemp: issue 13 problem 4. Temporary files of an
// interrupted write are removed when Open takes the lock; others are kept.
func TestCheckpointLeftoverTemp(t *testing.T) {
	dir := t.TempDir()
	env, cfg := tinyLinear(t)
	path := filepath.Join(dir, "lin.run")
	r, err := Open(path, env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, r)
	tmp := filepath.Join(dir, "lin.run.tmp123456")
	other := filepath.Join(dir, "other.run.tmp1")
	for _, p := range []string{tmp, other} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err = Open(path, env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover %s not removed (%v)", tmp, err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another run's file removed: %v", err)
	}
}

// TestCheckpointResumeEveryPhase: closing and reopening the run after every
// phase gives records, controllers and global policy bit-identical to a run in
// one go (all fields but wall time), for each algorithm.
func TestCheckpointResumeEveryPhase(t *testing.T) {
	env, base := tinyLinear(t)
	base.Iterations = 3
	for _, alg := range []Algorithm{MDGPS, BADMM, TrajOpt} {
		t.Run(string(alg), func(t *testing.T) {
			cfg := base
			cfg.Algorithm = alg
			straight, err := New(env, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := straight.Run(nil); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "r.run")
			r, err := Open(path, env, cfg)
			if err != nil {
				t.Fatal(err)
			}
			phases := 0
			for !r.Done() {
				if _, _, err := r.Next(); err != nil {
					t.Fatal(err)
				}
				mustClose(t, r)
				if r, err = Open(path, env, cfg); err != nil {
					t.Fatalf("reopen after phase %d: %v", phases, err)
				}
				phases++
			}
			defer r.Close()
			if a, b := stripWall(straight.History()), stripWall(r.History()); fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("records differ after %d reopenings:\nstraight %+v\nresumed  %+v", phases, a, b)
			}
			for m := range straight.st.Conds {
				if !reflect.DeepEqual(straight.Local(m), r.Local(m)) {
					t.Errorf("condition %d: local controllers differ", m)
				}
			}
			if !reflect.DeepEqual(straight.Global(), r.Global()) {
				t.Error("global policies differ")
			}
		})
	}
}

// TestCheckpointStoresOnce: the dynamics prior's buffer, whose newest
// trajectories are copies of the samples, is stored as references to them;
// Dyn and PrevDyn (one object after Finish) are stored once and stay shared.
func TestCheckpointStoresOnce(t *testing.T) {
	env, cfg := tinyLinear(t)
	r, err := New(env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(nil); err != nil {
		t.Fatal(err)
	}
	raw, err := encodeState(r.st)
	if err != nil {
		t.Fatal(err)
	}
	gl := int(binary.LittleEndian.Uint64(raw))
	var ds diskState
	if err := gob.NewDecoder(bytes.NewReader(raw[8 : 8+gl])).Decode(&ds); err != nil {
		t.Fatal(err)
	}
	arrays := map[string]diskArray{}
	for _, f := range ds.Fields {
		arrays[f.Path] = ds.Arrays[f.Array]
	}
	refs := 0
	for _, sg := range arrays[".Conds[0].DynPrior.X"].Segs {
		if sg.Ref >= 0 {
			refs++
		}
	}
	if refs != cfg.Samples {
		t.Errorf("dynamics prior buffer: %d trajectories stored as references, want %d (the current samples)", refs, cfg.Samples)
	}
	if pl := arrays[".Conds[0].PolPrior.X"].Segs; len(pl) != cfg.Samples || pl[0].Ref < 0 {
		t.Errorf("policy prior buffer segments %+v, want one reference per sample", pl)
	}
	st, err := decodeState(raw)
	if err != nil {
		t.Fatal(err)
	}
	if &st.Conds[0].Dyn.F[0] != &st.Conds[0].PrevDyn.F[0] {
		t.Error("Dyn and PrevDyn no longer share their arrays")
	}
	if &st.Conds[0].DynPrior.X[0] == &st.Conds[0].Samples[0].X[0] {
		t.Error("a buffer shares its array with a sample (it must be a copy)")
	}
	again, err := encodeState(st)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, raw) {
		t.Error("decoded state encodes differently")
	}
}

// TestCheckpointLoadReadOnly: Load refuses a missing file, returns a run whose
// phases fail without writing, and never touches the file.
func TestCheckpointLoadReadOnly(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
	env, cfg := tinyLinear(t)
	path := filepath.Join(t.TempDir(), "r.run")
	r, err := Open(path, env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Step(); err != nil {
		t.Fatal(err)
	}
	mustClose(t, r)
	before, _ := os.ReadFile(path)
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Iteration() != 1 || l.Env().Dims() != env.Dims() || l.Env().T() != env.T() {
		t.Errorf("loaded: iteration %d dims %+v T %d", l.Iteration(), l.Env().Dims(), l.Env().T())
	}
	if err := l.Sample(); err == nil {
		t.Error("Sample on a loaded run succeeded")
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("Load changed the file")
	}
}

// TestCheckpointLockReleasedOnError: an Open that refuses the checkpoint does
// not keep the run's lock.
func TestCheckpointLockReleasedOnError(t *testing.T) {
	env, cfg := tinyLinear(t)
	path := filepath.Join(t.TempDir(), "bad.run")
	if err := os.WriteFile(path, []byte(magicV2+"damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, env, cfg); err == nil {
		t.Fatal("a damaged checkpoint opened")
	}
	abs, _ := filepath.Abs(path)
	locksMu.Lock()
	_, held := locks[LockPath(abs)]
	locksMu.Unlock()
	if held {
		t.Error("the lock is still held after a refused Open")
	}
}
