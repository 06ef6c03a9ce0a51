package mdgps

import (
	"errors"
	"fmt"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/mdgps/fit"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
	"github.com/mirrorgps/mirrorgps/mdgps/nn"
)

// Open creates a new run at path (a checkpoint file) or resumes the one there.
// When resuming, cfg must equal the saved config except for Iterations and
// Workers (which a user may raise or change), and env must be the same task.
func Open(path string, env envs.Env, cfg Config) (*Run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Task != env.Name() {
		return nil, fmt.Errorf("mdgps: Config.Task = %q but the environment is %q", cfg.Task, env.Name())
	}
	cfg = cfg.normalized()
	r := &Run{path: path, env: env, dims: env.Dims(), T: env.T()}
	st, err := load(path)
	switch {
	case err == nil:
		st.Config = st.Config.normalized() // saved before eras existed: the current era
		saved := st.Config
		saved.Iterations, saved.Workers = cfg.Iterations, cfg.Workers
		if !configEqual(saved, cfg) {
			return nil, fmt.Errorf("mdgps: %s holds a run with a different configuration; use another path or the saved config (Run.Config)", path)
		}
		st.Config = cfg
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
	return save(r.path, r.st)
}
