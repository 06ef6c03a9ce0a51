package lingauss_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// randomSystem builds a random stable linear-Gaussian system and controller of the
// given size from a fixed seed.
func randomSystem(seed uint64, T, dX, dU int) (*lingauss.Policy, *lingauss.Dynamics) {
	rng := rand.New(rand.NewPCG(seed, 7))
	n := dX + dU
	d := lingauss.NewDynamics(T, dX, dU)
	for i := range d.X0Mu {
		d.X0Mu[i] = rng.NormFloat64()
	}
	spd := func(dst []float64, m int, scale float64) {
		b := make([]float64, m*m)
		for i := range b {
			b[i] = rng.NormFloat64()
		}
		for i := 0; i < m; i++ {
			for j := 0; j < m; j++ {
				s := 0.0
				for k := 0; k < m; k++ {
					s += b[i*m+k] * b[j*m+k]
				}
				dst[i*m+j] = scale * s / float64(m)
			}
			dst[i*m+i] += scale
		}
	}
	spd(d.X0Cov, dX, 0.1)
	p := lingauss.NewPolicy(T, dX, dU)
	cov := make([]float64, dU*dU)
	for t := 0; t < T; t++ {
		for i := 0; i < dX; i++ {
			for j := 0; j < n; j++ {
				v := 0.3 * rng.NormFloat64() / math.Sqrt(float64(n))
				if i == j {
					v += 0.8
				}
				d.F[t*dX*n+i*n+j] = v
			}
			d.Bias[t*dX+i] = 0.1 * rng.NormFloat64()
		}
		spd(d.Cov[t*dX*dX:(t+1)*dX*dX], dX, 0.01)
		for i := range p.K[t*dU*dX : (t+1)*dU*dX] {
			p.K[t*dU*dX+i] = 0.2 * rng.NormFloat64()
		}
		for i := 0; i < dU; i++ {
			p.Bias[t*dU+i] = rng.NormFloat64()
		}
		spd(cov, dU, 0.2)
		if err := p.SetCov(t, cov); err != nil {
			panic(err)
		}
	}
	return p, d
}

// TestKLSelfZero: KL(p ‖ p) = 0 for both forms (spec §17.3 item 1).
func TestKLSelfZero(t *testing.T) {
	for _, sz := range []struct{ T, dX, dU int }{{5, 2, 1}, {10, 4, 2}, {20, 26, 7}} {
		p, d := randomSystem(1, sz.T, sz.dX, sz.dU)
		m := lingauss.Forward(p, d)
		w := lingauss.NewWorkspace(sz.T, sz.dX, sz.dU)
		// Exact cancellation is not guaranteed in floating point; 1e-10 per step is
		// far below any KL budget (≥ 1e-2 per step in practice).
		if kl := w.KL(nil, m, p, p); math.Abs(kl) > 1e-10*float64(sz.T) {
			t.Errorf("%v: KL(p‖p) = %g", sz, kl)
		}
		if kl := w.KLAlt(nil, m, p, p); math.Abs(kl) > 1e-10*float64(sz.T) {
			t.Errorf("%v: KLAlt(p‖p) = %g", sz, kl)
		}
	}
}

// TestKLMonteCarlo checks both KL forms against a Monte-Carlo estimate of
// E_x[KL(p(·|x) ‖ q(·|x))] where the conditionals are Gaussians, and the
// shifted-mean case KL = ½ E[dᵀPd] (spec §17.3 item 1).
func TestKLMonteCarlo(t *testing.T) {
	const T, dX, dU = 6, 3, 2
	p, d := randomSystem(2, T, dX, dU)
	q, _ := randomSystem(3, T, dX, dU)
	shift := p.Clone()
	for i := range shift.Bias {
		shift.Bias[i] += 0.5
	}
	m := lingauss.Forward(p, d)
	w := lingauss.NewWorkspace(T, dX, dU)
	rng := rand.New(rand.NewPCG(11, 12))
	n := dX + dU
	// Sample x_t from the marginal by rolling out p, then average the closed-form
	// Gaussian KL of the conditionals at x (its own derivation, independent of
	// the joint-moment formula under test).
	const N = 20000
	mc := make([]float64, 2) // against q, against shift
	x := make([]float64, dX)
	u := make([]float64, dU)
	xi := make([]float64, dU)
	w0 := make([]float64, dX)
	for s := 0; s < N; s++ {
		sampleGauss(rng, x, d.X0Mu, d.X0Cov)
		for tt := 0; tt < T; tt++ {
			mc[0] += condKL(p, q, tt, x)
			mc[1] += condKL(p, shift, tt, x)
			for i := range xi {
				xi[i] = rng.NormFloat64()
			}
			p.Act(tt, x, nil, xi, u)
			sampleGauss(rng, w0, make([]float64, dX), d.Cov[tt*dX*dX:(tt+1)*dX*dX])
			nx := make([]float64, dX)
			for i := 0; i < dX; i++ {
				v := d.Bias[tt*dX+i] + w0[i]
				for j := 0; j < n; j++ {
					y := 0.0
					if j < dX {
						y = x[j]
					} else {
						y = u[j-dX]
					}
					v += d.F[tt*dX*n+i*n+j] * y
				}
				nx[i] = v
			}
			copy(x, nx)
		}
	}
	for i, ref := range []*lingauss.Policy{q, shift} {
		want := mc[i] / N
		got := w.KL(nil, m, p, ref)
		alt := w.KLAlt(nil, m, p, ref)
		// Seeded Monte Carlo with 2e4 trajectories: relative standard error ≈ 1%;
		// 3% is three standard errors.
		if math.Abs(got-want) > 0.03*want || math.Abs(alt-want) > 0.03*want {
			t.Errorf("ref %d: KL = %v, KLAlt = %v, Monte Carlo %v", i, got, alt, want)
		}
	}
}

