package trajopt_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
	"github.com/mirrorgps/mirrorgps/mdgps/trajopt"
)

// doubleIntegrator returns x' = A x + B u for a 1-D double integrator with step dt
// as lingauss dynamics (dX = 2, dU = 1), a small process noise, and a quadratic
// cost ½xᵀQx + ½uᵀRu at every step.
func doubleIntegrator(T int, dt float64) (*lingauss.Dynamics, *lingauss.QuadCost, *mat.Dense, *mat.Dense, *mat.SymDense, *mat.SymDense) {
	A := mat.NewDense(2, 2, []float64{1, dt, 0, 1})
	B := mat.NewDense(2, 1, []float64{0.5 * dt * dt, dt})
	Q := mat.NewSymDense(2, []float64{1, 0, 0, 0.1})
	R := mat.NewSymDense(1, []float64{0.01})
	d := lingauss.NewDynamics(T, 2, 1)
	c := lingauss.NewQuadCost(T, 2, 1)
	d.X0Mu[0], d.X0Mu[1] = 1, 0
	d.X0Cov[0], d.X0Cov[3] = 0.01, 0.01
	for t := 0; t < T; t++ {
		if t < T-1 {
			F := d.F[t*6 : (t+1)*6]
			F[0], F[1], F[2] = 1, dt, 0.5*dt*dt
			F[3], F[4], F[5] = 0, 1, dt
			d.Cov[t*4], d.Cov[t*4+3] = 1e-4, 1e-4
		}
		C := c.C[t*9 : (t+1)*9]
		C[0], C[4], C[8] = 1, 0.1, 0.01
	}
	return d, c, A, B, Q, R
}

// zeroRef is a reference policy with zero precision: its KL term G vanishes.
func zeroRef(T, dX, dU int) *lingauss.Policy {
	p := lingauss.NewPolicy(T, dX, dU)
	for t := 0; t < T; t++ {
		for i := 0; i < dU; i++ {
			p.Cov[t*dU*dU+i*dU+i] = 1
			p.Chol[t*dU*dU+i*dU+i] = 1
		}
	}
	return p
}

// TestTextbookLQR: with the KL term off (G = 0) and η = 1 the backward pass is the
// finite-horizon discrete Riccati recursion (spec §17.3 item 3):
//
//	K_t = −(R + BᵀP_{t+1}B)⁻¹BᵀP_{t+1}A,  P_t = Q + AᵀP_{t+1}(A + B K_t),  Σ_t = (R + BᵀP_{t+1}B)⁻¹.
func TestTextbookLQR(t *testing.T) {
	const T = 40
	d, c, A, B, Q, R := doubleIntegrator(T, 0.1)
	pr := &trajopt.Problem{Dyn: d, Cost: c, Ref: zeroRef(T, 2, 1), Kind: trajopt.AgainstPolicy}
	s := trajopt.NewSolver(T, 2, 1, trajopt.Settings{})
	p := lingauss.NewPolicy(T, 2, 1)
	info, err := s.Backward(p, pr, 1)
	if err != nil || info.Eta != 1 || len(info.Increases) != 0 {
		t.Fatalf("Backward: %v, %+v", err, info)
	}
	P := mat.NewDense(2, 2, nil)
	P.Copy(Q) // P_{T-1} = Q
	for tt := T - 1; tt >= 0; tt-- {
		var K mat.Dense
		var S mat.Dense
		if tt == T-1 {
			// No future: Q_uu = R, Q_ux = 0.
			K = *mat.NewDense(1, 2, nil)
			if err := S.Inverse(R); err != nil {
				t.Fatal(err)
			}
		} else {
			var BtP, BtPB, BtPA mat.Dense
			BtP.Mul(B.T(), P)
			BtPB.Mul(&BtP, B)
			BtPB.Add(&BtPB, R)
			BtPA.Mul(&BtP, A)
			if err := S.Inverse(&BtPB); err != nil {
				t.Fatal(err)
			}
			K.Mul(&S, &BtPA)
			K.Scale(-1, &K)
			var ABK, Pn mat.Dense
			ABK.Mul(B, &K)
			ABK.Add(&ABK, A)
			Pn.Mul(A.T(), P)
			Pn.Mul(&Pn, &ABK)
			Pn.Add(&Pn, Q)
			P = &Pn
		}
		for j := 0; j < 2; j++ {
			// Two independent float64 recursions of 40 steps agree to ~1e-12.
			if math.Abs(p.K[tt*2+j]-K.At(0, j)) > 1e-9*(1+math.Abs(K.At(0, j))) {
				t.Errorf("t=%d: K = %v, Riccati %v", tt, p.K[tt*2:tt*2+2], mat.Formatted(&K))
			}
		}
		if math.Abs(p.Cov[tt]-S.At(0, 0)) > 1e-9*S.At(0, 0) || p.Bias[tt] != 0 {
			t.Errorf("t=%d: Σ = %v k = %v, want %v, 0", tt, p.Cov[tt], p.Bias[tt], S.At(0, 0))
		}
	}
}

