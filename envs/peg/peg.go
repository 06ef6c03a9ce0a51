package peg

import (
	_ "embed"
	"errors"
	"fmt"
	"math"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/internal/mujoco"
	"github.com/mirrorgps/mirrorgps/mdgps/cost"
)

//go:embed arm.xml
var armXML string

// ArmXML returns the embedded MJCF model of the arm and the hole.
func ArmXML() string { return armXML }

// Task constants (tasks.md §3).
const (
	NQ       = 7     // joints (and torques)
	NSite    = 2     // end-effector sites: peg bottom, peg top
	DX       = 26    // state: q, q̇, p, ṗ
	DU       = 7     // action: joint torques
	DP       = 6     // end-effector coordinates
	T        = 100   // horizon
	Substeps = 5     // physics steps per control step
	SuccessZ = -0.44 // success iff the final peg-bottom z is below this (hole bottom −0.5 + 0.06)
	HoleZ    = -0.5  // height of the hole bottom
)

// Q0 is the initial joint configuration of every condition.
var Q0 = [NQ]float64{0.1, 0.1, -1.54, -1.7, 1.54, -0.2, 0}

// PR2Gains are the reference's PR2_GAINS; the torque weights are 1e-3/PR2Gains and
// init_lqr's gains 1/PR2Gains (configs.md §2.2).
var PR2Gains = [NQ]float64{3.09, 1.08, 0.393, 0.674, 0.111, 0.152, 0.098}

// Target is the end-effector target: peg bottom on the hole bottom, peg top 0.3 above.
var Target = [DP]float64{0, 0.3, -0.5, 0, 0.3, -0.2}

// FKWeights are the per-coordinate end-effector weights wp.
var FKWeights = [DP]float64{2, 2, 1, 2, 2, 1}

// PegOffsets returns the 9 base offsets (dx, dy) of the peg task in condition order:
// x ∈ {−0.1, 0, 0.1} outer, y ∈ {−0.1, 0, 0.1} inner.
func PegOffsets() [][2]float64 {
	var o [][2]float64
	for _, x := range []float64{-0.1, 0, 0.1} {
		for _, y := range []float64{-0.1, 0, 0.1} {
			o = append(o, [2]float64{x, y})
		}
	}
	return o
}

// BlindOffsets returns the 4 base offsets of the blind peg task (peg_blind_big).
func BlindOffsets() [][2]float64 {
	return [][2]float64{{0.012, 0.012}, {0.012, -0.012}, {-0.012, -0.012}, {-0.012, 0.012}}
}

// ExampleOffsets returns the 4 base offsets of the reference's HEAD example
// mjc_mdgps_example (tasks.md §0): (−0.08, −0.08), (−0.08, 0.08), (0.08, 0.08),
// (0.08, −0.08). These are the HEAD offsets; the paper-era commit repeated the first
// (spec quirk Q27). Not a paper task, but a cheaper smoke test (ExampleConfig).
func ExampleOffsets() [][2]float64 {
	return [][2]float64{{-0.08, -0.08}, {-0.08, 0.08}, {0.08, 0.08}, {0.08, -0.08}}
}

// Config describes a peg task. The zero value is invalid; start from PegConfig or
// BlindConfig.
type Config struct {
	Name    string       // task name reported by Env.Name
	Offsets [][2]float64 // base offsets (dx, dy) in metres, one per condition
	// Blind hides the end-effector dimensions from the global policy: the
	// observation is (q, q̇) only (dO = 14) instead of the whole state.
	Blind bool
	T     int // horizon, ≥ 2
	// Compat selects the reference's Hessian of the log end-effector terms
	// (spec quirk Q9) instead of the exact one.
	Compat bool
	// ModelXML is the MJCF model; "" means the embedded arm. A replacement must
	// have 7 hinge joints with 7 motors, the sites "leg_bottom" and "leg_top", and
	// the arm base as body 1.
	ModelXML string
}

