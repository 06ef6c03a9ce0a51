package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/mdgps"
	"github.com/mirrorgps/mirrorgps/viz"
)

// Files of a run directory.
const (
	configFile     = "config.json"
	iterationsFile = viz.IterationsFile
	checkpointFile = "checkpoint.gob"
)

var (
	algorithms = []string{"mdgps", "badmm", "trajopt"}
	samplings  = []string{"off", "on"}
	steps      = []string{"classic", "global", "fixed", "laplace", "mc"}
	eras       = []string{string(mdgps.CurrentEra), string(mdgps.SubmissionEra)}
)

// runSpec is what identifies a run: the flags of `mdgps run`. It is saved
// as config.json together with the driver configuration it produced.
type runSpec struct {
	Task      string `json:"task"`
	Algorithm string `json:"algorithm"`
	Sampling  string `json:"sampling"`
	Step      string `json:"step"`
	Era       string `json:"era,omitempty"` // current (also when empty: written before eras existed) or submission
	// Behaviours are submission-era behaviour groups (mdgps.EraBehaviours,
	// comma-separated) switched on over Era: the ablation of issue era.
	Behaviours string `json:"behaviours,omitempty"`
	Iterations int    `json:"iterations"`
	Seed       uint64 `json:"seed"`
	// Overrides of the task's default configuration (0 = the default).
	SStepIterations int `json:"sstep_iterations,omitempty"`
	Samples         int `json:"samples,omitempty"`
	// Workers is not part of the run's identity (results do not depend on it).
	Workers int `json:"-"`
}

// runConfig is the content of config.json.
type runConfig struct {
	runSpec
	Config mdgps.Config `json:"config"`
}

// sameRun reports whether two specs describe the same run (all but the
// iteration count and the workers, which a resume may change).
func (s runSpec) sameRun(o runSpec) bool {
	s.Era, o.Era = string(mdgps.Era(s.Era).Or()), string(mdgps.Era(o.Era).Or())
	s.Iterations, o.Iterations = 0, 0
	s.Workers, o.Workers = 0, 0
	return s == o
}

func (s runSpec) validate() error {
	if err := oneOf("task", s.Task, Tasks...); err != nil {
		return err
	}
	if err := oneOf("algorithm", s.Algorithm, algorithms...); err != nil {
		return err
	}
	if err := oneOf("sampling", s.Sampling, samplings...); err != nil {
		return err
	}
	if err := oneOf("step", s.Step, steps...); err != nil {
		return err
	}
	if s.Era != "" {
		if err := oneOf("era", s.Era, eras...); err != nil {
			return err
		}
	}
	if _, err := s.behaviours(); err != nil {
		return err
	}
	switch {
	case s.Iterations < 1:
		return usagef("--iterations %d: must be ≥ 1", s.Iterations)
	case s.SStepIterations < 0:
		return usagef("--sstep-iterations %d: must be ≥ 1 (or 0 for the task's default)", s.SStepIterations)
	case s.Samples < 0 || s.Samples == 1:
		return usagef("--samples %d: must be ≥ 2 (or 0 for the task's default)", s.Samples)
	case s.Workers < 0:
		return usagef("--workers %d: must be ≥ 0 (0 = all cores)", s.Workers)
	}
	return nil
}

// config builds the driver configuration of the run from the task's default.
func (s runSpec) config(def mdgps.Config) (mdgps.Config, error) {
	cfg := def
	s.variant().Apply(&cfg)
	bs, err := s.behaviours()
	if err != nil {
		return cfg, err
	}
	for _, b := range bs {
		if err := cfg.SetBehaviour(b, mdgps.SubmissionEra); err != nil {
			return cfg, err
		}
	}
	cfg.Iterations = s.Iterations
	cfg.Seed = s.Seed
	cfg.Workers = s.Workers
	if s.SStepIterations > 0 {
		cfg.NN.Iterations = s.SStepIterations
	}
	if s.Samples > 0 {
		cfg.Samples = s.Samples
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("configuration of %s/%s/%s/%s: %w", s.Task, s.Algorithm, s.Sampling, s.Step, err)
	}
	return cfg, nil
}

