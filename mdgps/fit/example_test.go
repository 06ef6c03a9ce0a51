package fit_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mirrorgps/mirrorgps/mdgps/fit"
)

// A double integrator x = [p, v], u = a, dt = 0.1, observed through 5 noisy
// rollouts of 20 steps: the prior is updated with the rollouts, then the
// time-varying dynamics are fitted around them, as MDGPS does every iteration.
func Example() {
	const N, T, dX, dU = 5, 20, 2, 1
	rng := rand.New(rand.NewPCG(1, 2))
	b := fit.Batch{N: N, T: T, DX: dX, DU: dU, X: make([]float64, N*T*dX), U: make([]float64, N*T*dU)}
	for n := 0; n < N; n++ {
		p, v := rng.NormFloat64(), 0.0
		for t := 0; t < T; t++ {
			a := rng.NormFloat64()
			b.X[(n*T+t)*dX], b.X[(n*T+t)*dX+1], b.U[n*T+t] = p, v, a
			p, v = p+0.1*v+0.001*rng.NormFloat64(), v+0.1*a+0.001*rng.NormFloat64()
		}
	}

	cfg := fit.DefaultPriorConfig() // K = max(2, min(50, ⌊5·19/20⌋)) = 4 clusters
	prior, err := fit.NewDynamicsPrior(cfg, T, dX, dU)
	if err != nil {
		panic(err)
	}
	res, err := prior.Update(b, fit.Init{Rand: rand.New(rand.NewPCG(3, 4))})
	if err != nil {
		panic(err)
	}
	fmt.Printf("EM: K=%d, %d trajectories in the buffer\n", res.K, prior.NBuf)

	dyn, err := fit.Dynamics(b, prior, fit.DefaultDynamicsConfig())
	if err != nil {
		panic(err)
	}
	t := 10
	F := dyn.F[t*dX*(dX+dU) : (t+1)*dX*(dX+dU)]
	r := func(x float64) float64 { return math.Round(x*100)/100 + 0 } // 2 digits, no "-0"
	fmt.Printf("F_10 = [%.2f %.2f %.2f; %.2f %.2f %.2f] (true: [1 0.1 0; 0 1 0.1])\n",
		r(F[0]), r(F[1]), r(F[2]), r(F[3]), r(F[4]), r(F[5]))
	// Output:
	// EM: K=4, 5 trajectories in the buffer
	// F_10 = [1.00 0.10 0.00; 0.00 1.00 0.10] (true: [1 0.1 0; 0 1 0.1])
}

// Linearising a global policy around 4 samples: the network here is the linear
// map π(o) = 2·o_0 − o_1 + 0.5 observed through o = x, with action variance 0.01.
// The GMM prior over [x, π(x)] is refitted on the (re-labelled) buffer first.
func ExampleLinearisePolicy() {
	const N, T, dX, dU = 4, 3, 2, 1
	rng := rand.New(rand.NewPCG(5, 6))
	X := make([]float64, N*T*dX)
	for i := range X {
		X[i] = rng.NormFloat64()
	}
	mean := func(obs []float64, n int) []float64 {
		u := make([]float64, n)
		for i := range u {
			u[i] = 2*obs[i*dX] - obs[i*dX+1] + 0.5
		}
		return u
	}
	polCov := make([]float64, N*T*dU*dU)
	for i := range polCov {
		polCov[i] = 0.01
	}
	prior, err := fit.NewPolicyPrior(fit.DefaultPriorConfig(), T, dX, dX, dU)
	if err != nil {
		panic(err)
	}
	if _, err := prior.Update(X, X, N, fit.AddSamples, mean, fit.Init{Rand: rand.New(rand.NewPCG(7, 8))}); err != nil {
		panic(err)
	}
	b := fit.Batch{N: N, T: T, DX: dX, DU: dU, X: X, U: mean(X, N*T)}
	pol, err := fit.LinearisePolicy(b, polCov, prior, fit.DefaultPolicyConfig())
	if err != nil {
		panic(err)
	}
	for t := 0; t < T; t++ {
		fmt.Printf("t=%d: K̄ = [%.3f %.3f], k̄ = %.3f, S̄ = %.4f\n", t, pol.K[2*t], pol.K[2*t+1], pol.Bias[t], pol.Cov[t])
	}
	// Output:
	// t=0: K̄ = [2.000 -1.000], k̄ = 0.500, S̄ = 0.0100
	// t=1: K̄ = [2.000 -1.000], k̄ = 0.500, S̄ = 0.0100
	// t=2: K̄ = [2.000 -1.000], k̄ = 0.500, S̄ = 0.0100
}
