package viz

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/envs"
)

// NoiselessRollouts rolls pol out once per condition of env with its mean
// action (no exploration noise): what a figure of "where the policy goes"
// draws. The driver's Finish makes the same rollouts for its records.
func NoiselessRollouts(env envs.Env, pol envs.Policy) ([]*envs.Sample, error) {
	sim, err := env.NewSim()
	if err != nil {
		return nil, fmt.Errorf("viz: %w", err)
	}
	defer sim.Close()
	out := make([]*envs.Sample, env.Conditions())
	for m := range out {
		out[m] = envs.NewSample(env)
		if err := envs.Rollout(sim, pol, m, nil, out[m]); err != nil {
			return nil, fmt.Errorf("viz: rollout of condition %d: %w", m, err)
		}
	}
	return out, nil
}
