package linear_test

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/linear"
)

// The Riccati optimum of the double integrator, and a rollout of it that
// attains exactly that cost.
func Example() {
	env := linear.DoubleIntegrator()
	gains, _ := env.Optimal()
	best, _ := env.OptimalCost(0)
	fmt.Printf("optimal cost from x0 = (1, 0, 0, 0): %.4f\n", best)

	pol := policyFunc(func(t int, x, obs, noise, u []float64) {
		for i := range u {
			u[i] = 0
			for j := range x {
				u[i] += gains[t].At(i, j) * x[j]
			}
		}
	})
	sim, _ := env.NewSim()
	s := envs.NewSample(env)
	if err := envs.Rollout(sim, pol, 0, nil, s); err != nil {
		panic(err)
	}
	fmt.Printf("rollout cost: %.4f, final position (%.4f, %.4f)\n", env.Evaluate(s).Value, s.State(s.T - 1)[0], s.State(s.T - 1)[1])
	// Output:
	// optimal cost from x0 = (1, 0, 0, 0): 10.9887
	// rollout cost: 10.9887, final position (0.0000, 0.0000)
}

type policyFunc func(t int, x, obs, noise, u []float64)

func (f policyFunc) Act(t int, x, obs, noise, u []float64) { f(t, x, obs, noise, u) }