func cmdRun(args []string, e env) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var s runSpec
	fs.StringVar(&s.Task, "task", "", "task: "+strings.Join(Tasks, ", ")+" (required)")
	fs.StringVar(&s.Algorithm, "algorithm", "mdgps", "algorithm: "+strings.Join(algorithms, ", "))
	fs.StringVar(&s.Sampling, "sampling", "off", "sampling: "+strings.Join(samplings, ", "))
	fs.StringVar(&s.Step, "step", "classic", "step-size rule: "+strings.Join(steps, ", "))
	eraFlags(fs, &s)
	fs.IntVar(&s.Iterations, "iterations", 12, "MDGPS iterations (≥ 1)")
	fs.Uint64Var(&s.Seed, "seed", 0, "random seed")
	fs.IntVar(&s.SStepIterations, "sstep-iterations", 0, "Adam steps per S-step (0 = the task's default, paper 4000); small values make quick test runs")
	fs.IntVar(&s.Samples, "samples", 0, "rollouts per condition per iteration (0 = the task's default, paper 5)")
	fs.IntVar(&s.Workers, "workers", 0, "goroutines for rollouts and per-condition work (0 = all cores)")
	out := fs.String("out", "", "run directory (required)")
	resume := fs.Bool("resume", false, "continue the run in --out (same flags; --iterations and --workers may change)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("run: unexpected argument %q", fs.Arg(0))
	}
	if s.Task == "" {
		return usagef("run: --task is required; allowed: %s", strings.Join(Tasks, ", "))
	}
	if *out == "" {
		return usagef("run: --out DIR is required")
	}
	if err := s.validate(); err != nil {
		return err
	}
	state, err := inspectDir(*out, s)
	if err != nil {
		return err
	}
	switch {
	case state == dirHasRun && !*resume:
		return fmt.Errorf("--out %s already holds a run; pass --resume to continue it, or choose another directory", *out)
	case state != dirHasRun && *resume:
		return fmt.Errorf("--resume: %s holds no run to resume", *out)
	}
	_, err = execute(e, s, *out, !*quiet, e.stdout)
	return err
}

type dirState int

const (
	dirNew    dirState = iota // absent or empty
	dirHasRun                 // holds a run of the same spec
)

// inspectDir checks that dir can hold the run of spec s: absent or empty
// (a new run), or holding a run of the same spec (to resume). A directory with
// other files, or with a run of another spec, is an error.
func inspectDir(dir string, s runSpec) (dirState, error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return dirNew, nil
	case err != nil:
		return 0, fmt.Errorf("--out %s: %w", dir, err)
	case onlyLeftovers(entries):
		return dirNew, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, configFile))
	if errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("--out %s is not empty and holds no mdgps run (no %s); refusing to write into it", dir, configFile)
	}
	if err != nil {
		return 0, fmt.Errorf("--out %s: %w", dir, err)
	}
	var rc runConfig
	if err := json.Unmarshal(b, &rc); err != nil {
		return 0, fmt.Errorf("--out %s: unreadable %s: %v", dir, configFile, err)
	}
	if !rc.runSpec.sameRun(s) {
		return 0, fmt.Errorf("--out %s holds a different run (%s); nothing was changed — choose another directory", dir, describeSpec(rc.runSpec))
	}
	return dirHasRun, nil
}

func describeSpec(s runSpec) string {
	d := fmt.Sprintf("task %s, algorithm %s, sampling %s, step %s, seed %d", s.Task, s.Algorithm, s.Sampling, s.Step, s.Seed)
	if s.SStepIterations > 0 {
		d += fmt.Sprintf(", sstep-iterations %d", s.SStepIterations)
	}
	if s.Samples > 0 {
		d += fmt.Sprintf(", samples %d", s.Samples)
	}
	return d
}