// randomProblem: a random stable linear system with a PD quadratic cost and a
// random reference controller.
func randomProblem(seed uint64, T, dX, dU int) *trajopt.Problem {
	rng := rand.New(rand.NewPCG(seed, 3))
	n := dX + dU
	d := lingauss.NewDynamics(T, dX, dU)
	c := lingauss.NewQuadCost(T, dX, dU)
	ref := lingauss.NewPolicy(T, dX, dU)
	for i := 0; i < dX; i++ {
		d.X0Mu[i] = rng.NormFloat64()
		d.X0Cov[i*dX+i] = 0.01
	}
	cov := make([]float64, dU*dU)
	for t := 0; t < T; t++ {
		for i := 0; i < dX; i++ {
			for j := 0; j < n; j++ {
				v := 0.2 * rng.NormFloat64() / math.Sqrt(float64(n))
				if i == j {
					v += 0.9
				}
				d.F[t*dX*n+i*n+j] = v
			}
			d.Bias[t*dX+i] = 0.05 * rng.NormFloat64()
			d.Cov[t*dX*dX+i*dX+i] = 1e-3
		}
		for i := 0; i < n; i++ {
			c.C[t*n*n+i*n+i] = 0.5 + rng.Float64()
			c.Cv[t*n+i] = rng.NormFloat64()
		}
		for i := range cov {
			cov[i] = 0
		}
		for i := 0; i < dU; i++ {
			cov[i*dU+i] = 0.5 + rng.Float64()
			ref.Bias[t*dU+i] = rng.NormFloat64()
		}
		for i := 0; i < dU*dX; i++ {
			ref.K[t*dU*dX+i] = 0.1 * rng.NormFloat64()
		}
		if err := ref.SetCov(t, cov); err != nil {
			panic(err)
		}
	}
	return &trajopt.Problem{Dyn: d, Cost: c, Ref: ref, Kind: trajopt.AgainstPolicy}
}

// TestSearchReachesBudget: the dual search returns a controller whose KL is within
// 10% of the budget (spec §17.3 item 4), for several budgets and both kinds, and
// the trace is a valid bisection.
func TestSearchReachesBudget(t *testing.T) {
	for _, tc := range []struct {
		seed   uint64
		kind   trajopt.Kind
		maxEnt float64
		eps    float64 // per-step budget
	}{
		{1, trajopt.AgainstPolicy, 0, 0.1},
		{2, trajopt.AgainstPolicy, 0, 1},
		{3, trajopt.AgainstPrevious, 0, 0.5},
		{4, trajopt.AgainstPolicy, 0.1, 0.5},
	} {
		const T, dX, dU = 20, 4, 2
		pr := randomProblem(tc.seed, T, dX, dU)
		pr.Kind, pr.MaxEnt = tc.kind, tc.maxEnt
		s := trajopt.NewSolver(T, dX, dU, trajopt.Settings{})
		budget := tc.eps * T
		res, err := s.Search(pr, 1, budget)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Converged || math.Abs(res.KL-budget) >= 0.1*budget {
			t.Errorf("%+v: converged %v KL %v, budget %v", tc, res.Converged, res.KL, budget)
		}
		// The reported KL is the KL of the returned controller.
		m := lingauss.Forward(res.Policy, pr.Dyn)
		if kl := lingauss.KL(nil, m, res.Policy, pr.Ref); kl != res.KL {
			t.Errorf("%+v: result KL %v, recomputed %v", tc, res.KL, kl)
		}
		for i, st := range res.Trace {
			if !(st.MinEta <= st.Eta && st.Eta <= st.MaxEta) {
				t.Errorf("%+v: step %d: η %v outside [%v, %v]", tc, i, st.Eta, st.MinEta, st.MaxEta)
			}
		}
		// Same inputs, fresh solver: bit-identical result.
		res2, _ := trajopt.NewSolver(T, dX, dU, trajopt.Settings{}).Search(pr, 1, budget)
		if res2.Eta != res.Eta || res2.KL != res.KL || res2.Policy.K[7] != res.Policy.K[7] {
			t.Errorf("%+v: not deterministic", tc)
		}
	}
}

