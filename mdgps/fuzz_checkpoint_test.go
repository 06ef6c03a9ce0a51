package mdgps

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fuzz targets of issue 13. `go test` runs their seed corpora (the f.Add seeds
// and testdata/fuzz/<target>); `make fuzz` mutates them for FUZZTIME each.

// FuzzCheckpoint: payload bytes of a tiny linear run's checkpoint, mutated and
// re-sealed with a valid checksum so that they reach decoding and validation,
// then Open and a few phases. Inputs starting with the v1 magic are written as
// they are (format v1 has no checksum). Nothing may panic, in any goroutine:
// Run.parallel's recover (the last line of defence) counts as a failure here.
func FuzzCheckpoint(f *testing.F) {
	for _, name := range []string{"linear-v2.ckpt", "linear-v1.ckpt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		if strings.HasPrefix(string(b), magicV2) {
			if b, err = unseal(b); err != nil {
				f.Fatal(err)
			}
		}
		f.Add(b)
	}
	env, cfg := tinyLinear(f)
	cfg.Iterations = 3
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		file := data
		if !strings.HasPrefix(string(data), magic) {
			file = seal(data)
		}
		// Not t.TempDir: fuzzing workers do not remove it after each input.
		dir, err := os.MkdirTemp("", "FuzzCheckpoint")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "fuzz.run")
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path, env, cfg)
		if err != nil {
			return
		}
		defer r.Close()
		r.SetAutosave(false) // no checkpoint writes (fsync) in the phases: cheap executions
		for i := 0; i < 4 && !r.Done(); i++ {
			if _, _, err := r.Next(); err != nil {
				if strings.Contains(err.Error(), "internal failure (panic)") {
					t.Fatalf("a phase panicked on a state that passed validation: %v", err)
				}
				return
			}
		}
	})
}

// FuzzConfigJSON: JSON over the tiny linear run's defaults → Validate → New →
// Step. A config that Validate accepts must run (or fail with an error), never
// panic. Configs too costly for a fuzz iteration are skipped.
func FuzzConfigJSON(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"KLStep": 0.1, "Samples": 4}`,
		`{"Algorithm": "badmm"}`,
		`{"Algorithm": "trajopt", "StepRule": "classic"}`,
		`{"Era": "submission"}`,
		`{"Policy": "mlp", "NN": {"Hidden": [3], "Iterations": 5}}`,
		`{"Init": {"Stiffness": 1e308, "InitVar": 1e-300}}`,
		`{"DynPrior": {"MaxClusters": 3, "MinSamplesPerCluster": 1, "MaxSamples": 2}}`,
		`{"Noise": {"Smooth": false, "Sigma": 0}}`,
		`{"MinMult": 1e-300, "MaxMult": 1e300, "InitEta": 1e-300}`,
	} {
		f.Add([]byte(s))
	}
	env, base := tinyLinear(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := base
		if err := json.Unmarshal(data, &cfg); err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			return
		}
		// Bound the cost of one iteration (and memory): a fuzz input is not a benchmark.
		if cfg.Samples > 40 || cfg.EvalSamples > 10 || cfg.NN.Iterations > 300 || cfg.NN.BatchSize > 1000 ||
			cfg.DynPrior.MaxIter > 300 || cfg.PolPrior.MaxIter > 300 || cfg.Workers > 4 || cfg.BADMM.InnerIterations > 8 ||
			cfg.DynPrior.MaxClusters > 50 || cfg.PolPrior.MaxClusters > 50 || cfg.InnerRounds > 8 || cfg.TrajOpt.MaxIter > 200 {
			return
		}
		w := 0
		for _, h := range cfg.NN.Hidden {
			w += h
		}
		if w > 256 || len(cfg.NN.Hidden) > 4 {
			return
		}
		r, err := New(env, cfg)
		if err != nil {
			return
		}
		if _, err := r.Step(); err != nil && strings.Contains(err.Error(), "internal failure (panic)") {
			t.Fatalf("config %s: a phase panicked: %v", data, err)
		}
	})
}

// TestValidateInitStiffness: an infinite init_lqr stiffness passed Validate
// (found while writing FuzzConfigJSON; JSON cannot carry it, Go code can).
func TestValidateInitStiffness(t *testing.T) {
	for _, mod := range []func(*Config){
		func(c *Config) { c.Init.Stiffness = math.Inf(1) },
		func(c *Config) { c.Init.StiffnessVel = math.Inf(1) },
		func(c *Config) { c.Init.Stiffness = math.NaN() },
	} {
		c := PaperObstacle()
		mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "Init.Stiffness") {
			t.Errorf("Init %+v: err = %v, want one naming Init.Stiffness", c.Init, err)
		}
	}
}
