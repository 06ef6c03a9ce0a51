package linear

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mirrorgps/mirrorgps/envs"
	_ "github.com/mirrorgps/mirrorgps/internal/blasimpl"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// gainPolicy is u_t = K_t x_t + δ_t.
type gainPolicy struct {
	K     []*mat.Dense
	delta []float64 // T×dU offsets, or nil
}

func (p gainPolicy) Act(t int, x, obs, noise, u []float64) {
	r, c := p.K[t].Dims()
	for i := range r {
		v := 0.0
		for j := range c {
			v += p.K[t].At(i, j) * x[j]
		}
		if p.delta != nil {
			v += p.delta[t*r+i]
		}
		u[i] = v
	}
}

func TestStepIsLinear(t *testing.T) {
	for _, env := range []*Env{DoubleIntegrator(), Perturbed(3)} {
		simI, _ := env.NewSim()
		s := simI.(*sim)
		rng := rand.New(rand.NewPCG(1, 1))
		x := mat.NewVecDense(4, []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()})
		u := mat.NewVecDense(2, []float64{rng.NormFloat64(), rng.NormFloat64()})
		copy(s.x, x.RawVector().Data)
		if err := s.Step(u.RawVector().Data); err != nil {
			t.Fatal(err)
		}
		var want, bu mat.VecDense
		want.MulVec(env.A(), x)
		bu.MulVec(env.B(), u)
		want.AddVec(&want, &bu)
		got := make([]float64, 4)
		s.Observe(got, make([]float64, 4), nil, nil)
		for i := range 4 {
			// 1e-14: a 6-term dot product of O(1) numbers.
			if math.Abs(got[i]-want.AtVec(i)) > 1e-14 {
				t.Fatalf("x' = %v, want %v", got, mat.Formatted(want.T()))
			}
		}
	}
}

// batchOptimum solves the same problem as one least-squares problem in the
// actions u_0..u_{T-2} (u_{T-1} = 0): x_t = A^t x0 + Σ_{s<t} A^{t-1-s} B u_s,
// minimise Σ x_tᵀQx_t + u_tᵀRu_t — an independent check of the Riccati recursion.
func batchOptimum(env *Env, x0 []float64) float64 {
	A, B, Q, R := env.A(), env.B(), env.Q(), env.R()
	T, dX, dU := env.T(), 4, 2
	n := (T - 1) * dU
	// x_t = Phi_t x0 + G_t u, G_t (dX×n).
	H := mat.NewSymDense(n, nil) // Σ G_tᵀ Q G_t + blockdiag(R)
	g := mat.NewVecDense(n, nil) // Σ G_tᵀ Q Phi_t x0
	c := 0.0                     // Σ x0ᵀ Phi_tᵀ Q Phi_t x0
	Phi := mat.NewDense(dX, dX, nil)
	for i := range dX {
		Phi.Set(i, i, 1)
	}
	G := mat.NewDense(dX, n, nil)
	xv := mat.NewVecDense(dX, x0)
	for t := range T {
		var px, qpx mat.VecDense
		px.MulVec(Phi, xv)
		qpx.MulVec(Q, &px)
		c += mat.Dot(&px, &qpx)
		var gtq mat.Dense
		gtq.Mul(G.T(), Q)
		var h mat.Dense
		h.Mul(&gtq, G)
		var gq mat.VecDense
		gq.MulVec(&gtq, &px)
		g.AddVec(g, &gq)
		for i := range n {
			for j := i; j < n; j++ {
				H.SetSym(i, j, H.At(i, j)+h.At(i, j))
			}
		}
		if t < T-1 {
			for i := range dU {
				for j := i; j < dU; j++ {
					H.SetSym(t*dU+i, t*dU+j, H.At(t*dU+i, t*dU+j)+R.At(i, j))
				}
			}
		}
		// Advance: Phi ← A Phi, G ← A G + B e_t.
		var nphi, ng mat.Dense
		nphi.Mul(A, Phi)
		ng.Mul(A, G)
		if t < T-1 {
			for i := range dX {
				for j := range dU {
					ng.Set(i, t*dU+j, ng.At(i, t*dU+j)+B.At(i, j))
				}
			}
		}
		Phi, G = &nphi, &ng
	}
	var chol mat.Cholesky
	if !chol.Factorize(H) {
		panic("batch Hessian not PD")
	}
	var u mat.VecDense
	if err := chol.SolveVecTo(&u, g); err != nil {
		panic(err)
	}
	// min = c − gᵀH⁻¹g.
	return c - mat.Dot(g, &u)
}

