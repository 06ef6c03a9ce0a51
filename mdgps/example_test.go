package mdgps_test

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/envs/linear"
	"github.com/mirrorgps/mirrorgps/mdgps"
)

// Exact mirror descent on the linear-quadratic task: the global linear policy's
// cost approaches the Riccati optimum.
func Example() {
	env := linear.DoubleIntegrator()
	cfg := mdgps.LinearDefault()
	cfg.Iterations = 6
	run, err := mdgps.New(env, cfg) // mdgps.Open(path, env, cfg) to checkpoint
	if err != nil {
		panic(err)
	}
	opt := 0.0
	for m := 0; m < env.Conditions(); m++ {
		v, _ := env.OptimalCost(m)
		opt += v / float64(env.Conditions())
	}
	for !run.Done() {
		fmt.Println("next phase:", run.Phase())
		it, err := run.Step()
		if err != nil {
			panic(err)
		}
		fmt.Printf("iteration %d: cost %.4f (optimum %.4f), KL per step %.2f of ε = %.2f\n",
			it.Iteration, it.CostGlobalMean, opt, it.KLMean, it.EpsilonMean)
	}
	// Output:
	// next phase: Sample
	// iteration 1: cost 13.0658 (optimum 10.9887), KL per step 0.50 of ε = 0.50
	// next phase: Sample
	// iteration 2: cost 11.1929 (optimum 10.9887), KL per step 0.45 of ε = 0.50
	// next phase: Sample
	// iteration 3: cost 11.0074 (optimum 10.9887), KL per step 0.49 of ε = 0.50
	// next phase: Sample
	// iteration 4: cost 10.9905 (optimum 10.9887), KL per step 0.47 of ε = 0.50
	// next phase: Sample
	// iteration 5: cost 10.9889 (optimum 10.9887), KL per step 0.47 of ε = 0.50
	// next phase: Sample
	// iteration 6: cost 10.9887 (optimum 10.9887), KL per step 0.47 of ε = 0.50
}
