package fit

import (
	"bytes"
	"encoding/gob"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// linearBatch rolls out N trajectories of x_{t+1} = Fx x_t + Fu u_t + f + σ ε with
// random actions, from random initial states; it returns the batch and the true
// (Fx | Fu) and f.
func linearBatch(rng *rand.Rand, N, T, dX, dU int, sigma float64) (Batch, []float64, []float64) {
	F := make([]float64, dX*(dX+dU))
	for i := 0; i < dX; i++ {
		for j := 0; j < dX+dU; j++ {
			F[i*(dX+dU)+j] = 0.3 * rng.NormFloat64()
		}
		F[i*(dX+dU)+i] += 0.7
	}
	f := make([]float64, dX)
	for i := range f {
		f[i] = rng.NormFloat64()
	}
	b := Batch{N: N, T: T, DX: dX, DU: dU, X: make([]float64, N*T*dX), U: make([]float64, N*T*dU)}
	for n := 0; n < N; n++ {
		x := b.X[n*T*dX : n*T*dX+dX]
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for t := 0; t < T; t++ {
			x := b.X[(n*T+t)*dX : (n*T+t+1)*dX]
			u := b.U[(n*T+t)*dU : (n*T+t+1)*dU]
			for j := range u {
				u[j] = rng.NormFloat64()
			}
			if t == T-1 {
				break
			}
			next := b.X[(n*T+t+1)*dX : (n*T+t+2)*dX]
			for i := 0; i < dX; i++ {
				s := f[i] + sigma*rng.NormFloat64()
				for j := 0; j < dX; j++ {
					s += F[i*(dX+dU)+j] * x[j]
				}
				for j := 0; j < dU; j++ {
					s += F[i*(dX+dU)+dX+j] * u[j]
				}
				next[i] = s
			}
		}
	}
	return b, F, f
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func allFinite(t *testing.T, what string, v []float64) {
	t.Helper()
	if err := lingauss.CheckFinite(what, v); err != nil {
		t.Error(err)
	}
}

// Spec §17.3 item 5: with Φ = 0, m = 0, n0 = 0 (and without prior) the fit is
// ordinary least squares of y_o on [y_i, 1] with the biased residual covariance.
func TestFitConditionalZeroPriorIsLeastSquares(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, din, dout = 40, 4, 3
	D := din + dout
	Y := make([]float64, n*D)
	for i := range Y {
		Y[i] = rng.NormFloat64() + float64(i%D)
	}
	// OLS through the normal equations on [y_i, 1] (gonum, QR-based Solve).
	X := mat.NewDense(n, din+1, nil)
	Yo := mat.NewDense(n, dout, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < din; j++ {
			X.Set(i, j, Y[i*D+j])
		}
		X.Set(i, din, 1)
		for j := 0; j < dout; j++ {
			Yo.Set(i, j, Y[i*D+din+j])
		}
	}
	var beta mat.Dense
	if err := beta.Solve(X, Yo); err != nil {
		t.Fatal(err)
	}
	var res mat.Dense
	res.Mul(X, &beta)
	res.Sub(Yo, &res)
	var cov mat.Dense
	cov.Mul(res.T(), &res)
	cov.Scale(1/float64(n), &cov)

	zero := &NIW{Mu0: make([]float64, D), Phi: make([]float64, D*D)}
	for _, tc := range []struct {
		name   string
		prior  *NIW
		compat bool
	}{{"no prior", nil, false}, {"zero prior", zero, false}, {"zero prior compat", zero, true}} {
		c, err := FitConditional(Y, n, din, tc.prior, 0, tc.compat)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		// Exact algebra up to rounding of a well-conditioned 5×5 problem: 1e-10.
		for i := 0; i < dout; i++ {
			for j := 0; j < din; j++ {
				if d := math.Abs(c.A[i*din+j] - beta.At(j, i)); d > 1e-10 {
					t.Errorf("%s: A[%d,%d] off by %g", tc.name, i, j, d)
				}
			}
			if d := math.Abs(c.B[i] - beta.At(din, i)); d > 1e-10 {
				t.Errorf("%s: B[%d] off by %g", tc.name, i, d)
			}
			for j := 0; j < dout; j++ {
				if d := math.Abs(c.S[i*dout+j] - cov.At(i, j)); d > 1e-10 {
					t.Errorf("%s: S[%d,%d] off by %g", tc.name, i, j, d)
				}
			}
		}
	}
}

// Spec §17.3 item 5: with a huge strength the fit returns the prior's conditional
// (A and S; the mean stays the empirical one, B = μ̂_o − A μ̂_i).
func TestFitConditionalStrongPrior(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, din, dout = 6, 3, 2
	D := din + dout
	Y := make([]float64, n*D)
	for i := range Y {
		Y[i] = rng.NormFloat64()
	}
	// Prior covariance Σ0 = G Gᵀ + I, strength s.
	G := mat.NewDense(D, D, nil)
	for i := 0; i < D; i++ {
		for j := 0; j < D; j++ {
			G.Set(i, j, rng.NormFloat64())
		}
	}
	var S0 mat.Dense
	S0.Mul(G, G.T())
	for i := 0; i < D; i++ {
		S0.Set(i, i, S0.At(i, i)+1)
	}
	const s = 1e12
	phi := make([]float64, D*D)
	for i := 0; i < D; i++ {
		for j := 0; j < D; j++ {
			phi[i*D+j] = s * S0.At(i, j)
		}
	}
	c, err := FitConditional(Y, n, din, &NIW{Mu0: make([]float64, D), Phi: phi, M: s, N0: s}, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var sii, sio, soo mat.Dense
	sii.CloneFrom(S0.Slice(0, din, 0, din))
	sio.CloneFrom(S0.Slice(0, din, din, D))
	soo.CloneFrom(S0.Slice(din, D, din, D))
	var x mat.Dense
	if err := x.Solve(&sii, &sio); err != nil {
		t.Fatal(err)
	}
	var schur mat.Dense
	schur.Mul(sio.T(), &x)
	schur.Sub(&soo, &schur)
	// The data perturb Σ by O(n/s) relative: 1e-9 is ample.
	for i := 0; i < dout; i++ {
		for j := 0; j < din; j++ {
			if d := math.Abs(c.A[i*din+j] - x.At(j, i)); d > 1e-9 {
				t.Errorf("A[%d,%d] off by %g", i, j, d)
			}
		}
		for j := 0; j < dout; j++ {
			if d := math.Abs(c.S[i*dout+j] - schur.At(i, j)); d > 1e-9*math.Abs(schur.At(i, i)) {
				t.Errorf("S[%d,%d] off by %g", i, j, d)
			}
		}
	}
}

// twoBlobs returns n points in D dimensions, the first half around +c·1, the
// second around −c·1, unit spread.
func twoBlobs(rng *rand.Rand, n, D int, c float64) []float64 {
	pts := make([]float64, n*D)
	for i := 0; i < n; i++ {
		m := c
		if i >= n/2 {
			m = -c
		}
		for j := 0; j < D; j++ {
			pts[i*D+j] = m + rng.NormFloat64()
		}
	}
	return pts
}

// Spec §17.3 item 6: EM never lowers the log-likelihood and recovers two
// well-separated clusters; both modes.
func TestGMMRecoversSeparatedClusters(t *testing.T) {
	for _, compat := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(5, 6))
		const n, D = 400, 3
		pts := twoBlobs(rng, n, D, 10)
		g := &GMM{Config: GMMConfig{Compat: compat}}
		res, err := g.Fit(pts, D, 2, Init{Rand: rng})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(res.LogLik); i++ {
			// The reference stops at a decrease; before that every step must not
			// go down (a 1e-12 relative slack for rounding at convergence).
			if d := res.LogLik[i] - res.LogLik[i-1]; d < -1e-12*math.Abs(res.LogLik[i-1]) && i < len(res.LogLik)-1 {
				t.Errorf("compat=%v: ll went down at E-step %d by %g", compat, i, d)
			}
		}
		if !compat && res.Stop != StopConverged {
			t.Errorf("default: stop %v after %d E-steps, want converged (Q4 fixed)", res.Stop, len(res.LogLik))
		}
		if compat && res.Stop != StopMaxIterations && res.Stop != StopLogLikDecreased {
			t.Errorf("compat: stop %v with negative ll, want max_iterations or loglik_decreased (Q4)", res.Stop)
		}
		// Each cluster's mean near ±10·1 (sample-mean error ~ 1/√200 ≈ 0.07) and
		// weight near 1/2.
		for k := 0; k < 2; k++ {
			sign := math.Copysign(1, g.Mu[k*D])
			for j := 0; j < D; j++ {
				if d := math.Abs(g.Mu[k*D+j] - 10*sign); d > 0.3 {
					t.Errorf("compat=%v: μ_%d[%d] = %v, want ≈ %v", compat, k, j, g.Mu[k*D+j], 10*sign)
				}
			}
			if m := math.Exp(g.LogMass[k]); math.Abs(m-0.5) > 0.01 {
				t.Errorf("compat=%v: π_%d = %v, want 0.5", compat, k, m)
			}
		}
		if math.Signbit(g.Mu[0]) == math.Signbit(g.Mu[D]) {
			t.Errorf("compat=%v: both clusters on one blob", compat)
		}
	}
}

// Q4: on data whose log-likelihood is negative the reference's test never fires
// (100 iterations); the default converges.
func TestGMMConvergenceQ4(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	pts := twoBlobs(rng, 300, 2, 3)
	assign := make([]int, 300)
	for i := range assign {
		assign[i] = rng.IntN(3)
	}
	compat := &GMM{Config: GMMConfig{Compat: true}}
	rc, err := compat.Fit(pts, 2, 3, Init{Assign: assign})
	if err != nil {
		t.Fatal(err)
	}
	def := &GMM{}
	rd, err := def.Fit(pts, 2, 3, Init{Assign: assign})
	if err != nil {
		t.Fatal(err)
	}
	if rc.LogLik[0] >= 0 {
		t.Fatalf("test data has ll = %v ≥ 0", rc.LogLik[0])
	}
	if rc.Stop == StopConverged {
		t.Errorf("compat: converged with ll < 0")
	}
	if rd.Stop != StopConverged || len(rd.LogLik) >= len(rc.LogLik) {
		t.Errorf("default: %v after %d E-steps (compat %d)", rd.Stop, len(rd.LogLik), len(rc.LogLik))
	}
}

// Q5: an empty initial cluster is an error with Compat (the reference's NaN) and
// takes the data's moments by default; initial covariances divide by the count.
func TestGMMEmptyClusterQ5(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	pts := twoBlobs(rng, 50, 3, 2)
	assign := make([]int, 50)
	for i := range assign {
		assign[i] = i % 2 // cluster 2 of 3 stays empty
	}
	_, err := (&GMM{Config: GMMConfig{Compat: true}}).Fit(pts, 3, 3, Init{Assign: assign})
	var ec *EmptyClusterError
	if !errors.As(err, &ec) || ec.Cluster != 2 {
		t.Errorf("compat: err = %v, want *EmptyClusterError for cluster 2", err)
	}
	g := &GMM{}
	if _, err := g.Fit(pts, 3, 3, Init{Assign: assign}); err != nil {
		t.Fatalf("default: %v", err)
	}
	allFinite(t, "mu", g.Mu)
	allFinite(t, "sigma", g.Sigma)
	allFinite(t, "logmass", g.LogMass)

	// Initial covariance of a cluster = its biased sample covariance + 2e-6·I
	// (default) or (n_k/K)·that (Compat).
	for _, compat := range []bool{false, true} {
		h := &GMM{Config: GMMConfig{Compat: compat}}
		if err := h.initialise(pts, 50, 3, 2, assign); err != nil {
			t.Fatal(err)
		}
		_, v := colMeanVar(pts, 25, 3, 2*3) // cluster 0: even rows
		want := v[0]
		if compat {
			want *= 25.0 / 2
		}
		if d := math.Abs(h.Sigma[0] - 2e-6 - want); d > 1e-12*want {
			t.Errorf("compat=%v: initial Σ_0[0,0] = %v, want %v", compat, h.Sigma[0]-2e-6, want)
		}
	}
}

// Q6 and Q7: the prior's point count follows the data by default (Compat: frozen
// at re-initialisation), and n0 is floored at a small positive value by default.
func TestGMMInferenceCountsQ6Q7(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const D = 6
	few := twoBlobs(rng, 6, D, 3) // 6 points < D + 2
	assign := []int{0, 0, 0, 1, 1, 1}
	for _, compat := range []bool{false, true} {
		g := &GMM{Config: GMMConfig{Compat: compat, MaxIter: 3}}
		if _, err := g.Fit(few, D, 2, Init{Assign: assign}); err != nil {
			t.Fatal(err)
		}
		var niw NIW
		if err := g.Inference(&niw, few[:2*D]); err != nil {
			t.Fatal(err)
		}
		want := (6.0 - 2 - D) / 6
		if !compat {
			want = minN0
		}
		if niw.N0 != want || niw.M != 1 {
			t.Errorf("compat=%v: n0 = %v m = %v, want %v 1", compat, niw.N0, niw.M, want)
		}
		// Warm start on more points: N follows the data only by default.
		more := twoBlobs(rng, 40, D, 3)
		res, err := g.Fit(more, D, 2, Init{})
		if err != nil {
			t.Fatal(err)
		}
		wantN := 40
		if compat {
			wantN = 6
		}
		if res.Reinitialised || g.N != wantN {
			t.Errorf("compat=%v: reinitialised=%v N=%d, want false %d", compat, res.Reinitialised, g.N, wantN)
		}
	}
}

// Seeded random initialisation is reproducible.
func TestGMMSeededInitDeterministic(t *testing.T) {
	pts := twoBlobs(rand.New(rand.NewPCG(13, 14)), 200, 4, 2)
	var gs [2]GMM
	var rs [2]EMResult
	for i := range gs {
		var err error
		rs[i], err = gs[i].Fit(pts, 4, 5, Init{Rand: rand.New(rand.NewPCG(42, 1))})
		if err != nil {
			t.Fatal(err)
		}
	}
	if maxAbsDiff(gs[0].Sigma, gs[1].Sigma) != 0 || maxAbsDiff(rs[0].LogLik, rs[1].LogLik) != 0 {
		t.Error("same seed, different fits")
	}
	for i := range rs[0].Assign {
		if rs[0].Assign[i] != rs[1].Assign[i] {
			t.Fatal("same seed, different assignments")
		}
	}
}

// The dynamics fit recovers a linear system (both modes, with and without the
// prior), and its outputs are finite and of the lingauss layout.
func TestDynamicsRecoversLinearSystem(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const N, T, dX, dU = 20, 12, 3, 2
	b, F, f := linearBatch(rng, N, T, dX, dU, 1e-3)
	for _, compat := range []bool{false, true} {
		pc := DefaultPriorConfig()
		pc.Compat = compat
		prior, err := NewDynamicsPrior(pc, T, dX, dU)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := prior.Update(b, Init{Rand: rand.New(rand.NewPCG(1, 1))}); err != nil {
			t.Fatal(err)
		}
		dc := DefaultDynamicsConfig()
		dc.Compat = compat
		for _, p := range []*DynamicsPrior{nil, prior} {
			d, err := Dynamics(b, p, dc)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Check(); err != nil {
				t.Fatal(err)
			}
			n := dX + dU
			for tt := 0; tt < T-1; tt++ {
				// Noise 1e-3 with 20 samples: coefficient error ~1e-3; 2e-2 is ample
				// and still far below the coefficients' size (~0.3).
				if e := maxAbsDiff(d.F[tt*dX*n:(tt+1)*dX*n], F); e > 2e-2 {
					t.Errorf("compat=%v prior=%v t=%d: F off by %g", compat, p != nil, tt, e)
				}
				if e := maxAbsDiff(d.Bias[tt*dX:(tt+1)*dX], f); e > 2e-2 {
					t.Errorf("compat=%v prior=%v t=%d: f off by %g", compat, p != nil, tt, e)
				}
			}
			last := d.F[(T-1)*dX*n:]
			for _, v := range last {
				if v != 0 {
					t.Fatal("step T-1 not zero")
				}
			}
		}
	}
}

// Issue item 5 and Q1: fewer samples than dimensions, a zero-variance dimension,
// and collapsed (identical) samples give finite results or a typed error.
func TestDynamicsDegenerateInputs(t *testing.T) {
	const T, dX, dU = 10, 6, 3
	rng := rand.New(rand.NewPCG(17, 18))
	few, _, _ := linearBatch(rng, 3, T, dX, dU, 1e-2) // N = 3 < dX + dU
	zeroVar, _, _ := linearBatch(rng, 8, T, dX, dU, 1e-2)
	for i := 0; i < zeroVar.N*T; i++ {
		zeroVar.X[i*dX+2] = 0.5 // dimension 2 constant everywhere (issue #24)
	}
	same, _, _ := linearBatch(rng, 1, T, dX, dU, 0)
	collapsed := Batch{N: 5, T: T, DX: dX, DU: dU}
	for n := 0; n < 5; n++ { // five identical trajectories (issue #77)
		collapsed.X = append(collapsed.X, same.X...)
		collapsed.U = append(collapsed.U, same.U...)
	}
	for _, tc := range []struct {
		name string
		b    Batch
	}{{"few samples", few}, {"zero-variance dimension", zeroVar}, {"collapsed samples", collapsed}} {
		for _, compat := range []bool{false, true} {
			pc := DefaultPriorConfig()
			pc.Compat = compat
			prior, err := NewDynamicsPrior(pc, T, dX, dU)
			if err != nil {
				t.Fatal(err)
			}
			dc := DefaultDynamicsConfig()
			dc.Compat = compat
			if _, err := prior.Update(tc.b, Init{Rand: rand.New(rand.NewPCG(2, 2))}); err != nil {
				// A typed error is acceptable (Compat: the reference's NaN).
				var ec *EmptyClusterError
				var pd *NotPDError
				if !errors.As(err, &ec) && !errors.As(err, &pd) {
					t.Errorf("%s compat=%v: update: untyped error %v", tc.name, compat, err)
				}
				if !compat {
					t.Errorf("%s: default update failed: %v", tc.name, err)
				}
				t.Logf("%s compat: update returns %v", tc.name, err)
				continue
			}
			for _, p := range []*DynamicsPrior{nil, prior} {
				d, err := Dynamics(tc.b, p, dc)
				if err != nil {
					var pd *NotPDError
					if !errors.As(err, &pd) {
						t.Errorf("%s compat=%v prior=%v: untyped error %v", tc.name, compat, p != nil, err)
					}
					// Only Compat without prior may fail: its rank-one regulariser
					// cannot make a rank-deficient covariance invertible (Q1).
					if !compat || p != nil {
						t.Errorf("%s compat=%v prior=%v: %v", tc.name, compat, p != nil, err)
					}
					t.Logf("%s compat without prior: %v", tc.name, err)
					continue
				}
				if err := d.Check(); err != nil {
					t.Errorf("%s compat=%v prior=%v: %v", tc.name, compat, p != nil, err)
				}
			}
		}
	}
	// Q1 made visible: without prior and N < dX+dU, Compat fails with a typed
	// error, the default (c·I) succeeds.
	dc := DefaultDynamicsConfig()
	if _, err := Dynamics(few, nil, dc); err != nil {
		t.Errorf("default, few samples: %v", err)
	}
	dc.Compat = true
	var pd *NotPDError
	if _, err := Dynamics(few, nil, dc); !errors.As(err, &pd) {
		t.Errorf("compat, few samples: err = %v, want *NotPDError", err)
	}
}

func TestDynamicsInputErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	one, _, _ := linearBatch(rng, 1, 5, 2, 1, 0.1)
	var tf *TooFewSamplesError
	if _, err := Dynamics(one, nil, DefaultDynamicsConfig()); !errors.As(err, &tf) {
		t.Errorf("N=1: err = %v, want *TooFewSamplesError", err)
	}
	bad, _, _ := linearBatch(rng, 4, 5, 2, 1, 0.1)
	bad.U[7] = math.NaN()
	var nf *lingauss.NonFiniteError
	if _, err := Dynamics(bad, nil, DefaultDynamicsConfig()); !errors.As(err, &nf) {
		t.Errorf("NaN input: err = %v, want *lingauss.NonFiniteError", err)
	}
	prior, _ := NewDynamicsPrior(DefaultPriorConfig(), 5, 2, 1)
	if _, err := prior.Update(bad, Init{Rand: rng}); !errors.As(err, &nf) {
		t.Errorf("NaN input to prior: err = %v, want *lingauss.NonFiniteError", err)
	}
	if err := (DynamicsConfig{}).Validate(); err == nil {
		t.Error("zero DynamicsConfig valid")
	}
	if err := (PriorConfig{}).Validate(); err == nil {
		t.Error("zero PriorConfig valid")
	}
}

