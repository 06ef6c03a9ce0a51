package mdgps

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"weak"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/mdgps/cost"
	"github.com/mirrorgps/mirrorgps/mdgps/fit"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
	"github.com/mirrorgps/mirrorgps/mdgps/nn"
)

// Open creates a new run at path (a checkpoint file) or resumes the one there.
// When resuming, cfg must equal the saved config except for Iterations and
// Workers (which a user may raise or change), and env must be the same task.
//
// Open takes the run's lock (path + ".lock", see LockedError) and holds it
// until Close; it removes temporary files that interrupted writes left. A
// checkpoint is verified (checksum), decoded and validated against env and cfg
// before anything runs on it: a damaged file is a *CheckpointError, a state that
// does not fit is a *CorruptError, and the file is left as it is.
func Open(path string, env envs.Env, cfg Config) (r *Run, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Task != env.Name() {
		return nil, fmt.Errorf("mdgps: Config.Task = %q but the environment is %q", cfg.Task, env.Name())
	}
	cfg = cfg.normalized()
	r = &Run{path: path, env: env, dims: env.Dims(), T: env.T()}
	if path != "" {
		release, lerr := acquire(path)
		if lerr != nil {
			return nil, lerr
		}
		defer func() { // err and r are Open's results
			if err != nil || r == nil {
				release()
				return
			}
			setRelease(r, release)
		}()
	}
	st, err := load(path)
	switch {
	case err == nil:
		st.Config = st.Config.normalized() // saved before eras existed: the current era
		saved := st.Config
		saved.Iterations, saved.Workers = cfg.Iterations, cfg.Workers
		if !configEqual(saved, cfg) {
			return nil, fmt.Errorf("mdgps: %s holds a run with a different configuration (%s); use another path or the saved config (Run.Config)", path, ConfigDiff(saved, cfg))
		}
		st.Config = cfg
		if err := validateSafely(path, st, shape{d: r.dims, T: r.T, M: env.Conditions(), task: env.Name(), cfg: cfg}); err != nil {
			return nil, err
		}
		r.st = st
		return r, nil
	case errors.Is(err, errNoCheckpoint):
	default:
		return nil, err
	}
	if err := r.init(cfg); err != nil {
		return nil, err
	}
	if path != "" {
		if err := save(path, r.st); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// validateSafely runs validate, turning a panic (a check this build lacks) into
// a *CorruptError.
func validateSafely(path string, st *state, s shape) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &CorruptError{File: path, Field: "state", Reason: fmt.Sprintf("validation failed: %v", p)}
		}
	}()
	return validate(path, st, s)
}

// handles holds the lock release of every open Run with a path, by weak
// reference: a run dropped without Close releases its lock when it is
// garbage-collected (it can no longer write).
var (
	handlesMu sync.Mutex
	handles   = map[weak.Pointer[Run]]func(){}
)

func setRelease(r *Run, release func()) {
	wp := weak.Make(r)
	handlesMu.Lock()
	handles[wp] = release
	handlesMu.Unlock()
	runtime.AddCleanup(r, takeRelease, wp)
}

// takeRelease removes and runs the lock release of a run.
func takeRelease(wp weak.Pointer[Run]) {
	handlesMu.Lock()
	release := handles[wp]
	delete(handles, wp)
	handlesMu.Unlock()
	if release != nil {
		release()
	}
}

// closedMark prefixes the path of a closed run (a path cannot hold a NUL byte).
const closedMark = "\x00closed\x00"

// Close releases the run's lock (Open). The run stays readable in memory but no
// longer writes its checkpoint: its phases and Save return an error. Close is
// idempotent; a run without a path has nothing to release.
func (r *Run) Close() error {
	if r.path != "" && !r.isClosed() {
		r.path = closedMark + r.path
	}
	takeRelease(weak.Make(r))
	return nil
}

func (r *Run) isClosed() bool { return strings.HasPrefix(r.path, closedMark) }

// Load opens the checkpoint at path read-only, for looking at a run (its
// history, controllers, fits, samples) without taking its lock: a run that
// another process is writing can be loaded. The checkpoint is verified and
// validated as by Open, against the dimensions it holds. The returned run has
// no task and never writes: its phase methods must not be called (use Open to
// continue a run).
func Load(path string) (*Run, error) {
	st, err := load(path)
	if errors.Is(err, errNoCheckpoint) {
		return nil, fmt.Errorf("mdgps: no checkpoint at %s", path)
	}
	if err != nil {
		return nil, err
	}
	if err := st.Config.Validate(); err != nil {
		return nil, &CorruptError{File: path, Field: "Config", Reason: err.Error()}
	}
	st.Config = st.Config.normalized()
	env, err := storedEnv(path, st)
	if err != nil {
		return nil, err
	}
	s := shape{d: env.d, T: env.t, M: len(st.Conds), task: st.Task, cfg: st.Config}
	if err := validateSafely(path, st, s); err != nil {
		return nil, err
	}
	return &Run{env: env, st: st, dims: env.d, T: env.t}, nil
}

// New creates a run that is never written to disk (for tests and scripts).
func New(env envs.Env, cfg Config) (*Run, error) { return Open("", env, cfg) }