// execute creates or resumes the run of s in dir and runs it to the end,
// stopping between phases on an interrupt. It prints one table row per
// iteration to table (nil: none) and shows a progress bar on e.stderr.
func execute(e env, s runSpec, dir string, bar bool, table io.Writer) ([]mdgps.Iteration, error) {
	task, def, err := newTask(s.Task)
	if err != nil {
		return nil, err
	}
	if c, ok := task.(interface{ Close() }); ok {
		defer c.Close()
	}
	cfg, err := s.config(def)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	writeConfig := func() error {
		err := writeAtomic(filepath.Join(dir, configFile), func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(runConfig{runSpec: s, Config: cfg})
		})
		if err != nil {
			return fmt.Errorf("--out %s is not writable: %w", dir, err)
		}
		return nil
	}
	ckpt := filepath.Join(dir, checkpointFile)
	_, statErr := os.Stat(ckpt)
	resuming := statErr == nil
	if !resuming {
		// A run whose records outlived its checkpoint (reproduce --prune) cannot
		// continue: starting afresh would rewrite its records.
		if h, err := viz.ReadIterations(dir); err == nil && len(h) > 0 {
			return h, fmt.Errorf("%s has %d recorded iterations but no checkpoint (pruned); it cannot be continued — use another directory", dir, len(h))
		}
	} else if err := checkConfigSection(dir, cfg); err != nil {
		return nil, err
	}
	// Open takes the run's lock before anything in dir is written (one writer
	// per run; a second process is refused with the holder's PID).
	r, err := mdgps.Open(ckpt, task, cfg)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	removeTemps(dir)
	if done := r.Iteration(); done > cfg.Iterations {
		return nil, fmt.Errorf("--iterations %d is below the %d iterations the run in %s has finished; nothing was changed — pass --iterations %d or more", cfg.Iterations, done, dir, done)
	}
	// One checkpoint per iteration (Finish), and one when interrupted: a peg
	// checkpoint is tens of MB, too much to write after every phase.
	r.SetAutosave(false)
	// config.json: the new run's, or the (extended) config Open accepted.
	if err := writeConfig(); err != nil {
		return nil, err
	}
	// The checkpoint is authoritative: iterations.jsonl is rewritten from it,
	// so an interruption between the two writes never leaves them apart.
	if err := writeJSONL(dir, r.History()); err != nil {
		return nil, err
	}
	if table != nil {
		printHeader(table, task)
		for _, it := range r.History() {
			printRow(table, it)
		}
	}
	pb := progressbar.NewOptions(cfg.Iterations,
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetVisibility(bar),
		progressbar.OptionSetDescription(s.Task),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(0),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(e.stderr) }),
	)
	_ = pb.Set(r.Iteration())
	label := fmt.Sprintf("%s %s seed %d", s.Task, s.variant(), s.Seed)
	for !r.Done() {
		select {
		case <-e.interrupt:
			_ = pb.Clear()
			if err := r.Save(); err != nil {
				return r.History(), fmt.Errorf("%w; saving the checkpoint failed: %v", errInterrupted, err)
			}
			return r.History(), fmt.Errorf("%w in iteration %d before phase %s; the checkpoint in %s is consistent — continue with --resume",
				errInterrupted, r.Iteration()+1, r.Phase(), dir)
		default:
		}
		ph := r.Phase()
		pb.Describe(fmt.Sprintf("%s: iteration %d/%d %-11s", label, r.Iteration()+1, cfg.Iterations, ph))
		if ph != mdgps.PhaseFinish {
			if _, _, err := r.Next(); err != nil {
				_ = pb.Clear()
				return r.History(), fmt.Errorf("iteration %d, phase %s: %w", r.Iteration()+1, ph, err)
			}
			if testHookAfterPhase != nil {
				testHookAfterPhase()
			}
			continue
		}
		it, err := r.Finish()
		if err != nil {
			_ = pb.Clear()
			return r.History(), fmt.Errorf("iteration %d, phase %s: %w", r.Iteration()+1, ph, err)
		}
		if err := writeJSONL(dir, r.History()); err != nil {
			return r.History(), err
		}
		if table != nil {
			_ = pb.Clear()
			printRow(table, it)
		}
		_ = pb.Add(1)
		if testHookAfterPhase != nil {
			testHookAfterPhase()
		}
	}
	_ = pb.Finish()
	return r.History(), nil
}

