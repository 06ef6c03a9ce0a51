package trajopt_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
	"github.com/mirrorgps/mirrorgps/mdgps/trajopt"
)

// countingSource counts the draws the search takes from its stream.
type countingSource struct {
	src rand.Source
	n   int
}

func (c *countingSource) Uint64() uint64 { c.n++; return c.src.Uint64() }

// TestOldSearchReachesBudget: the submission era's line search (spec §15.3) meets
// |KL − ε| < 0.1ε on the problems the bisection test uses (spec §17.3 item 4),
// returns a controller whose KL is the reported one, and is deterministic for a
// seed (a fresh solver and a fresh stream with the same seed give identical bits).
func TestOldSearchReachesBudget(t *testing.T) {
	flips := 0
	for _, tc := range []struct {
		seed   uint64
		kind   trajopt.Kind
		maxEnt float64
		eps    float64 // per-step budget
		eta0   float64
	}{
		{1, trajopt.AgainstPolicy, 0, 0.1, 1},
		{2, trajopt.AgainstPolicy, 0, 1, 1},
		{3, trajopt.AgainstPrevious, 0, 0.5, 1},
		{4, trajopt.AgainstPolicy, 0.1, 0.5, 1},
		{6, trajopt.AgainstPolicy, 0, 0.2, 100},
		{7, trajopt.AgainstPolicy, 0, 2, 0.01},
	} {
		const T, dX, dU = 20, 4, 2
		pr := randomProblem(tc.seed, T, dX, dU)
		pr.Kind, pr.MaxEnt = tc.kind, tc.maxEnt
		budget := tc.eps * T
		run := func() (*trajopt.Result, int) {
			s := trajopt.NewSolver(T, dX, dU, trajopt.Settings{EtaSearch: trajopt.OldLineSearch})
			src := &countingSource{src: rand.NewPCG(tc.seed, 99)}
			s.Rand = rand.New(src)
			res, err := s.Search(pr, tc.eta0, budget)
			if err != nil {
				t.Fatalf("%+v: %v", tc, err)
			}
			return res, src.n
		}
		res, n := run()
		flips += n
		t.Logf("%+v: %d passes, η %.4g, KL %.4g / %.4g, stop %v, %d coin flips", tc, res.Iterations, res.Eta, res.KL, budget, res.Stop, n)
		if !res.Converged || res.Stop != trajopt.StopConverged || math.Abs(res.KL-budget) >= 0.1*budget {
			t.Errorf("%+v: converged %v (stop %v) KL %v, budget %v", tc, res.Converged, res.Stop, res.KL, budget)
		}
		m := lingauss.Forward(res.Policy, pr.Dyn)
		if kl := lingauss.KL(nil, m, res.Policy, pr.Ref); kl != res.KL {
			t.Errorf("%+v: result KL %v, recomputed %v", tc, res.KL, kl)
		}
		// The line search never goes below MinEta = 1e-4 once it has two points.
		for i, st := range res.Trace {
			if st.MinEta < 1e-4 || (i > 1 && st.Eta < 1e-4) {
				t.Errorf("%+v: step %d: %+v below the era's min_eta", tc, i, st)
			}
		}
		res2, n2 := run()
		if res2.Eta != res.Eta || res2.KL != res.KL || res2.Iterations != res.Iterations || n2 != n ||
			res2.Policy.K[7] != res.Policy.K[7] || res2.Policy.Cov[3] != res.Policy.Cov[3] {
			t.Errorf("%+v: not deterministic for its seed", tc)
		}
	}
	t.Logf("coin flips over all cases: %d", flips)
	if flips == 0 {
		t.Error("no case flipped the coin: the stream is not exercised")
	}
}

// TestOldSearchNeedsRand: OldLineSearch without a stream is an error naming the
// field; bad EtaSearch and CovAdd values are rejected by Validate.
func TestOldSearchNeedsRand(t *testing.T) {
	const T, dX, dU = 5, 2, 1
	pr := randomProblem(1, T, dX, dU)
	s := trajopt.NewSolver(T, dX, dU, trajopt.Settings{EtaSearch: trajopt.OldLineSearch})
	if _, err := s.Search(pr, 1, 1); err == nil || !strings.Contains(err.Error(), "Solver.Rand") {
		t.Errorf("err = %v, want one naming Solver.Rand", err)
	}
	for _, st := range []trajopt.Settings{{EtaSearch: "newton"}, {CovAdd: -1}, {CovAdd: math.Inf(1)}} {
		if err := st.Validate(); err == nil {
			t.Errorf("%+v: no error", st)
		}
	}
	for _, st := range []trajopt.Settings{{}, {EtaSearch: trajopt.Bisection}, {EtaSearch: trajopt.OldLineSearch, CovAdd: 1e-6}} {
		if err := st.Validate(); err != nil {
			t.Errorf("%+v: %v", st, err)
		}
	}
}

// TestCovAdd: CovAdd = c adds c·I to every Σ_t of the backward pass (the
// submission's "old" step rule, spec §15.4) with the Cholesky factor and the
// precision recomputed from it; K_t and k_t do not change.
func TestCovAdd(t *testing.T) {
	const T, dX, dU = 8, 3, 2
	const c = 1e-6
	pr := randomProblem(9, T, dX, dU)
	p0, p1 := lingauss.NewPolicy(T, dX, dU), lingauss.NewPolicy(T, dX, dU)
	if _, err := trajopt.NewSolver(T, dX, dU, trajopt.Settings{}).Backward(p0, pr, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := trajopt.NewSolver(T, dX, dU, trajopt.Settings{CovAdd: c}).Backward(p1, pr, 2); err != nil {
		t.Fatal(err)
	}
	for i := range p0.K {
		if p0.K[i] != p1.K[i] {
			t.Fatalf("K[%d] changed: %v → %v", i, p0.K[i], p1.K[i])
		}
	}
	for i := range p0.Bias {
		if p0.Bias[i] != p1.Bias[i] {
			t.Fatalf("k[%d] changed", i)
		}
	}
	uu := dU * dU
	for tt := 0; tt < T; tt++ {
		cov, chol, prec := p1.Cov[tt*uu:(tt+1)*uu], p1.Chol[tt*uu:(tt+1)*uu], p1.Prec[tt*uu:(tt+1)*uu]
		for i := 0; i < dU; i++ {
			for j := 0; j < dU; j++ {
				want := p0.Cov[tt*uu+i*dU+j]
				if i == j {
					want += c
				}
				// Exact: the same inverse plus c on the diagonal.
				if cov[i*dU+j] != want {
					t.Errorf("t=%d Σ[%d,%d] = %v, want %v", tt, i, j, cov[i*dU+j], want)
				}
				// RᵀR = Σ and P Σ = I to rounding (Σ has entries of order 1, so
				// 1e-12 is a few hundred ulps).
				rr, ps := 0.0, 0.0
				for k := 0; k < dU; k++ {
					rr += chol[k*dU+i] * chol[k*dU+j]
					ps += prec[i*dU+k] * cov[k*dU+j]
				}
				id := 0.0
				if i == j {
					id = 1
				}
				if math.Abs(rr-cov[i*dU+j]) > 1e-12 || math.Abs(ps-id) > 1e-12 {
					t.Errorf("t=%d [%d,%d]: RᵀR %v vs Σ %v, PΣ %v", tt, i, j, rr, cov[i*dU+j], ps)
				}
			}
		}
		// The precision is no longer Q_uu: it moved by about c·P² (≠ 0).
		if p1.Prec[tt*uu] == p0.Prec[tt*uu] {
			t.Errorf("t=%d: precision unchanged", tt)
		}
	}
}
