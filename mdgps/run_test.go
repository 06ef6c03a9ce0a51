package mdgps

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mirrorgps/mirrorgps/envs/obstacle"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// shortObstacle is the paper's obstacle configuration with a short S-step, so an
// iteration takes a fraction of a second.
func shortObstacle(iters int) Config {
	cfg := PaperObstacle()
	cfg.NN.Iterations = 500
	cfg.Iterations = iters
	cfg.EvalSamples = 3
	return cfg
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		field string
		mod   func(*Config)
	}{
		{"Task", func(c *Config) { c.Task = "" }},
		{"Algorithm", func(c *Config) { c.Algorithm = "gps" }},
		{"Sampling", func(c *Config) { c.Algorithm, c.Sampling = BADMM, OnPolicy }},
		{"BADMM.InnerIterations", func(c *Config) { c.Algorithm, c.BADMM.InnerIterations = BADMM, 0 }},
		{"Sampling", func(c *Config) { c.Sampling = "both" }},
		{"Sampling", func(c *Config) { c.Algorithm, c.Sampling = TrajOpt, OnPolicy }},
		{"StepRule", func(c *Config) { c.StepRule = "adaptive" }},
		{"Iterations", func(c *Config) { c.Iterations = 0 }},
		{"Samples", func(c *Config) { c.Samples = 1 }},
		{"EvalSamples", func(c *Config) { c.EvalSamples = -1 }},
		{"KLStep", func(c *Config) { c.KLStep = 0 }},
		{"MinMult", func(c *Config) { c.MinMult = -1 }},
		{"MaxMult", func(c *Config) { c.MaxMult = c.MinMult / 2 }},
		{"InitEta", func(c *Config) { c.InitEta = 0 }},
		{"MaxEnt", func(c *Config) { c.MaxEnt = -0.1 }},
		{"Init.InitVar", func(c *Config) { c.Init.InitVar = 0 }},
		{"Policy", func(c *Config) { c.Policy = "tree" }},
		{"NN", func(c *Config) { c.NN.Iterations = 0 }},
		{"DynPrior", func(c *Config) { c.DynPrior.MaxClusters = 0 }},
		{"TrajOpt", func(c *Config) { c.TrajOpt.Tol = 2 }},
	} {
		cfg := PaperObstacle()
		tc.mod(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: err = %v, want it to name the field", tc.field, err)
		}
	}
	for _, cfg := range []Config{PaperObstacle(), PaperPeg(), PaperBlindPeg(), LinearDefault()} {
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", cfg.Task, err)
		}
	}
}

func TestPhaseOrder(t *testing.T) {
	r, err := New(obstacle.New(), shortObstacle(1))
	if err != nil {
		t.Fatal(err)
	}
	var pe *PhaseError
	if err := r.CStep(); !errors.As(err, &pe) || pe.Expected != PhaseSample || pe.Called != PhaseCStep {
		t.Fatalf("CStep first: %v", err)
	}
	if err := r.Sample(); err != nil {
		t.Fatal(err)
	}
	if r.Phase() != PhaseFitDynamics {
		t.Fatalf("after Sample: phase %s", r.Phase())
	}
	if err := r.AdjustStep(); !errors.As(err, &pe) || pe.Expected != PhaseFitDynamics {
		t.Fatalf("AdjustStep out of order: %v", err)
	}
	// The first iteration imitates and skips AdjustStep.
	want := []Phase{PhaseSample, PhaseFitDynamics, PhaseImitate, PhaseFitPolicy, PhaseCStep, PhaseSStep, PhaseFinish}
	if got := phaseNames(r.phases()); !reflect.DeepEqual(got, want) {
		t.Errorf("first-iteration phases %v, want %v", got, want)
	}
}

func TestCorruptCheckpoint(t *testing.T) {
	dir := t.TempDir()
	env := obstacle.New()
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"garbage", []byte("hello")},
		{"truncated", []byte(magic + "\x07\xff")},
	} {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path, env, shortObstacle(1))
		var ce *CheckpointError
		if !errors.As(err, &ce) {
			t.Errorf("%s: err = %v, want *CheckpointError", tc.name, err)
		}
		if b, _ := os.ReadFile(path); string(b) != string(tc.data) {
			t.Errorf("%s: the file was changed", tc.name)
		}
	}
	// A checkpoint of another format version is refused.
	path := filepath.Join(dir, "v0")
	r, err := Open(path, env, shortObstacle(1))
	if err != nil {
		t.Fatal(err)
	}
	r.st.Version = formatVersion + 1
	if err := save(path, r.st); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, env, shortObstacle(1)); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("wrong version: err = %v", err)
	}
	// A different configuration is refused.
	path = filepath.Join(dir, "cfg")
	if _, err := Open(path, env, shortObstacle(1)); err != nil {
		t.Fatal(err)
	}
	other := shortObstacle(1)
	other.KLStep = 1
	if _, err := Open(path, env, other); err == nil {
		t.Error("different config accepted")
	}
}

