package obstacle_test

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/obstacle"
)

// push always applies full force along +x.
type push struct{}

func (push) Act(t int, x, obs, noise, u []float64) { u[0], u[1] = 1, 0 }

// A noiseless rollout from the middle start (0, 0): full force along +x drives
// the particle between wall1 and wall2 into the disc at (2, 0), where it stops
// at the contact distance 0.2 + 0.1 + 0.01 + 0.002 in front of the disc.
func Example() {
	env := obstacle.New()
	sim, err := env.NewSim()
	if err != nil {
		panic(err)
	}
	defer sim.Close()
	s := envs.NewSample(env)
	if err := envs.Rollout(sim, push{}, 2, nil, s); err != nil {
		panic(err)
	}
	fmt.Printf("final position (%.3f, %.3f)\n", s.State(s.T - 1)[0], s.State(s.T - 1)[1])
	fmt.Printf("distance to target %.3f\n", env.Evaluate(s).Value)
	// Output:
	// final position (1.688, 0.000)
	// distance to target 1.312
}
