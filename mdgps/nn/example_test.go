package nn_test

import (
	"fmt"
	"math"

	"github.com/mirrorgps/mirrorgps/mdgps/nn"
)

// A local controller μ = K x + k with precision P is imitated by the network on
// its sampled states (here obs = x): one S-step, then the policy acts.
func Example() {
	const N, T, dO, dU = 10, 20, 2, 1
	d := &nn.Dataset{N: N, T: T, DO: dO, DU: dU,
		Obs: make([]float64, N*T*dO), Mu: make([]float64, N*T*dU), Prec: make([]float64, N*T), W: make([]float64, N*T)}
	for r := 0; r < N*T; r++ {
		x := []float64{math.Sin(float64(r)), math.Cos(1.7 * float64(r))}
		copy(d.Obs[r*dO:], x)
		d.Mu[r] = -2*x[0] - 0.5*x[1] + 0.1 // the local controller's mean action
		d.Prec[r] = 4                      // its precision 1/σ², σ = 0.5
		d.W[r] = 0.01                      // MDGPS's pol_wt
	}
	cfg := nn.PaperConfig()
	cfg.Hidden = []int{20, 20}
	pol, err := nn.New(dO, dU, cfg)
	if err != nil {
		panic(err)
	}
	before, _ := pol.Loss(d)
	if _, err := pol.SStep(d); err != nil {
		panic(err)
	}
	after, _ := pol.Loss(d)
	u := make([]float64, 1)
	pol.Act(0, nil, []float64{0.5, -0.5}, nil, u) // the mean action; the controller says -0.65
	fmt.Printf("loss %.2f → below 1e-3: %v\n", before, after < 1e-3)
	fmt.Printf("u(0.5, -0.5) ≈ %.1f, variance %.2f = 1/mean precision\n", u[0], pol.Var[0])
	// Output:
	// loss 4.25 → below 1e-3: true
	// u(0.5, -0.5) ≈ -0.6, variance 0.25 = 1/mean precision
}

// The linear policy class's S-step is an exact projection: on noise-free targets
// of a linear controller it recovers the controller.
func ExampleLinear() {
	const N, T, dO, dU = 5, 1, 2, 1
	d := &nn.Dataset{N: N, T: T, DO: dO, DU: dU,
		Obs: []float64{0, 0, 1, 0, 0, 1, 1, 1, 2, -1}, Mu: make([]float64, N), Prec: make([]float64, N), W: make([]float64, N)}
	for n := 0; n < N; n++ {
		d.Mu[n] = 3*d.Obs[2*n] - d.Obs[2*n+1] + 0.5
		d.Prec[n] = float64(n + 1)
		d.W[n] = 1
	}
	lin, _ := nn.NewLinear(T, dO, dU, 1)
	if _, err := lin.SStep(d); err != nil {
		panic(err)
	}
	fmt.Printf("K = [%.6f %.6f], k = %.6f, Σ = %.6f = 1/mean(P)\n",
		lin.Policy.K[0], lin.Policy.K[1], lin.Policy.Bias[0], lin.Policy.Cov[0])
	// Output:
	// K = [3.000000 -1.000000], k = 0.500000, Σ = 0.333333 = 1/mean(P)
}