// TestOptimal: the Riccati solution's cost equals a rollout of its controller,
// equals the batch least-squares optimum, and random perturbations of the
// optimal actions cost more.
func TestOptimal(t *testing.T) {
	for _, c := range []struct {
		name string
		env  *Env
	}{{"double integrator", DoubleIntegrator()}, {"perturbed", Perturbed(7)}} {
		env := c.env
		gains, _ := env.Optimal()
		sim, _ := env.NewSim()
		s := envs.NewSample(env)
		for cond := range env.Conditions() {
			want, err := env.OptimalCost(cond)
			if err != nil {
				t.Fatal(err)
			}
			if err := envs.Rollout(sim, gainPolicy{K: gains}, cond, nil, s); err != nil {
				t.Fatal(err)
			}
			got := env.Evaluate(s).Value
			// 1e-10 relative: 100 steps of a contracting closed loop; the two
			// computations differ only in rounding.
			if math.Abs(got-want) > 1e-10*want {
				t.Errorf("%s cond %d: rollout cost %.15g, x0ᵀV0x0 %.15g", c.name, cond, got, want)
			}
			x0, _ := env.X0(cond)
			batch := batchOptimum(env, x0)
			// 1e-8 relative: the batch normal equations (198 unknowns) are solved
			// with condition number ~1e4–1e6, losing that many digits.
			if math.Abs(batch-want) > 1e-8*want {
				t.Errorf("%s cond %d: batch optimum %.15g, Riccati %.15g", c.name, cond, batch, want)
			}
			rng := rand.New(rand.NewPCG(uint64(cond), 9))
			for range 3 {
				delta := make([]float64, env.T()*2)
				for i := range delta {
					delta[i] = 0.01 * rng.NormFloat64()
				}
				envs.Rollout(sim, gainPolicy{K: gains, delta: delta}, cond, nil, s)
				if worse := env.Evaluate(s).Value; worse <= want {
					t.Errorf("%s cond %d: perturbed actions cost %.15g ≤ optimum %.15g", c.name, cond, worse, want)
				}
			}
		}
	}
}

// TestInitLQRApplies: the double integrator is exactly init_lqr's guessed
// model with unit gains (spec §8.1), so the init controller holds x0.
func TestInitLQRApplies(t *testing.T) {
	env := DoubleIntegrator()
	dt := env.Dt()
	wantA := []float64{1, 0, dt, 0, 0, 1, 0, dt, 0, 0, 1, 0, 0, 0, 0, 1}
	wantB := []float64{dt * dt, 0, 0, dt * dt, dt, 0, 0, dt}
	if !mat.Equal(env.A(), mat.NewDense(4, 4, wantA)) || !mat.Equal(env.B(), mat.NewDense(4, 2, wantB)) {
		t.Fatal("double integrator differs from init_lqr's guessed dynamics")
	}
	sim, _ := env.NewSim()
	s := envs.NewSample(env)
	for cond := range env.Conditions() {
		x0, _ := env.X0(cond)
		pol, err := lingauss.InitLQR(lingauss.DefaultInitLQR(env.T(), 4, 2, dt, x0))
		if err != nil {
			t.Fatal(err)
		}
		if err := envs.Rollout(sim, pol, cond, nil, s); err != nil {
			t.Fatal(err)
		}
		for tt := range s.T {
			for i, v := range s.State(tt) {
				// 1e-12: K x0 + k cancels to rounding only.
				if math.Abs(v-x0[i]) > 1e-12 {
					t.Fatalf("cond %d t=%d: x=%v, want x0=%v", cond, tt, s.State(tt), x0)
				}
			}
		}
	}
}

