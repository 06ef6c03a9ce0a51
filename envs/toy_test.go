package envs

import (
	"errors"

	"github.com/mirrorgps/mirrorgps/mdgps/cost"
)

// toyEnv is a 1-D damped double integrator for testing the rollout machinery:
// x = [q, v], o = [q], end-effector point p = (q, 0, 0), one substep per step.
// Condition c starts at q = c. A step with u = 1000 fails (a "simulator error").
type toyEnv struct{ H, M int }

func (e *toyEnv) Name() string       { return "toy" }
func (e *toyEnv) Dims() Dims         { return Dims{X: 2, U: 1, O: 1, P: 3} }
func (e *toyEnv) Conditions() int    { return e.M }
func (e *toyEnv) T() int             { return e.H }
func (e *toyEnv) Dt() float64        { return 0.1 }
func (e *toyEnv) Substeps() int      { return 1 }
func (e *toyEnv) Cost(int) cost.Term { return &cost.Action{Wu: []float64{1}} }
func (e *toyEnv) X0(c int) ([]float64, error) {
	if err := CheckCondition(c, e.M); err != nil {
		return nil, err
	}
	return []float64{float64(c), 0}, nil
}
func (e *toyEnv) Evaluate(s *Sample) Metric { return Metric{Value: s.X[(s.T-1)*2]} }
func (e *toyEnv) NewSim() (Sim, error)      { return &toySim{env: e}, nil }

type toySim struct {
	env    *toyEnv
	q, v   float64
	steps  int // physics steps since the last reset
	closed bool
}

var errToy = errors.New("toy: simulator failure")

func (s *toySim) Reset(c int) error {
	if err := CheckCondition(c, s.env.M); err != nil {
		return err
	}
	s.q, s.v, s.steps = float64(c), 0, 0
	return nil
}

func (s *toySim) Step(u []float64) error {
	if err := CheckAction(u, 1); err != nil {
		return err
	}
	if u[0] == 1000 {
		return errToy
	}
	if u[0] == 500 { // a divergence the simulator recovers from: back to the origin
		s.q, s.v = 0, 0
		s.steps++
		return errToyDiverged{}
	}
	a := max(-2, min(2, u[0])) - 0.5*s.v // clipped force, damping
	s.v += 0.1 * a
	s.q += 0.1 * s.v
	s.steps++
	return nil
}

func (s *toySim) Observe(x, o, p, jac []float64) {
	x[0], x[1] = s.q, s.v
	o[0] = s.q
	if p != nil {
		p[0], p[1], p[2] = s.q, 0, 0
	}
	if jac != nil {
		clear(jac)
		jac[0] = 1
	}
}

func (s *toySim) Close() { s.closed = true }

// linPolicy is u = -k·x_0 + ξ·σ (safe for concurrent use).
type linPolicy struct{ k, sigma float64 }

func (p linPolicy) Act(t int, x, obs, noise, u []float64) {
	u[0] = -p.k * x[0]
	if noise != nil {
		u[0] += p.sigma * noise[0]
	}
}

// errToyDiverged is a recoverable simulator error: the toy "resets" its state.
type errToyDiverged struct{}

func (errToyDiverged) Error() string   { return "toy: diverged, state reset" }
func (errToyDiverged) Recovered() bool { return true }
