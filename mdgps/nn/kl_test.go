package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// gauss is a multivariate normal for the Monte-Carlo check: sampling u = m + Lξ and
// log-density via its Cholesky factor.
type gauss struct {
	m  []float64
	ch mat.Cholesky
	L  mat.TriDense
}

func newGauss(t *testing.T, m, cov []float64) *gauss {
	n := len(m)
	g := &gauss{m: m}
	c := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			c.SetSym(i, j, 0.5*(cov[i*n+j]+cov[j*n+i]))
		}
	}
	if !g.ch.Factorize(c) {
		t.Fatal("covariance not PD")
	}
	g.ch.LTo(&g.L)
	return g
}

func (g *gauss) rand(rng *rand.Rand, u []float64) {
	n := len(g.m)
	xi := make([]float64, n)
	for i := range xi {
		xi[i] = rng.NormFloat64()
	}
	for i := 0; i < n; i++ {
		u[i] = g.m[i]
		for j := 0; j <= i; j++ {
			u[i] += g.L.At(i, j) * xi[j]
		}
	}
}

func (g *gauss) logProb(u []float64) float64 {
	n := len(g.m)
	d := mat.NewVecDense(n, nil)
	for i := range g.m {
		d.SetVec(i, u[i]-g.m[i])
	}
	var x mat.VecDense
	if err := g.ch.SolveVecTo(&x, d); err != nil {
		panic(err)
	}
	return -0.5*mat.Dot(d, &x) - 0.5*g.ch.LogDet() - 0.5*float64(n)*math.Log(2*math.Pi)
}

// TestKLMonteCarlo checks the closed-form KL against a seeded Monte-Carlo estimate
// E_π[log π(u) − log p(u)] for both policy classes, and KL(p ‖ p) = 0.
func TestKLMonteCarlo(t *testing.T) {
	d := smallDataset(31, 8, 3, 3, 2) // 24 rows ≥ one batch of 16
	m, _ := New(3, 2, quickConfig())
	l, _ := NewLinear(3, 3, 2, 1)
	for _, g := range []Global{m, l} {
		if _, err := g.SStep(d); err != nil {
			t.Fatal(err)
		}
		kl := make([]float64, d.Rows())
		if _, err := KL(g, d, kl); err != nil {
			t.Fatal(err)
		}
		rows := d.Rows()
		mean := make([]float64, rows*2)
		cov := make([]float64, rows*4)
		g.Prob(d.Obs, d.T, mean, cov)
		rng := rand.New(rand.NewPCG(5, 5))
		for r := 0; r < rows; r += 3 { // every third row keeps the test fast
			pi := newGauss(t, mean[r*2:(r+1)*2], cov[r*4:(r+1)*4])
			var pc mat.Dense
			if err := pc.Inverse(mat.NewDense(2, 2, append([]float64(nil), d.Prec[r*4:(r+1)*4]...))); err != nil {
				t.Fatal(err)
			}
			p := newGauss(t, d.Mu[r*2:(r+1)*2], pc.RawMatrix().Data)
			const S = 10000
			s1, s2 := 0.0, 0.0
			u := make([]float64, 2)
			for i := 0; i < S; i++ {
				pi.rand(rng, u)
				v := pi.logProb(u) - p.logProb(u)
				s1 += v
				s2 += v * v
			}
			est := s1 / S
			se := math.Sqrt((s2/S - est*est) / S)
			// 5 standard errors of a 10000-sample mean (a false failure has probability
			// ~1e-6 per row), plus rounding.
			if math.Abs(kl[r]-est) > 5*se+1e-12 {
				t.Errorf("%T row %d: KL %v, Monte Carlo %v ± %v", g, r, kl[r], est, se)
			}
		}
	}
	// KL(p ‖ p) = 0: targets equal to the linear policy's own mean and precision.
	e := &Dataset{N: d.N, T: d.T, DO: 3, DU: 2, Obs: d.Obs, Mu: make([]float64, d.Rows()*2),
		Prec: make([]float64, d.Rows()*4), W: d.W}
	l.Prob(e.Obs, e.T, e.Mu, nil)
	for r := 0; r < e.Rows(); r++ {
		copy(e.Prec[r*4:(r+1)*4], l.Policy.Prec[(r%e.T)*4:(r%e.T+1)*4])
	}
	kl := make([]float64, e.Rows())
	avg, err := KL(l, e, kl)
	if err != nil {
		t.Fatal(err)
	}
	// tr(P Σ) = dU and log det P + log det Σ = 0 up to rounding of a 2×2 inverse
	if math.Abs(avg) > 1e-13 {
		t.Errorf("KL(p‖p) = %v, want 0", avg)
	}
}