// PegConfig returns the paper's peg-insertion settings (configs.md §2.2).
func PegConfig() Config { return Config{Name: "peg", Offsets: PegOffsets(), T: T} }

// BlindConfig returns the paper's blind peg-insertion settings (configs.md §2.3).
func BlindConfig() Config {
	return Config{Name: "blindpeg", Offsets: BlindOffsets(), Blind: true, T: T}
}

// ExampleConfig returns the reference's HEAD example task mjc_mdgps_example: the peg
// task with the 4 offsets of ExampleOffsets (name "pegexample").
func ExampleConfig() Config { return Config{Name: "pegexample", Offsets: ExampleOffsets(), T: T} }

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.Name == "" {
		return errors.New("peg: Config.Name is empty")
	}
	if len(c.Offsets) == 0 {
		return errors.New("peg: Config.Offsets is empty; want at least one base offset")
	}
	for i, o := range c.Offsets {
		for j, v := range o {
			// The arm reaches about 0.9 m; offsets beyond ±0.5 m leave the hole out of reach.
			if math.IsNaN(v) || math.Abs(v) > 0.5 {
				return fmt.Errorf("peg: Config.Offsets[%d][%d] = %v, want a number in [-0.5, 0.5] m", i, j, v)
			}
		}
	}
	if c.T < 2 {
		return fmt.Errorf("peg: Config.T = %d, want ≥ 2", c.T)
	}
	return nil
}

// Env is a peg-insertion task (envs.Env). It is immutable and safe for concurrent
// use; NewSim gives each goroutine its own simulator.
type Env struct {
	cfg    Config
	models []*mujoco.Model // one per condition: the base moved by the offset
	sites  [NSite]int
	x0     [][]float64
	cost   cost.Term
	dt     float64
}

var _ envs.Env = (*Env)(nil)

// New returns the paper's peg-insertion task (9 conditions). It fails when MuJoCo
// is not available; the error says how to install it.
func New() (*Env, error) { return NewConfig(PegConfig()) }

// NewBlind returns the paper's blind peg-insertion task (4 conditions, the global
// policy observes only q and q̇).
func NewBlind() (*Env, error) { return NewConfig(BlindConfig()) }

// NewConfig returns the task described by cfg.
func NewConfig(cfg Config) (*Env, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Offsets = append([][2]float64(nil), cfg.Offsets...)
	xml := cfg.ModelXML
	if xml == "" {
		xml = armXML
	}
	base, err := mujoco.LoadXML(xml)
	if err != nil {
		if errors.Is(err, mujoco.ErrUnavailable) {
			return nil, fmt.Errorf("peg: task %q needs MuJoCo: %w", cfg.Name, err)
		}
		return nil, fmt.Errorf("peg: %w", err)
	}
	defer base.Close()
	e := &Env{cfg: cfg}
	if base.NQ != NQ || base.NV != NQ || base.NU != DU || base.NBody < 2 {
		return nil, fmt.Errorf("peg: model has nq=%d nv=%d nu=%d nbody=%d; want 7 hinge joints, 7 actuators and the arm base as body 1",
			base.NQ, base.NV, base.NU, base.NBody)
	}
	for i, name := range [NSite]string{"leg_bottom", "leg_top"} {
		if e.sites[i], err = base.ID(mujoco.Site, name); err != nil {
			return nil, fmt.Errorf("peg: %w", err)
		}
	}
	e.dt = Substeps * base.Timestep
	p0 := base.BodyPos(1)
	data, err := mujoco.NewData(base)
	if err != nil {
		return nil, fmt.Errorf("peg: %w", err)
	}
	defer data.Close()
	for c, o := range cfg.Offsets {
		m, err := base.Clone()
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("peg: condition %d: %w", c, err)
		}
		m.SetBodyPos(1, [3]float64{p0[0] + o[0], p0[1] + o[1], p0[2]})
		e.models = append(e.models, m)
		x0 := make([]float64, DX)
		copy(x0, Q0[:])
		if err := data.SetModel(m); err != nil {
			e.Close()
			return nil, fmt.Errorf("peg: condition %d: %w", c, err)
		}
		if err := data.Reset(Q0[:], nil); err != nil {
			e.Close()
			return nil, fmt.Errorf("peg: condition %d: %w", c, err)
		}
		for s, id := range e.sites {
			data.SitePos(id, x0[2*NQ+3*s:2*NQ+3*s+3])
		}
		e.x0 = append(e.x0, x0)
	}
	e.cost = Cost(cfg.Compat)
	return e, nil
}