// Q2: the dynamics prior keeps MaxSamples−1 trajectories; the policy prior
// MaxSamples in AddSamples mode and exactly the new ones in ReplaceSamples mode.
func TestPriorBuffers(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	const T, dX, dU = 6, 2, 1
	pc := DefaultPriorConfig()
	pc.MaxSamples = 5
	dp, _ := NewDynamicsPrior(pc, T, dX, dU)
	var last Batch
	for i := 0; i < 3; i++ {
		last, _, _ = linearBatch(rng, 3, T, dX, dU, 0.1)
		if _, err := dp.Update(last, Init{Rand: rng}); err != nil {
			t.Fatal(err)
		}
	}
	if dp.NBuf != 4 || maxAbsDiff(dp.X[len(dp.X)-len(last.X):], last.X) != 0 {
		t.Errorf("dynamics prior holds %d trajectories, want 4 ending with the last batch", dp.NBuf)
	}
	pp, _ := NewPolicyPrior(pc, T, dX, dX, dU)
	mean := func(obs []float64, n int) []float64 { // π(o) = o_0 − o_1
		u := make([]float64, n)
		for i := range u {
			u[i] = obs[i*dX] - obs[i*dX+1]
		}
		return u
	}
	for i := 0; i < 3; i++ {
		last, _, _ = linearBatch(rng, 3, T, dX, dU, 0.1)
		if _, err := pp.Update(last.X, last.X, 3, AddSamples, mean, Init{Rand: rng}); err != nil {
			t.Fatal(err)
		}
	}
	if pp.NBuf != 5 {
		t.Errorf("policy prior (add) holds %d trajectories, want 5", pp.NBuf)
	}
	if _, err := pp.Update(last.X, last.X, 3, ReplaceSamples, mean, Init{Rand: rng}); err != nil {
		t.Fatal(err)
	}
	if pp.NBuf != 3 || maxAbsDiff(pp.X, last.X) != 0 {
		t.Errorf("policy prior (replace) holds %d trajectories, want the 3 new ones", pp.NBuf)
	}
	if _, err := pp.Update(nil, nil, 0, AddSamples, mean, Init{Rand: rng}); err != nil || pp.NBuf != 3 {
		t.Errorf("empty add: NBuf %d, err %v", pp.NBuf, err)
	}
}