// TestSearchNotConverged: an unreachable budget ends after MaxIter iterations with
// Converged = false and no error; Eta is the next untried value (quirk Q14).
func TestSearchNotConverged(t *testing.T) {
	const T, dX, dU = 10, 3, 1
	pr := randomProblem(5, T, dX, dU)
	s := trajopt.NewSolver(T, dX, dU, trajopt.Settings{MaxIter: 12})
	res, err := s.Search(pr, 1, 1e9) // far beyond the KL at η = 1e-8
	if err != nil {
		t.Fatal(err)
	}
	last := res.Trace[len(res.Trace)-1]
	if res.Converged || res.Iterations != 12 || last.Outcome != trajopt.EtaTooBig || res.Eta != last.NewEta || res.UsedEta != last.UsedEta {
		t.Errorf("converged %v iterations %d last %+v eta %v used %v", res.Converged, res.Iterations, last, res.Eta, res.UsedEta)
	}
}

// TestNotPD: a cost with negative-definite C_uu and a reference that adds no
// curvature can never be made PD by η: the error carries the evidence.
func TestNotPD(t *testing.T) {
	const T = 5
	d, c, _, _, _, _ := doubleIntegrator(T, 0.1)
	for tt := 0; tt < T; tt++ {
		c.C[tt*9+8] = -1
	}
	pr := &trajopt.Problem{Dyn: d, Cost: c, Ref: zeroRef(T, 2, 1), Kind: trajopt.AgainstPrevious}
	s := trajopt.NewSolver(T, 2, 1, trajopt.Settings{})
	p := lingauss.NewPolicy(T, 2, 1)
	_, err := s.Backward(p, pr, 1)
	var e *trajopt.NotPDError
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *NotPDError", err)
	}
	// C_uu/(η+ν) = −1/η at t = T−1: the smallest eigenvalue is negative.
	if e.T != T-1 || !(e.MinEig < 0) || e.Eta < 1e15 || e.Increases < 50 {
		t.Errorf("evidence %+v", e)
	}
	if _, err := s.Search(pr, 1, 1); !errors.As(err, &e) {
		t.Errorf("Search err = %v, want *NotPDError", err)
	}
}