// Close frees the MuJoCo models. The Env and its simulators must not be used
// afterwards. Calling Close is optional (the models are also freed by the garbage
// collector).
func (e *Env) Close() {
	for _, m := range e.models {
		m.Close()
	}
}

// Cost returns the paper's peg cost (configs.md §2.2) as a sum of mdgps/cost terms
// with weights 1, 1, 1:
//
//	Action{wu = 1e-3/PR2Gains}
//	+ FK{p*, wp, log norm, l1 = 0.1, l2 = 10, α = 1e-5, constant ramp}
//	+ FK{p*, wp, log norm, l1 = 1, l2 = 0, α = 1e-5, final only, ×10 at t = T−1}.
//
// compat selects the reference's log-norm Hessian (quirk Q9). The terms read the
// horizon from the sample they evaluate.
func Cost(compat bool) cost.Term {
	wu := make([]float64, DU)
	for i, g := range PR2Gains {
		wu[i] = 1e-3 / g
	}
	step := cost.NewFK(Target[:], FKWeights[:])
	step.Norm = cost.Norm{Kind: cost.LogL2, L1: 0.1, L2: 10, Alpha: 1e-5, Compat: compat}
	final := cost.NewFK(Target[:], FKWeights[:])
	final.Norm = cost.Norm{Kind: cost.LogL2, L1: 1, L2: 0, Alpha: 1e-5, Compat: compat}
	final.Ramp = cost.RampFinalOnly
	final.FinalMult = 10
	return &cost.Sum{Terms: []cost.Term{&cost.Action{Wu: wu}, step, final}, Weights: []float64{1, 1, 1}}
}

// Name returns "peg", "blindpeg" or the configured name.
func (e *Env) Name() string { return e.cfg.Name }

// Dims returns X = 26, U = 7, P = 6 and O = 26 (14 when blind).
func (e *Env) Dims() envs.Dims {
	o := DX
	if e.cfg.Blind {
		o = 2 * NQ
	}
	return envs.Dims{X: DX, U: DU, O: o, P: DP}
}

// Conditions returns the number of base offsets.
func (e *Env) Conditions() int { return len(e.models) }

// Offset returns the base offset (dx, dy) of condition cond.
func (e *Env) Offset(cond int) ([2]float64, error) {
	if err := envs.CheckCondition(cond, len(e.models)); err != nil {
		return [2]float64{}, err
	}
	return e.cfg.Offsets[cond], nil
}

// T returns the horizon.
func (e *Env) T() int { return e.cfg.T }

// Dt returns the control period, Substeps × the model time step (0.05 s).
func (e *Env) Dt() float64 { return e.dt }

// Substeps returns 5.
func (e *Env) Substeps() int { return Substeps }

// X0 returns [q₀, 0, p(q₀), 0] for condition cond.
func (e *Env) X0(cond int) ([]float64, error) {
	if err := envs.CheckCondition(cond, len(e.models)); err != nil {
		return nil, err
	}
	return append([]float64(nil), e.x0[cond]...), nil
}

// Cost returns the task cost (the same for every condition: the hole does not move).
// It panics when cond is out of range.
func (e *Env) Cost(cond int) cost.Term {
	if err := envs.CheckCondition(cond, len(e.models)); err != nil {
		panic("peg: Cost: " + err.Error())
	}
	return e.cost
}