// condKL is KL(N(K_p x + k_p, Σ_p) ‖ N(K_q x + k_q, Σ_q)) at step t for a given x.
func condKL(p, q *lingauss.Policy, t int, x []float64) float64 {
	dU := p.DU
	mp := make([]float64, dU)
	mq := make([]float64, dU)
	p.Act(t, x, nil, nil, mp)
	q.Act(t, x, nil, nil, mq)
	P := q.Prec[t*dU*dU : (t+1)*dU*dU]
	S := p.Cov[t*dU*dU : (t+1)*dU*dU]
	tr, quad := 0.0, 0.0
	for i := 0; i < dU; i++ {
		for j := 0; j < dU; j++ {
			tr += P[i*dU+j] * S[j*dU+i]
			quad += (mq[i] - mp[i]) * P[i*dU+j] * (mq[j] - mp[j])
		}
	}
	return 0.5 * (tr + quad - float64(dU) + q.LogDetCov(t) - p.LogDetCov(t))
}

// sampleGauss draws x ~ N(mu, cov) via a lower Cholesky factor.
func sampleGauss(rng *rand.Rand, x, mu, cov []float64) {
	n := len(mu)
	L := make([]float64, n*n)
	for j := 0; j < n; j++ {
		s := cov[j*n+j]
		for k := 0; k < j; k++ {
			s -= L[j*n+k] * L[j*n+k]
		}
		L[j*n+j] = math.Sqrt(s)
		for i := j + 1; i < n; i++ {
			v := cov[i*n+j]
			for k := 0; k < j; k++ {
				v -= L[i*n+k] * L[j*n+k]
			}
			L[i*n+j] = v / L[j*n+j]
		}
	}
	z := make([]float64, n)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	for i := 0; i < n; i++ {
		v := mu[i]
		for k := 0; k <= i; k++ {
			v += L[i*n+k] * z[k]
		}
		x[i] = v
	}
}

// TestForwardMonteCarlo checks the forward-pass marginals and the expected cost
// against seeded rollouts of the same linear-Gaussian system (spec §17.3 item 2).
func TestForwardMonteCarlo(t *testing.T) {
	const T, dX, dU = 5, 3, 2
	n := dX + dU
	p, d := randomSystem(4, T, dX, dU)
	m := lingauss.Forward(p, d)
	c := lingauss.NewQuadCost(T, dX, dU)
	rng := rand.New(rand.NewPCG(5, 6))
	for tt := 0; tt < T; tt++ {
		for i := 0; i < n; i++ {
			c.C[tt*n*n+i*n+i] = 1 + rng.Float64()
			c.Cv[tt*n+i] = rng.NormFloat64()
		}
		c.Cc[tt] = 1
	}
	const N = 40000
	mean := make([]float64, T*n)
	second := make([]float64, T*n*n)
	cost := 0.0
	x := make([]float64, dX)
	u := make([]float64, dU)
	xi := make([]float64, dU)
	w0 := make([]float64, dX)
	y := make([]float64, n)
	for s := 0; s < N; s++ {
		sampleGauss(rng, x, d.X0Mu, d.X0Cov)
		for tt := 0; tt < T; tt++ {
			for i := range xi {
				xi[i] = rng.NormFloat64()
			}
			p.Act(tt, x, nil, xi, u)
			copy(y, x)
			copy(y[dX:], u)
			for i := 0; i < n; i++ {
				mean[tt*n+i] += y[i]
				cost += c.Cv[tt*n+i] * y[i]
				for j := 0; j < n; j++ {
					second[tt*n*n+i*n+j] += y[i] * y[j]
					cost += 0.5 * y[i] * c.C[tt*n*n+i*n+j] * y[j]
				}
			}
			cost += c.Cc[tt]
			sampleGauss(rng, w0, make([]float64, dX), d.Cov[tt*dX*dX:(tt+1)*dX*dX])
			for i := 0; i < dX; i++ {
				v := d.Bias[tt*dX+i] + w0[i]
				for j := 0; j < n; j++ {
					v += d.F[tt*dX*n+i*n+j] * y[j]
				}
				x[i] = v
			}
		}
	}
	for tt := 0; tt < T; tt++ {
		for i := 0; i < n; i++ {
			mu := mean[tt*n+i] / N
			// Standard error of a mean of 4e4 draws with variance ≤ ~4: ≤ 0.01; 0.04 is 4σ.
			if math.Abs(mu-m.Mu[tt*n+i]) > 0.04 {
				t.Errorf("mu[%d][%d] = %v, Monte Carlo %v", tt, i, m.Mu[tt*n+i], mu)
			}
			for j := 0; j < n; j++ {
				cv := second[tt*n*n+i*n+j]/N - (mean[tt*n+i]/N)*(mean[tt*n+j]/N)
				if math.Abs(cv-m.Sigma[tt*n*n+i*n+j]) > 0.05*(1+math.Abs(cv)) {
					t.Errorf("sigma[%d][%d,%d] = %v, Monte Carlo %v", tt, i, j, m.Sigma[tt*n*n+i*n+j], cv)
				}
			}
		}
	}
	want := cost / N
	got := lingauss.ExpectedCost(nil, m, c)
	// Relative standard error of the mean cost ≈ 0.3% here; 2% is generous but
	// still catches a missing trace or linear term (each ≥ 10% of the total).
	if math.Abs(got-want) > 0.02*math.Abs(want) {
		t.Errorf("expected cost %v, Monte Carlo %v", got, want)
	}
}