// A prior survives a gob round trip (the driver checkpoints it) and gives
// bit-identical fits afterwards, also when warm-started again.
func TestDynamicsPriorGob(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	const T, dX, dU = 8, 3, 2
	b1, _, _ := linearBatch(rng, 6, T, dX, dU, 0.05)
	b2, _, _ := linearBatch(rng, 6, T, dX, dU, 0.05)
	p, _ := NewDynamicsPrior(DefaultPriorConfig(), T, dX, dU)
	if _, err := p.Update(b1, Init{Rand: rng}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(p); err != nil {
		t.Fatal(err)
	}
	var q DynamicsPrior
	if err := gob.NewDecoder(&buf).Decode(&q); err != nil {
		t.Fatal(err)
	}
	for _, pr := range []*DynamicsPrior{p, &q} {
		// K grows from 2 to 4 here, so EM re-initialises: same seed for both.
		if _, err := pr.Update(b2, Init{Rand: rand.New(rand.NewPCG(9, 9))}); err != nil {
			t.Fatal(err)
		}
	}
	d1, err1 := Dynamics(b2, p, DefaultDynamicsConfig())
	d2, err2 := Dynamics(b2, &q, DefaultDynamicsConfig())
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if maxAbsDiff(d1.F, d2.F) != 0 || maxAbsDiff(d1.Cov, d2.Cov) != 0 || maxAbsDiff(d1.X0Cov, d2.X0Cov) != 0 {
		t.Error("fits differ after a gob round trip")
	}
}

// The linearisation of an exactly linear policy recovers its gains, and S̄ is the
// network covariance plus a tiny fit residual; with the GMM prior (both modes),
// the constant prior and no prior.
func TestLinearisePolicyLinearNetwork(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	const N, T, dX, dU = 8, 5, 3, 2
	W := []float64{0.5, -1, 0.2, 0.3, 0.1, -0.7}
	bias := []float64{0.4, -0.2}
	mean := func(obs []float64, n int) []float64 {
		u := make([]float64, n*dU)
		for r := 0; r < n; r++ {
			for i := 0; i < dU; i++ {
				s := bias[i]
				for j := 0; j < dX; j++ {
					s += W[i*dX+j] * obs[r*dX+j]
				}
				u[r*dU+i] = s
			}
		}
		return u
	}
	x, _, _ := linearBatch(rng, N, T, dX, dU, 0.1)
	b := Batch{N: N, T: T, DX: dX, DU: dU, X: x.X, U: mean(x.X, N*T)}
	polCov := make([]float64, N*T*dU*dU)
	for r := 0; r < N*T; r++ {
		polCov[r*dU*dU] = 0.01
		polCov[r*dU*dU+3] = 0.02
	}
	for _, compat := range []bool{false, true} {
		pc := DefaultPriorConfig()
		pc.Compat = compat
		pp, _ := NewPolicyPrior(pc, T, dX, dX, dU)
		if _, err := pp.Update(x.X, x.X, N, AddSamples, mean, Init{Rand: rng}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			prior Prior
			tol   float64
		}{
			{"none", nil, 1e-6},
			{"constant", ConstantPrior{DX: dX, DU: dU, Strength: 1e-4}, 1e-3},
			// The GMM clusters carry 1e-6·I on [x, u], which tilts the gains by
			// O(1e-6/var(x)) only.
			{"gmm", pp, 1e-3},
		} {
			pol, err := LinearisePolicy(b, polCov, tc.prior, PolicyConfig{Reg0: 1e-8, Compat: compat})
			if err != nil {
				t.Fatalf("%s compat=%v: %v", tc.name, compat, err)
			}
			if err := pol.Check(); err != nil {
				t.Fatal(err)
			}
			for tt := 0; tt < T; tt++ {
				if e := maxAbsDiff(pol.K[tt*dU*dX:(tt+1)*dU*dX], W); e > tc.tol {
					t.Errorf("%s compat=%v t=%d: K off by %g", tc.name, compat, tt, e)
				}
				if e := maxAbsDiff(pol.Bias[tt*dU:(tt+1)*dU], bias); e > tc.tol {
					t.Errorf("%s compat=%v t=%d: k off by %g", tc.name, compat, tt, e)
				}
				if e := maxAbsDiff(pol.Cov[tt*dU*dU:(tt+1)*dU*dU], []float64{0.01, 0, 0, 0.02}); e > tc.tol {
					t.Errorf("%s compat=%v t=%d: S off by %g", tc.name, compat, tt, e)
				}
			}
		}
	}
}

// A nil *PolicyPrior inside the Prior interface means "no prior", like nil.
func TestLinearisePolicyTypedNilPrior(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	x, _, _ := linearBatch(rng, 6, 4, 3, 2, 0.1)
	polCov := make([]float64, 6*4*2*2)
	for r := 0; r < 6*4; r++ {
		polCov[r*4], polCov[r*4+3] = 1, 1
	}
	var none *PolicyPrior
	p1, err1 := LinearisePolicy(x, polCov, nil, DefaultPolicyConfig())
	p2, err2 := LinearisePolicy(x, polCov, none, DefaultPolicyConfig())
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if maxAbsDiff(p1.K, p2.K) != 0 || maxAbsDiff(p1.Cov, p2.Cov) != 0 {
		t.Error("typed nil prior differs from nil")
	}
}

// One EM iteration on more points than one block (emChunk) equals a direct
// transcription of spec §4.4 (plain loops, no blocking, no BLAS).
func TestGMMOneIterationDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	const n, D, K = 2*emChunk + 77, 4, 3
	pts := twoBlobs(rng, n, D, 1.5)
	assign := make([]int, n)
	for i := range assign {
		assign[i] = rng.IntN(K)
	}
	for _, compat := range []bool{false, true} {
		g0 := &GMM{Config: GMMConfig{Compat: compat}}
		if err := g0.initialise(pts, n, D, K, assign); err != nil {
			t.Fatal(err)
		}
		// Direct E-step with gonum/mat.
		logobs := make([]float64, n*K)
		for k := 0; k < K; k++ {
			var chol mat.Cholesky
			if !chol.Factorize(mat.NewSymDense(D, append([]float64(nil), g0.Sigma[k*D*D:(k+1)*D*D]...))) {
				t.Fatal("not PD")
			}
			for i := 0; i < n; i++ {
				d := mat.NewVecDense(D, nil)
				for j := 0; j < D; j++ {
					d.SetVec(j, pts[i*D+j]-g0.Mu[k*D+j])
				}
				var x mat.VecDense
				if err := chol.SolveVecTo(&x, d); err != nil {
					t.Fatal(err)
				}
				logobs[i*K+k] = -0.5*float64(D)*math.Log(2*math.Pi) - 0.5*chol.LogDet() - 0.5*mat.Dot(d, &x) + g0.LogMass[k]
			}
		}
		// Direct M-step.
		r := make([]float64, n*K)
		for i := 0; i < n; i++ {
			l := logSumExp(logobs[i*K : (i+1)*K])
			for k := 0; k < K; k++ {
				r[i*K+k] = math.Exp(logobs[i*K+k] - l)
			}
		}
		g := &GMM{Config: GMMConfig{Compat: compat, MaxIter: 1}}
		if _, err := g.Fit(pts, D, K, Init{Assign: assign}); err != nil {
			t.Fatal(err)
		}
		for k := 0; k < K; k++ {
			sum := 0.0
			for i := 0; i < n; i++ {
				sum += r[i*K+k]
			}
			mu := make([]float64, D)
			for i := 0; i < n; i++ {
				for j := 0; j < D; j++ {
					mu[j] += r[i*K+k] / sum * pts[i*D+j]
				}
			}
			// Well-conditioned 4-D blobs: agreement to 1e-10 relative.
			if e := maxAbsDiff(g.Mu[k*D:(k+1)*D], mu); e > 1e-10 {
				t.Errorf("compat=%v: μ_%d off by %g", compat, k, e)
			}
			if e := math.Abs(math.Exp(g.LogMass[k]) - sum/n); e > 1e-12 {
				t.Errorf("compat=%v: π_%d off by %g", compat, k, e)
			}
			for a := 0; a < D; a++ {
				for b := 0; b < D; b++ {
					s := 0.0
					for i := 0; i < n; i++ {
						s += r[i*K+k] / sum * (pts[i*D+a] - mu[a]) * (pts[i*D+b] - mu[b])
					}
					if a == b {
						s += 1e-6
					}
					if e := math.Abs(g.Sigma[k*D*D+a*D+b] - s); e > 1e-10 {
						t.Errorf("compat=%v: Σ_%d[%d,%d] off by %g", compat, k, a, b, e)
					}
				}
			}
		}
	}
}

// Data at a scale that overflows the Mahalanobis distances give a typed error,
// not NaN parameters.
func TestGMMOverflowIsAnError(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	pts := twoBlobs(rng, 40, 2, 1)
	for i := range pts {
		pts[i] *= 1e200
	}
	g := &GMM{}
	_, err := g.Fit(pts, 2, 2, Init{Rand: rng})
	var le *LogLikError
	var pd *NotPDError
	if !errors.As(err, &le) && !errors.As(err, &pd) {
		t.Fatalf("err = %v, want *LogLikError or *NotPDError", err)
	}
	t.Log(err)
}
