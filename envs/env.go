package envs

import (
	"fmt"
	"math"

	"github.com/mirrorgps/mirrorgps/mdgps/cost"
)

// Dims are the dimensions of a task.
type Dims struct {
	X int // state x_t, seen by the local controllers and the dynamics fit
	U int // action u_t
	O int // observation o_t, what the global policy sees (O = X unless the task hides part of the state)
	P int // end-effector point coordinates (3 per site); 0 if the task has none
}

// Env is an immutable task description (spec §2; tasks.md): its dimensions,
// conditions (initial-state or model variants, indexed 0..Conditions()-1),
// horizon and time step, cost and metric. An Env is safe for concurrent use. It
// does not simulate itself: NewSim creates simulator instances, one per goroutine.
type Env interface {
	// Name is the task name: "obstacle", "peg", "blindpeg" or "linear".
	Name() string
	// Dims returns the state, action, observation and end-effector dimensions.
	Dims() Dims
	// Conditions returns the number of conditions M.
	Conditions() int
	// T returns the horizon: a rollout records T states and T actions and
	// simulates T-1 transitions (spec §2.2).
	T() int
	// Dt returns the duration of one control step in seconds.
	Dt() float64
	// Substeps returns the number of physics steps per control step (used to
	// report physics throughput; 1 for tasks without a physics engine).
	Substeps() int
	// X0 returns a fresh copy of condition cond's initial state x_0 (length
	// Dims().X), for instance to build init_lqr controllers (spec §8.1). It
	// returns an error when cond is out of range.
	X0(cond int) ([]float64, error)
	// Cost returns the cost of condition cond (spec §3); evaluate it on a
	// sample with EvalCost. Cost panics when cond is out of range.
	Cost(cond int) cost.Term
	// Evaluate returns the task metric of a finished rollout (tasks.md: for
	// instance the final distance to the target, or the final peg height).
	Evaluate(s *Sample) Metric
	// NewSim returns a new simulator instance. It fails only when the
	// simulator cannot be created (for instance MuJoCo missing or a model
	// that fails to load); the error then says how to fix it.
	NewSim() (Sim, error)
}

// Sim is one simulator instance of an Env. It is not safe for concurrent use:
// give each goroutine its own (MuJoCo, for instance, needs one data object per
// goroutine). Reset must be called before every rollout, so that no state (solver
// warm starts included) leaks from one rollout into the next.
type Sim interface {
	// Reset puts the simulator into the initial state of condition cond. It
	// returns a *ConditionError when cond is out of range.
	Reset(cond int) error
	// Step advances one control step (Substeps physics steps) with the action
	// u held constant. Actuator limits are applied inside (the caller's u is
	// not modified; samples record the unclipped action, spec Q24). Step
	// returns an *ActionError, without advancing, when len(u) ≠ Dims().U or u
	// holds a NaN or ±Inf; it returns other errors for simulator failures.
	// After any error the simulator stays usable from the next Reset.
	Step(u []float64) error
	// Observe writes the current state x (length Dims().X) and observation o
	// (Dims().O). When p is non-nil it writes the end-effector points
	// (Dims().P), and when jac is non-nil their Jacobian ∂p/∂x (Dims().P ×
	// Dims().X, row-major, zero in the columns p does not depend on), both
	// at the current state.
	Observe(x, o, p, jac []float64)
	// Close releases the simulator's resources. A closed Sim must not be used.
	Close()
}

// Policy is what acts in a rollout: local linear-Gaussian controllers
// (*lingauss.Policy) and the global neural-network policy both satisfy it.
//
// Act writes the action u_t (length dU) for time step t, state x, observation
// obs and standard-normal noise ξ_t (length dU; nil means the mean action, for
// noiseless evaluation rollouts). A linear-Gaussian policy computes
// u = K_t x + k_t + R_tᵀξ_t and ignores obs; the global policy computes
// u = μ(obs) + diag(σ)ξ_t and ignores x. Act must not keep references to its
// arguments. Unless the policy also implements Forker, Act must be safe for
// concurrent use by several goroutines.
type Policy interface {
	Act(t int, x, obs, noise, u []float64)
}

// Forker is implemented by policies whose Act uses scratch space and is
// therefore not safe for concurrent use. The parallel rollout runner (Runner)
// calls Fork once per rollout, from its worker goroutines (so Fork itself must
// be safe for concurrent use), and uses each fork from one goroutine only. A
// fork must compute bit-identical actions to the original.
type Forker interface {
	Fork() Policy
}

// Metric is the task metric of one rollout.
type Metric struct {
	// Value is the task's metric (tasks.md), for instance the final distance
	// to the target (obstacle) or the final peg-bottom height (peg).
	Value float64
	// HasSuccess says whether the task defines success; Success is
	// meaningful only then (peg: final peg-bottom z < −0.44).
	HasSuccess bool
	Success    bool
}