// stripWall zeroes the wall-clock fields of records.
func stripWall(its []Iteration) []Iteration {
	out := append([]Iteration(nil), its...)
	for i := range out {
		out[i].WallSeconds = 0
	}
	return out
}

// TestResume: 4 iterations straight vs 2, reopen from the checkpoint, 2 more give
// identical records (all fields but wall time) and identical policies.
func TestResume(t *testing.T) {
	dir := t.TempDir()
	env := obstacle.New()
	straight, err := Open(filepath.Join(dir, "a.run"), env, shortObstacle(4))
	if err != nil {
		t.Fatal(err)
	}
	if err := straight.Run(nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "b.run")
	first, err := Open(path, env, shortObstacle(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Run(nil); err != nil {
		t.Fatal(err)
	}
	// Reopen mid-run, then step phase by phase through part of an iteration,
	// reopening again after each phase (as a notebook does).
	cfg := shortObstacle(4)
	resumed, err := Open(path, env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Iteration() != 2 {
		t.Fatalf("resumed at iteration %d", resumed.Iteration())
	}
	for _, phase := range []func(*Run) error{(*Run).Sample, (*Run).FitDynamics, (*Run).FitPolicy} {
		if err := phase(resumed); err != nil {
			t.Fatal(err)
		}
		if resumed, err = Open(path, env, cfg); err != nil {
			t.Fatal(err)
		}
	}
	if err := resumed.Run(nil); err != nil {
		t.Fatal(err)
	}
	a, b := stripWall(straight.History()), stripWall(resumed.History())
	if !reflect.DeepEqual(a, b) {
		for i := range a {
			if !reflect.DeepEqual(a[i], b[i]) {
				t.Errorf("iteration %d differs:\nstraight %+v\nresumed  %+v", i+1, a[i], b[i])
			}
		}
	}
	if !reflect.DeepEqual(straight.st.MLP.Theta, resumed.st.MLP.Theta) {
		t.Error("network weights differ")
	}
	for m := range straight.st.Conds {
		if !reflect.DeepEqual(straight.Local(m), resumed.Local(m)) {
			t.Errorf("condition %d: local controllers differ", m)
		}
	}
}

// TestAutosaveOff: with autosave off only Finish (and Save) write the checkpoint,
// and a resumed run still matches an uninterrupted one.
func TestAutosaveOff(t *testing.T) {
	dir := t.TempDir()
	env := obstacle.New()
	path := filepath.Join(dir, "c.run")
	r, err := Open(path, env, shortObstacle(2))
	if err != nil {
		t.Fatal(err)
	}
	r.SetAutosave(false)
	if err := r.Sample(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(path, env, shortObstacle(2))
	if err != nil {
		t.Fatal(err)
	}
	if again.Phase() != PhaseSample || again.Iteration() != 0 {
		t.Fatalf("phase %s iteration %d written without autosave", again.Phase(), again.Iteration())
	}
	if _, err := r.Step(); err != nil {
		t.Fatal(err)
	}
	again, err = Open(path, env, shortObstacle(2))
	if err != nil {
		t.Fatal(err)
	}
	if again.Iteration() != 1 || again.Phase() != PhaseSample {
		t.Fatalf("after Finish: iteration %d phase %s", again.Iteration(), again.Phase())
	}
	if _, err := again.Step(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Step(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stripWall(r.History()), stripWall(again.History())) {
		t.Error("resumed run differs")
	}
}

// TestCStepFailureRecorded: a numerical failure in one condition's C-step (here a
// NaN injected into its fitted dynamics) is recorded with its evidence, that
// condition keeps its controller, and the others and the run go on.
func TestCStepFailureRecorded(t *testing.T) {
	r, err := New(obstacle.New(), shortObstacle(1))
	if err != nil {
		t.Fatal(err)
	}
	for r.Phase() != PhaseCStep {
		if _, _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	before := r.Local(2).Clone()
	r.st.Conds[2].Dyn.F[17] = math.NaN()
	it, err := r.Step()
	if err != nil {
		t.Fatal(err)
	}
	c := it.Conditions[2]
	if it.Failures != 1 || !strings.Contains(c.Error, "dynamics.F[17]") {
		t.Fatalf("failures %d, condition 2 error %q", it.Failures, c.Error)
	}
	if !reflect.DeepEqual(r.Local(2).K, before.K) {
		t.Error("the failed condition's controller changed")
	}
	if it.Conditions[1].Error != "" || it.Conditions[1].KL == 0 {
		t.Errorf("condition 1 affected: %+v", it.Conditions[1])
	}
	// The failure is typed: errors.As finds the input's evidence through it.
	f := r.CStepInfo(2).Failure
	var nf *lingauss.NonFiniteError
	if f == nil || !errors.As(f, &nf) || nf.Array != "dynamics.F" || nf.Index != 17 || f.Cond != 2 {
		t.Errorf("CStepInfo(2).Failure = %#v, want a *lingauss.NonFiniteError for dynamics.F[17]", f)
	}
	if r.CStepInfo(1).Failure != nil {
		t.Errorf("condition 1 has a failure: %v", r.CStepInfo(1).Failure)
	}
}
