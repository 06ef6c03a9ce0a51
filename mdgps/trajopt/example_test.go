package trajopt_test

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
	"github.com/mirrorgps/mirrorgps/mdgps/trajopt"
)

// A C-step on a double integrator: drive the position to 0 with a quadratic cost
// while staying within a KL budget of 0.2 nats per step of a reference controller
// that does nothing (u ~ N(0, 1)).
func Example() {
	const T, dt = 30, 0.1
	dyn := lingauss.NewDynamics(T, 2, 1)
	cost := lingauss.NewQuadCost(T, 2, 1)
	dyn.X0Mu[0] = 1
	dyn.X0Cov[0], dyn.X0Cov[3] = 1e-3, 1e-3
	for t := 0; t < T; t++ {
		copy(dyn.F[t*6:], []float64{1, dt, 0.5 * dt * dt, 0, 1, dt})
		dyn.Cov[t*4], dyn.Cov[t*4+3] = 1e-4, 1e-4
		copy(cost.C[t*9:], []float64{1, 0, 0, 0, 0.1, 0, 0, 0, 0.01}) // ½(x² + 0.1v² + 0.01u²)
	}
	ref := lingauss.NewPolicy(T, 2, 1)
	for t := 0; t < T; t++ {
		if err := ref.SetCov(t, []float64{1}); err != nil {
			panic(err)
		}
	}
	pr := &trajopt.Problem{Dyn: dyn, Cost: cost, Ref: ref, Kind: trajopt.AgainstPolicy}
	res, err := trajopt.NewSolver(T, 2, 1, trajopt.Settings{}).Search(pr, 1, 0.2*T)
	if err != nil {
		panic(err)
	}
	fmt.Printf("converged %v after %d passes: KL %.2f (budget %.1f)\n", res.Converged, res.Iterations, res.KL, res.Budget)
	before := lingauss.ExpectedCost(nil, lingauss.Forward(ref, dyn), cost)
	after := lingauss.ExpectedCost(nil, res.Marginal, cost)
	fmt.Printf("expected cost %.2f -> %.2f\n", before, after)
	// Output:
	// converged true after 5 passes: KL 5.63 (budget 6.0)
	// expected cost 18.63 -> 4.76
}
