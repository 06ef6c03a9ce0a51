package lingauss_test

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// A point mass on a line (x = [position; velocity], u = force) starts 1 m from the
// origin. InitLQR builds the reference's initial controller that holds the start
// state; Forward propagates the state distribution under the (here: exact)
// dynamics; KL measures how far a perturbed controller is from it.
func Example() {
	const T, dt = 20, 0.05
	x0 := []float64{1, 0}
	p, err := lingauss.InitLQR(lingauss.DefaultInitLQR(T, 2, 1, dt, x0))
	if err != nil {
		panic(err)
	}
	// x_{t+1} = [[1, dt], [0, 1]] x + [dt², dt] u: the guessed dynamics of init_lqr.
	d := lingauss.NewDynamics(T, 2, 1)
	copy(d.X0Mu, x0)
	d.X0Cov[0], d.X0Cov[3] = 1e-4, 1e-4
	for t := 0; t < T-1; t++ {
		copy(d.F[t*6:], []float64{1, dt, dt * dt, 0, 1, dt})
	}
	m := lingauss.Forward(p, d)
	n := 3
	fmt.Printf("final mean position %.4f, action std %.3f\n", m.Mu[(T-1)*n], p.Covariance(T-1).At(0, 0))

	q := p.Clone()
	for i := range q.Bias {
		q.Bias[i] += 0.1 // shift every mean action by 0.1
	}
	// KL(p ‖ q) = Σ_t ½ 0.1² / σ_t² with σ_t² ≤ init_var = 1: a little over 20·0.005.
	fmt.Printf("KL(p‖q) = %.4f\n", lingauss.KL(nil, m, p, q))
	// Output:
	// final mean position 1.0000, action std 1.000
	// KL(p‖q) = 0.1015
}
