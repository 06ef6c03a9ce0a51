package envs

import "testing"

// stepPolicy commands u = 500 (a recoverable divergence of the toy) at the
// listed steps and 0 otherwise.
type stepPolicy map[int]bool

func (p stepPolicy) Act(t int, x, obs, noise, u []float64) {
	u[0] = 0
	if p[t] {
		u[0] = 500
	}
}

// TestRolloutRecoversFromDivergence: a Recoverable simulator error does not
// stop the rollout; it is counted, the state continues from the reset, and the
// count starts again at 0 for the next rollout into the same sample.
func TestRolloutRecoversFromDivergence(t *testing.T) {
	env := &toyEnv{H: 6, M: 3}
	sim, _ := env.NewSim()
	s := NewSample(env)
	if err := Rollout(sim, stepPolicy{1: true, 3: true}, 2, nil, s); err != nil {
		t.Fatalf("rollout: %v", err)
	}
	if s.Diverged != 2 {
		t.Errorf("Diverged = %d, want 2", s.Diverged)
	}
	// The state after step 1 is the reset one (q = 0), not q ≈ 2.
	if q := s.X[2*2]; q != 0 {
		t.Errorf("q_2 = %v, want the reset state 0", q)
	}
	if err := Rollout(sim, stepPolicy{}, 2, nil, s); err != nil || s.Diverged != 0 {
		t.Errorf("clean rollout: %v, Diverged %d", err, s.Diverged)
	}
	// A non-recoverable error still stops the rollout.
	if err := Rollout(sim, constPolicy(1000), 0, nil, s); err == nil {
		t.Error("a simulator failure did not stop the rollout")
	}
}

type constPolicy float64

func (c constPolicy) Act(t int, x, obs, noise, u []float64) { u[0] = float64(c) }