func TestSetCovPrecConsistent(t *testing.T) {
	p := lingauss.NewPolicy(1, 2, 2)
	if err := p.SetCov(0, []float64{2, 0.5, 0.5, 1}); err != nil {
		t.Fatal(err)
	}
	q := lingauss.NewPolicy(1, 2, 2)
	if err := q.SetPrec(0, p.Prec); err != nil {
		t.Fatal(err)
	}
	for i := range p.Cov {
		// One inversion round trip of a well-conditioned 2×2: a few ulps.
		if math.Abs(p.Cov[i]-q.Cov[i]) > 1e-14 || math.Abs(p.Chol[i]-q.Chol[i]) > 1e-14 {
			t.Errorf("round trip: cov %v vs %v, chol %v vs %v", p.Cov, q.Cov, p.Chol, q.Chol)
		}
	}
	err := p.SetCov(0, []float64{1, 2, 2, 1})
	if _, ok := err.(*lingauss.NotPDError); !ok {
		t.Errorf("SetCov(indefinite) error = %v, want *NotPDError", err)
	}
	if p.Cov[0] != 2 {
		t.Errorf("failed SetCov changed the policy")
	}
}

func TestCheckNaN(t *testing.T) {
	p, d := randomSystem(1, 3, 2, 1)
	d.F[5] = math.NaN()
	err := d.Check()
	e, ok := err.(*lingauss.NonFiniteError)
	if !ok || e.Array != "dynamics.F" || e.Index != 5 {
		t.Errorf("Check = %v, want NaN at dynamics.F[5]", err)
	}
	p.Bias[2] = math.Inf(1)
	if e, ok := p.Check().(*lingauss.NonFiniteError); !ok || e.Array != "policy.k" || e.Index != 2 {
		t.Errorf("Check = %v, want Inf at policy.k[2]", p.Check())
	}
}

// TestInitLQRHoldsX0: with zero acceleration, the initial controller keeps the mean
// trajectory of the guessed dynamics at x0 (spec §17.3 item 10).
func TestInitLQRHoldsX0(t *testing.T) {
	x0 := []float64{0.5, -1, 0, 0, 3}
	c := lingauss.DefaultInitLQR(50, 5, 2, 0.05, x0)
	p, err := lingauss.InitLQR(c)
	if err != nil {
		t.Fatal(err)
	}
	u := make([]float64, 2)
	for tt := 0; tt < c.T; tt++ {
		p.Act(tt, x0, nil, nil, u)
		// At x0 the mean action is zero (no force needed to hold still): exact up
		// to rounding in the Riccati recursion.
		if math.Abs(u[0]) > 1e-12 || math.Abs(u[1]) > 1e-12 {
			t.Fatalf("t=%d: mean action at x0 = %v", tt, u)
		}
	}
	if _, err := lingauss.InitLQR(lingauss.InitLQRConfig{T: 5, DX: 3, DU: 2, Dt: 0.1, X0: []float64{0, 0, 0}}); err == nil {
		t.Error("DX < 2·DU accepted")
	}
}