// Sample is one rollout (spec §2.1). All arrays are flat, row-major and
// indexed by time first: X[t*Dims.X + i] is component i of x_t.
type Sample struct {
	Cond int       // condition index
	T    int       // horizon
	Dims Dims      // dimensions of the task that produced the sample
	X    []float64 // T×Dims.X states
	U    []float64 // T×Dims.U actions as the policy returned them (unclipped; u_{T-1} is costed, never executed)
	Obs  []float64 // T×Dims.O observations
	// P holds the end-effector points (T×Dims.P) and J their Jacobians ∂p_t/∂x_t
	// (T×Dims.P×Dims.X), both at the recorded states. nil when Dims.P = 0.
	P, J []float64
	// Noise is the standard-normal exploration noise ξ (T×Dims.U, after
	// smoothing and renormalisation, spec §2.3) the rollout used; nil for a
	// noiseless rollout.
	Noise []float64
	// Diverged counts the steps at which the simulator diverged and recovered
	// by resetting its state (Recoverable; MuJoCo's bad-acceleration warning):
	// the rollout went on from the reset state, as the reference's did.
	Diverged int
}

// Recoverable is implemented by simulator errors after which the simulation
// is still usable (Recovered() true): the rollout loop counts the step in
// Sample.Diverged and goes on instead of failing.
type Recoverable interface {
	error
	Recovered() bool
}

// NewSample returns a sample with all arrays of env allocated (Noise nil).
func NewSample(env Env) *Sample {
	d, T := env.Dims(), env.T()
	s := &Sample{
		T: T, Dims: d,
		X:   make([]float64, T*d.X),
		U:   make([]float64, T*d.U),
		Obs: make([]float64, T*d.O),
	}
	if d.P > 0 {
		s.P = make([]float64, T*d.P)
		s.J = make([]float64, T*d.P*d.X)
	}
	return s
}

// State returns x_t as a view of s.X.
func (s *Sample) State(t int) []float64 { return s.X[t*s.Dims.X : (t+1)*s.Dims.X] }

// Action returns u_t as a view of s.U.
func (s *Sample) Action(t int) []float64 { return s.U[t*s.Dims.U : (t+1)*s.Dims.U] }

// Observation returns o_t as a view of s.Obs.
func (s *Sample) Observation(t int) []float64 { return s.Obs[t*s.Dims.O : (t+1)*s.Dims.O] }

// Point returns the end-effector points p_t as a view of s.P (nil if Dims.P = 0).
func (s *Sample) Point(t int) []float64 {
	if s.Dims.P == 0 {
		return nil
	}
	return s.P[t*s.Dims.P : (t+1)*s.Dims.P]
}

// CostInput returns the plain-array view of s that package cost evaluates
// (sharing storage with s).
func (s *Sample) CostInput() *cost.Input {
	return &cost.Input{T: s.T, DX: s.Dims.X, DU: s.Dims.U, DP: s.Dims.P, X: s.X, U: s.U, P: s.P, J: s.J}
}

// EvalCost overwrites d with the cost of s's condition and its derivatives
// along s (spec §3). d must have size (s.T, Dims.X, Dims.U); see cost.NewDerivs.
func EvalCost(env Env, s *Sample, d *cost.Derivs) {
	cost.Eval(d, env.Cost(s.Cond), s.CostInput())
}

// ConditionError reports a condition index out of range.
type ConditionError struct {
	Cond, N int // the index asked for and the number of conditions
}

func (e *ConditionError) Error() string {
	return fmt.Sprintf("envs: condition %d out of range [0, %d)", e.Cond, e.N)
}

// CheckCondition returns a *ConditionError unless 0 ≤ cond < n.
func CheckCondition(cond, n int) error {
	if cond < 0 || cond >= n {
		return &ConditionError{Cond: cond, N: n}
	}
	return nil
}

// ActionError reports an action a simulator refused: of the wrong length, or
// holding a non-finite value.
type ActionError struct {
	T     int     // time step of the rollout, or -1 when unknown (a direct Sim.Step call)
	Len   int     // length of the action given
	Want  int     // length expected (Dims().U)
	Index int     // index of the first non-finite component, or -1
	Value float64 // that component's value
}

func (e *ActionError) Error() string {
	at := ""
	if e.T >= 0 {
		at = fmt.Sprintf(" at t=%d", e.T)
	}
	if e.Len != e.Want {
		return fmt.Sprintf("envs: action%s has length %d, want %d", at, e.Len, e.Want)
	}
	return fmt.Sprintf("envs: action%s component %d is %v, want a finite value", at, e.Index, e.Value)
}

// CheckAction returns an *ActionError (with T = -1) unless len(u) = dU and every
// component of u is finite.
func CheckAction(u []float64, dU int) error {
	if len(u) != dU {
		return &ActionError{T: -1, Len: len(u), Want: dU, Index: -1}
	}
	for i, v := range u {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return &ActionError{T: -1, Len: len(u), Want: dU, Index: i, Value: v}
		}
	}
	return nil
}