// testHookAfterPhase, when set by a test, runs after every completed phase
// (to deliver an interrupt at a deterministic point).
var testHookAfterPhase func()

// variant is the spec's algorithm variant.
func (s runSpec) variant() mdgps.Variant {
	return mdgps.Variant{Algorithm: mdgps.Algorithm(s.Algorithm), Sampling: mdgps.Sampling(s.Sampling),
		Step: mdgps.StepRule(s.Step), Era: mdgps.Era(s.Era).Or()}
}

// behaviours parses --submission-behaviours.
func (s runSpec) behaviours() ([]string, error) {
	if s.Behaviours == "" {
		return nil, nil
	}
	return parseList("submission-behaviours", s.Behaviours, mdgps.EraBehaviours)
}

// withVariant returns s running variant v.
func (s runSpec) withVariant(v mdgps.Variant) runSpec {
	s.Algorithm, s.Sampling, s.Step = string(v.Algorithm), string(v.Sampling), string(v.Step)
	return s
}

func metricName(task envs.Env) string { return metricLabel(task.Name()) }

// metricLabel names a task's metric (Iteration.DistanceMean).
func metricLabel(task string) string {
	switch task {
	case "obstacle":
		return "distance"
	case "peg", "blindpeg":
		return "peg height"
	case "linear":
		return "final |x|"
	}
	return "metric"
}

func printHeader(w io.Writer, task envs.Env) {
	fmt.Fprintf(w, "%4s  %12s  %10s  %8s  %9s  %9s  %12s  %7s\n",
		"iter", "global cost", metricName(task), "success%", "KL/step", "ε/step", "bound", "seconds")
}

func printRow(w io.Writer, it mdgps.Iteration) {
	fmt.Fprintf(w, "%4d  %12.5g  %10.4g  %8.2f  %9.3g  %9.3g  %12.5g  %7.1f\n",
		it.Iteration, it.CostGlobalMean, it.DistanceMean, 100*it.SuccessRate, it.KLMean, it.EpsilonMean, it.BoundMean, it.WallSeconds)
}

// writeAtomic writes path through a temporary file and a rename.
func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	err = tmp.Chmod(0o644)
	w := bufio.NewWriter(tmp)
	if err == nil {
		err = write(w)
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// writeJSONL rewrites dir/iterations.jsonl from the history. Non-finite
// numbers (which JSON cannot hold) are written as null.
func writeJSONL(dir string, h []mdgps.Iteration) error {
	return writeAtomic(filepath.Join(dir, viz.IterationsFile), func(w io.Writer) error {
		for _, it := range h {
			b, err := marshalIteration(it)
			if err != nil {
				return err
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
}

// marshalIteration encodes a record. JSON cannot hold NaN or ±Inf; should a
// record carry one, it is written as null rather than failing the whole file.
func marshalIteration(it mdgps.Iteration) ([]byte, error) {
	b, err := json.Marshal(it)
	if err == nil {
		return b, nil
	}
	return json.Marshal(finite(reflect.ValueOf(it)))
}

// finite converts v to plain JSON values (maps keyed by the json tags, slices,
// numbers), with non-finite floats as nil.
func finite(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		return f
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = finite(v.Index(i))
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opt, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if strings.Contains(opt, "omitempty") && v.Field(i).IsZero() {
				continue
			}
			out[name] = finite(v.Field(i))
		}
		return out
	}
	return v.Interface()
}

// eraFlags defines --era and --submission-behaviours (run and reproduce).
func eraFlags(fs *flag.FlagSet, s *runSpec) {
	fs.StringVar(&s.Era, "era", "current", "algorithm era: current (the later reference) or submission (the code behind the paper's figures, spec §15)")
	fs.StringVar(&s.Behaviours, "submission-behaviours", "", "comma-separated submission-era behaviours switched on over --era, for ablations: "+strings.Join(mdgps.EraBehaviours, ", "))
}