// TestEtaIncrease: a mildly indefinite C_uu is fixed by raising η; the increments
// double from Del0 (quirk Q31).
func TestEtaIncrease(t *testing.T) {
	const T = 5
	d, c, _, _, _, _ := doubleIntegrator(T, 0.1)
	ref := zeroRef(T, 2, 1)
	for tt := 0; tt < T; tt++ {
		c.C[tt*9+8] = -0.5
		ref.Prec[tt] = 1 // G_uu = 1: Q_uu = (−0.5 + η)/η > 0 iff η > 0.5
	}
	pr := &trajopt.Problem{Dyn: d, Cost: c, Ref: ref, Kind: trajopt.AgainstPolicy}
	s := trajopt.NewSolver(T, 2, 1, trajopt.Settings{Del0: 0.1})
	p := lingauss.NewPolicy(T, 2, 1)
	info, err := s.Backward(p, pr, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	// η: 0.1 → 0.2 → 0.3 → 0.5 (not > 0.5 in exact terms; rounding decides) → 0.9.
	want := []float64{0.2, 0.3, 0.5, 0.9}
	if len(info.Increases) < 3 || info.Eta <= 0.5 {
		t.Fatalf("increases %+v eta %v", info.Increases, info.Eta)
	}
	for i, inc := range info.Increases {
		if math.Abs(inc.To-want[i]) > 1e-15 {
			t.Errorf("increase %d: %+v, want to %v", i, inc, want[i])
		}
	}
}

func TestBadInput(t *testing.T) {
	const T, dX, dU = 5, 2, 1
	s := trajopt.NewSolver(T, dX, dU, trajopt.Settings{})
	pr := randomProblem(6, T, dX, dU)
	pr.Cost.Cv[7] = math.NaN()
	_, err := s.Search(pr, 1, 1)
	var nf *lingauss.NonFiniteError
	if !errors.As(err, &nf) || nf.Array != "cost.cv" || nf.Index != 7 {
		t.Errorf("NaN cost: err = %v", err)
	}
	pr = randomProblem(6, T, dX, dU)
	for _, tc := range []struct {
		name   string
		eta0   float64
		budget float64
		mod    func(*trajopt.Problem)
	}{
		{"budget 0", 1, 0, nil},
		{"eta0 negative", -1, 1, nil},
		{"max-ent negative", 1, 1, func(p *trajopt.Problem) { p.MaxEnt = -1 }},
		{"size mismatch", 1, 1, func(p *trajopt.Problem) { p.Cost = lingauss.NewQuadCost(T+1, dX, dU) }},
	} {
		q := *pr
		if tc.mod != nil {
			tc.mod(&q)
		}
		if _, err := s.Search(&q, tc.eta0, tc.budget); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestBADMMKind: with zero weights and multipliers the BADMM C-step is the
// trajectory-only one; with zero-precision references its stage scaling keeps the
// LQR gains and multiplies the covariances by η + w_t (spec §11.8); the
// multipliers enter the cost's cross terms with a minus sign.
func TestBADMMKind(t *testing.T) {
	const T, dX, dU = 12, 3, 2
	pr := randomProblem(7, T, dX, dU)
	pr.Kind = trajopt.AgainstPrevious
	s := trajopt.NewSolver(T, dX, dU, trajopt.Settings{})
	want := lingauss.NewPolicy(T, dX, dU)
	if _, err := s.Backward(want, pr, 0.7); err != nil {
		t.Fatal(err)
	}
	b := *pr
	b.Kind, b.Lin = trajopt.BADMM, randomProblem(8, T, dX, dU).Ref
	b.PolWt = make([]float64, T)
	b.LambdaK, b.Lambdak = make([]float64, T*dU*dX), make([]float64, T*dU)
	got := lingauss.NewPolicy(T, dX, dU)
	if _, err := s.Backward(got, &b, 0.7); err != nil {
		t.Fatal(err)
	}
	for i := range want.K {
		// (C + ηG)/η vs C/η + ηG/η: equal up to rounding of one division.
		if math.Abs(got.K[i]-want.K[i]) > 1e-10*(1+math.Abs(want.K[i])) {
			t.Fatalf("K[%d] = %v, trajopt kind %v", i, got.K[i], want.K[i])
		}
	}
	// Stage scaling with G = H = 0.
	zero := zeroRef(T, dX, dU)
	plain := &trajopt.Problem{Dyn: pr.Dyn, Cost: pr.Cost, Ref: zero, Kind: trajopt.AgainstPolicy}
	if _, err := s.Backward(want, plain, 1); err != nil { // C̃ = C
		t.Fatal(err)
	}
	b = trajopt.Problem{Dyn: pr.Dyn, Cost: pr.Cost, Ref: zero, Lin: zero, Kind: trajopt.BADMM,
		PolWt: make([]float64, T), LambdaK: make([]float64, T*dU*dX), Lambdak: make([]float64, T*dU)}
	const eta = 0.5
	for tt := range b.PolWt {
		b.PolWt[tt] = 0.1 * float64(tt+1)
	}
	if _, err := s.Backward(got, &b, eta); err != nil {
		t.Fatal(err)
	}
	for tt := 0; tt < T; tt++ {
		sc := eta + b.PolWt[tt]
		for i := 0; i < dU*dX; i++ {
			if w := want.K[tt*dU*dX+i]; math.Abs(got.K[tt*dU*dX+i]-w) > 1e-10*(1+math.Abs(w)) {
				t.Fatalf("t=%d: K = %v, LQR %v", tt, got.K[tt*dU*dX:(tt+1)*dU*dX], want.K[tt*dU*dX:(tt+1)*dU*dX])
			}
		}
		for i := 0; i < dU*dU; i++ {
			if w := sc * want.Cov[tt*dU*dU+i]; math.Abs(got.Cov[tt*dU*dU+i]-w) > 1e-10*(1+math.Abs(w)) {
				t.Fatalf("t=%d: Σ = %v, want (η+w_t)·%v", tt, got.Cov[tt*dU*dU:(tt+1)*dU*dU], want.Cov[tt*dU*dU:(tt+1)*dU*dU])
			}
		}
	}
	// Multipliers: c̃_u = (c_u − λ_k)/(η+w) and C̃_ux = (C_ux − λ_K)/(η+w).
	for i := range b.Lambdak {
		b.Lambdak[i] = 0.3
	}
	for i := range b.LambdaK {
		b.LambdaK[i] = -0.2
	}
	aug := lingauss.NewQuadCost(T, dX, dU)
	s.AugmentedCost(aug, &b, eta)
	n := dX + dU
	for tt := 0; tt < T; tt++ {
		sc := eta + b.PolWt[tt]
		u, x := dX, 0
		if w := (pr.Cost.Cv[tt*n+u] - 0.3) / sc; math.Abs(aug.Cv[tt*n+u]-w) > 1e-14 {
			t.Errorf("t=%d: c̃_u = %v, want %v", tt, aug.Cv[tt*n+u], w)
		}
		if w := (pr.Cost.C[tt*n*n+u*n+x] + 0.2) / sc; math.Abs(aug.C[tt*n*n+u*n+x]-w) > 1e-14 || aug.C[tt*n*n+x*n+u] != aug.C[tt*n*n+u*n+x] {
			t.Errorf("t=%d: C̃_ux = %v, want %v (symmetric)", tt, aug.C[tt*n*n+u*n+x], w)
		}
	}
	b.PolWt[3] = -1
	if _, err := s.Search(&b, 1, 1); err == nil || !strings.Contains(err.Error(), "PolWt[3]") {
		t.Errorf("negative weight: err = %v", err)
	}
}