func (r *Run) init(cfg Config) error {
	d, T, M := r.dims, r.T, r.env.Conditions()
	st := &state{Version: formatVersion, Config: cfg, Task: r.env.Name(), Phase: PhaseSample}
	for m := 0; m < M; m++ {
		x0, err := r.env.X0(m)
		if err != nil {
			return err
		}
		ic := lingauss.DefaultInitLQR(T, d.X, d.U, r.env.Dt(), x0)
		ic.InitVar, ic.Stiffness, ic.StiffnessVel, ic.FinalWeight = cfg.Init.InitVar, cfg.Init.Stiffness, cfg.Init.StiffnessVel, cfg.Init.FinalWeight
		if cfg.Init.Gains != nil {
			ic.InitGains = append([]float64(nil), cfg.Init.Gains...)
		}
		if cfg.Init.Acc != nil {
			ic.InitAcc = append([]float64(nil), cfg.Init.Acc...)
		}
		local, err := lingauss.InitLQR(ic)
		if err != nil {
			return fmt.Errorf("mdgps: initial controller of condition %d: %w", m, err)
		}
		dp, err := fit.NewDynamicsPrior(cfg.DynPrior, T, d.X, d.U)
		if err != nil {
			return err
		}
		c := &condState{Local: local, Eta: cfg.InitEta, StepMult: 1, DynPrior: dp}
		if cfg.Algorithm == BADMM {
			c.BADMM = &badmmCond{PolWt: make([]float64, T), LambdaK: make([]float64, T*d.U*d.X), Lambdak: make([]float64, T*d.U)}
			for t := range c.BADMM.PolWt {
				c.BADMM.PolWt[t] = cfg.BADMM.InitPolWt
			}
		}
		if cfg.Algorithm != TrajOpt {
			if c.PolPrior, err = fit.NewPolicyPrior(cfg.PolPrior, T, d.X, d.O, d.U); err != nil {
				return err
			}
		}
		st.Conds = append(st.Conds, c)
	}
	if cfg.Algorithm != TrajOpt {
		switch cfg.Policy {
		case NeuralPolicy:
			nc := cfg.NN
			nc.Seed = cfg.Seed
			mlp, err := nn.New(d.O, d.U, nc)
			if err != nil {
				return err
			}
			st.MLP = mlp
		case LinearPolicy:
			lin, err := nn.NewLinear(T, d.O, d.U, cfg.Init.InitVar)
			if err != nil {
				return err
			}
			st.Linear = lin
		}
	}
	r.st = st
	return nil
}

// SetAutosave chooses whether every phase writes the checkpoint (the default,
// which a notebook needs: each cell is a fresh program) or only Finish and Save
// do (for long runs in one process, where a peg checkpoint of ~15 MB after every
// phase would cost about a second per iteration). Either way the file always
// holds a consistent state from which Open resumes bit-identically.
func (r *Run) SetAutosave(on bool) { r.noAuto = !on }

// Save writes the checkpoint now (a no-op for a run without a path).
func (r *Run) Save() error { return r.checkpoint() }

func (r *Run) checkpoint() error {
	if r.path == "" {
		return nil
	}
	if r.isClosed() {
		return fmt.Errorf("mdgps: run %s is closed (Run.Close); open it again to continue", strings.TrimPrefix(r.path, closedMark))
	}
	return save(r.path, r.st)
}

// loadedEnv stands in for the task of a run opened with Load: it knows the
// stored dimensions and nothing else.
type loadedEnv struct {
	name string
	d    envs.Dims
	t, m int
}

var errReadOnly = errors.New("mdgps: a run from Load is read-only; use Open with its task to continue it")

func (e *loadedEnv) Name() string                      { return e.name }
func (e *loadedEnv) Dims() envs.Dims                   { return e.d }
func (e *loadedEnv) Conditions() int                   { return e.m }
func (e *loadedEnv) T() int                            { return e.t }
func (e *loadedEnv) Dt() float64                       { return 0 }
func (e *loadedEnv) Substeps() int                     { return 1 }
func (e *loadedEnv) X0(int) ([]float64, error)         { return nil, errReadOnly }
func (e *loadedEnv) Cost(int) cost.Term                { panic(errReadOnly) }
func (e *loadedEnv) Evaluate(*envs.Sample) envs.Metric { panic(errReadOnly) }
func (e *loadedEnv) NewSim() (envs.Sim, error)         { return nil, errReadOnly }

// storedEnv reads the dimensions of a loaded state from its first condition's
// controller, its global policy and its samples.
func storedEnv(path string, st *state) (*loadedEnv, error) {
	bad := func(field, reason string) (*loadedEnv, error) {
		return nil, &CorruptError{File: path, Field: field, Reason: reason}
	}
	if len(st.Conds) == 0 || st.Conds[0] == nil || st.Conds[0].Local == nil {
		return bad("Conds[0].Local", "missing")
	}
	p := st.Conds[0].Local
	const maxDim = 1 << 16
	if p.T < 2 || p.T > maxDim || p.DX < 1 || p.DX > maxDim || p.DU < 1 || p.DU > maxDim {
		return bad("Conds[0].Local", fmt.Sprintf("size T=%d dX=%d dU=%d", p.T, p.DX, p.DU))
	}
	e := &loadedEnv{name: st.Task, d: envs.Dims{X: p.DX, U: p.DU, O: p.DX}, t: p.T, m: len(st.Conds)}
	switch {
	case st.MLP != nil:
		e.d.O = st.MLP.DO
	case st.Linear != nil && st.Linear.Policy != nil:
		e.d.O = st.Linear.Policy.DX
	case st.Conds[0].PolPrior != nil:
		e.d.O = st.Conds[0].PolPrior.DO
	}
	for _, c := range st.Conds {
		if c != nil && len(c.Samples) > 0 && c.Samples[0] != nil {
			e.d.O, e.d.P = c.Samples[0].Dims.O, c.Samples[0].Dims.P
			break
		}
	}
	if e.d.O < 1 || e.d.O > maxDim || e.d.P < 0 || e.d.P > maxDim {
		return bad("dimensions", fmt.Sprintf("dO=%d dP=%d", e.d.O, e.d.P))
	}
	return e, nil
}
