package envs_test

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/obstacle"
	"github.com/mirrorgps/mirrorgps/mdgps/cost"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// One sampling phase: 5 noisy rollouts per condition of the obstacle task under
// its initial controllers, in parallel, then the costs of one sample and the
// quadratic cost model of condition 0 (spec §2.2–§3.8).
func Example() {
	env := obstacle.New()
	conds := []int{0, 1, 2, 3, 4}
	pols := make([]envs.Policy, len(conds))
	for i, c := range conds {
		x0, _ := env.X0(c)
		cfg := lingauss.DefaultInitLQR(env.T(), 4, 2, env.Dt(), x0)
		cfg.Stiffness, cfg.StiffnessVel = 10, 10
		p, err := lingauss.InitLQR(cfg)
		if err != nil {
			panic(err)
		}
		pols[i] = p
	}
	run := &envs.Runner{Env: env, Noise: envs.DefaultNoise()}
	samples, err := run.Run(envs.Jobs(conds, pols, 5, 1, 0)) // seed 1, iteration 0
	if err != nil {
		panic(err)
	}
	fmt.Println(len(samples), "samples of", samples[0].T, "steps")

	ins := make([]*cost.Input, 5)
	ds := make([]*cost.Derivs, 5)
	for n := range 5 {
		ds[n] = cost.NewDerivs(env.T(), 4, 2)
		envs.EvalCost(env, samples[n], ds[n])
		ins[n] = samples[n].CostInput()
	}
	model := cost.NewExpansion(env.T(), 4, 2)
	cost.Expand(model, ins, ds)
	fmt.Printf("cost at t=0: %.3f (start (0, -1.5), target (3, 0))\n", ds[0].L[0])
	// Output:
	// 25 samples of 200 steps
	// cost at t=0: 5.625 (start (0, -1.5), target (3, 0))
}