func TestPerturbed(t *testing.T) {
	a, b, c := Perturbed(1), Perturbed(1), Perturbed(2)
	if !mat.Equal(a.A(), b.A()) || !mat.Equal(a.B(), b.B()) {
		t.Error("same seed, different systems")
	}
	if mat.Equal(a.A(), c.A()) {
		t.Error("different seeds, same A")
	}
	for seed := range uint64(20) {
		e := Perturbed(seed)
		// 1e-9: the eigenvalues of the rescaled matrix are recomputed.
		if rho := SpectralRadius(e.A()); rho > 0.999+1e-9 {
			t.Errorf("seed %d: spectral radius %v > 0.999", seed, rho)
		}
		var d mat.Dense
		d.Sub(e.A(), DoubleIntegrator().A())
		// The perturbation is small (0.05·N(0,1) entries plus ≤ a few % rescaling).
		if n := mat.Norm(&d, math.Inf(1)); n == 0 || n > 1 {
			t.Errorf("seed %d: ‖A' − A‖∞ = %v", seed, n)
		}
	}
}

func TestErrors(t *testing.T) {
	mod := func(f func(*Spec)) Spec { s := DoubleIntegratorSpec(); f(&s); return s }
	cases := []struct {
		name string
		spec Spec
		want string
	}{
		{"nil A", mod(func(s *Spec) { s.A = nil }), "required"},
		{"A not square", mod(func(s *Spec) { s.A = mat.NewDense(4, 3, nil) }), "Spec.A"},
		{"B rows", mod(func(s *Spec) { s.B = mat.NewDense(3, 2, nil) }), "Spec.B"},
		{"Q size", mod(func(s *Spec) { s.Q = mat.NewSymDense(3, nil) }), "Spec.Q"},
		{"Q indefinite", mod(func(s *Spec) { s.Q = mat.NewSymDense(4, []float64{1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}) }), "semi-definite"},
		{"R singular", mod(func(s *Spec) { s.R = mat.NewSymDense(2, nil) }), "Spec.R must be positive definite"},
		{"T", mod(func(s *Spec) { s.T = 1 }), "Spec.T"},
		{"Dt", mod(func(s *Spec) { s.Dt = 0 }), "Spec.Dt"},
		{"no X0", mod(func(s *Spec) { s.X0 = nil }), "Spec.X0"},
		{"X0 length", mod(func(s *Spec) { s.X0 = [][]float64{{1, 2}} }), "Spec.X0[0]"},
		{"X0 NaN", mod(func(s *Spec) { s.X0 = [][]float64{{1, math.NaN(), 0, 0}} }), "Spec.X0[0]"},
		{"A Inf", mod(func(s *Spec) {
			a := mat.DenseCopyOf(s.A)
			a.Set(1, 2, math.Inf(1))
			s.A = a
		}), "Spec.A[1,2]"},
	}
	for _, c := range cases {
		if _, err := New(c.spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want mention of %q", c.name, err, c.want)
		}
	}
	env := DoubleIntegrator()
	sim, _ := env.NewSim()
	var ce *envs.ConditionError
	if err := sim.Reset(4); !errors.As(err, &ce) {
		t.Errorf("Reset(4): %v", err)
	}
	if _, err := env.OptimalCost(-1); !errors.As(err, &ce) {
		t.Errorf("OptimalCost(-1): %v", err)
	}
	var ae *envs.ActionError
	sim.Reset(0)
	for _, u := range [][]float64{{1}, {1, 2, 3}, {math.NaN(), 1}} {
		if err := sim.Step(u); !errors.As(err, &ae) {
			t.Errorf("Step(%v): %v", u, err)
		}
	}
	x := make([]float64, 4)
	sim.Observe(x, make([]float64, 4), nil, nil)
	if x[0] != 1 || x[1] != 0 {
		t.Errorf("refused actions moved the state to %v", x)
	}
}