// Evaluate returns the final peg-bottom height z = p_{T−1, 2} as the metric, with
// success iff z < SuccessZ (tasks.md §3.5).
func (e *Env) Evaluate(s *envs.Sample) envs.Metric {
	if s.Dims.P != DP || len(s.P) != s.T*DP {
		panic("peg: Evaluate: sample has no end-effector points of this task")
	}
	z := s.P[(s.T-1)*DP+2]
	return envs.Metric{Value: z, HasSuccess: true, Success: z < SuccessZ}
}

// NewSim returns a simulator with its own MuJoCo data.
func (e *Env) NewSim() (envs.Sim, error) {
	d, err := mujoco.NewData(e.models[0])
	if err != nil {
		return nil, fmt.Errorf("peg: %w", err)
	}
	return &sim{env: e, d: d, cond: -1, jac: make([]float64, 3*NQ)}, nil
}

// sim is one MuJoCo data object plus the finite-difference state of ṗ.
type sim struct {
	env   *Env
	d     *mujoco.Data
	cond  int // condition of the current rollout; -1 when the state is not valid
	q, v  [NQ]float64
	p, pv [DP]float64 // points and their velocities
	jac   []float64   // 3×NQ scratch for one site Jacobian
}

func (s *sim) Reset(cond int) error {
	if err := envs.CheckCondition(cond, len(s.env.models)); err != nil {
		return err
	}
	s.cond = -1
	if err := s.d.SetModel(s.env.models[cond]); err != nil {
		return fmt.Errorf("peg: reset: %w", err)
	}
	if err := s.d.Reset(Q0[:], nil); err != nil {
		return fmt.Errorf("peg: reset: %w", err)
	}
	s.read()
	s.pv = [DP]float64{}
	s.cond = cond
	return nil
}

func (s *sim) read() {
	s.d.QPos(s.q[:])
	s.d.QVel(s.v[:])
	for i, id := range s.env.sites {
		s.d.SitePos(id, s.p[3*i:3*i+3])
	}
}

func (s *sim) Step(u []float64) error {
	if s.cond < 0 {
		return errors.New("peg: Step before a successful Reset")
	}
	if err := envs.CheckAction(u, DU); err != nil {
		return err
	}
	prev := s.p
	var div *mujoco.DivergedError
	err := s.d.Step(u, Substeps)
	switch {
	case errors.As(err, &div):
		// MuJoCo reset the state to the model's defaults; the rollout may go
		// on from there as the reference's did (envs.Sample.Diverged).
		err = fmt.Errorf("peg: %w", err)
	case err != nil:
		s.cond = -1
		return fmt.Errorf("peg: %w", err)
	}
	s.read()
	for i := range DP {
		s.pv[i] = (s.p[i] - prev[i]) / s.env.dt
	}
	return err
}

func (s *sim) Observe(x, o, p, jac []float64) {
	if s.cond < 0 {
		panic("peg: Observe before a successful Reset")
	}
	dims := s.env.Dims()
	if len(x) != DX || len(o) != dims.O || (p != nil && len(p) != DP) || (jac != nil && len(jac) != DP*DX) {
		panic(fmt.Sprintf("peg: Observe lengths x %d o %d p %d jac %d, want %d %d %d %d",
			len(x), len(o), len(p), len(jac), DX, dims.O, DP, DP*DX))
	}
	copy(x[:NQ], s.q[:])
	copy(x[NQ:2*NQ], s.v[:])
	copy(x[2*NQ:2*NQ+DP], s.p[:])
	copy(x[2*NQ+DP:], s.pv[:])
	copy(o, x[:dims.O])
	if p != nil {
		copy(p, s.p[:])
	}
	if jac != nil {
		clear(jac)
		for i, id := range s.env.sites {
			if err := s.d.SiteJac(id, s.jac); err != nil {
				// Reset succeeded and no Step failed, so MuJoCo's state is valid.
				panic("peg: " + err.Error())
			}
			for r := range 3 {
				copy(jac[(3*i+r)*DX:(3*i+r)*DX+NQ], s.jac[r*NQ:(r+1)*NQ])
			}
		}
	}
}

func (s *sim) Close() { s.d.Close() }
