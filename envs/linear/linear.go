package linear

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/mdgps/cost"
)

// Spec describes a linear-quadratic task:
//
//	x_{t+1} = A x_t + B u_t,   ℓ_t = x_tᵀ Q x_t + u_tᵀ R u_t,   t = 0..T-1,
//
// with one deterministic initial state per condition. As in every task (spec
// §2.2), u_{T-1} is costed but not executed.
type Spec struct {
	A, B *mat.Dense    // dX×dX and dX×dU
	Q, R *mat.SymDense // dX×dX positive semi-definite, dU×dU positive definite
	X0   [][]float64   // initial states, one per condition (each of length dX)
	T    int           // horizon, ≥ 2
	Dt   float64       // control period in seconds (> 0); it only labels time
}

// Env is a linear-quadratic task (package doc). It is immutable and safe for
// concurrent use.
type Env struct {
	dX, dU int
	a, b   []float64 // row-major copies
	q, r   []float64
	x0     [][]float64
	t      int
	dt     float64
	cost   *cost.Quadratic
}

// New validates s and returns its task. Errors name the field and the rule.
func New(s Spec) (*Env, error) {
	if s.A == nil || s.B == nil || s.Q == nil || s.R == nil {
		return nil, fmt.Errorf("linear: Spec.A, B, Q and R are all required")
	}
	dX, c := s.A.Dims()
	if dX == 0 || c != dX {
		return nil, fmt.Errorf("linear: Spec.A is %d×%d, want square and non-empty", dX, c)
	}
	br, dU := s.B.Dims()
	if br != dX || dU == 0 {
		return nil, fmt.Errorf("linear: Spec.B is %d×%d, want %d×dU with dU ≥ 1", br, dU, dX)
	}
	if s.Q.SymmetricDim() != dX || s.R.SymmetricDim() != dU {
		return nil, fmt.Errorf("linear: Spec.Q is %d×%d and Spec.R %d×%d, want %d×%d and %d×%d",
			s.Q.SymmetricDim(), s.Q.SymmetricDim(), s.R.SymmetricDim(), s.R.SymmetricDim(), dX, dX, dU, dU)
	}
	if s.T < 2 {
		return nil, fmt.Errorf("linear: Spec.T = %d, want ≥ 2", s.T)
	}
	if !(s.Dt > 0) || math.IsInf(s.Dt, 0) {
		return nil, fmt.Errorf("linear: Spec.Dt = %v, want a finite value > 0", s.Dt)
	}
	if len(s.X0) == 0 {
		return nil, fmt.Errorf("linear: Spec.X0 is empty, want at least one initial state")
	}
	for i, x := range s.X0 {
		if len(x) != dX {
			return nil, fmt.Errorf("linear: Spec.X0[%d] has length %d, want %d", i, len(x), dX)
		}
		for _, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("linear: Spec.X0[%d] holds %v, want finite values", i, v)
			}
		}
	}
	for _, m := range []struct {
		name string
		m    mat.Matrix
	}{{"A", s.A}, {"B", s.B}, {"Q", s.Q}, {"R", s.R}} {
		r, c := m.m.Dims()
		for i := range r {
			for j := range c {
				if v := m.m.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("linear: Spec.%s[%d,%d] = %v, want finite", m.name, i, j, v)
				}
			}
		}
	}
	var eq mat.EigenSym
	if !eq.Factorize(s.Q, false) || eq.Values(nil)[0] < -1e-12*max(1, mat.Norm(s.Q, math.Inf(1))) {
		return nil, fmt.Errorf("linear: Spec.Q must be positive semi-definite")
	}
	var chol mat.Cholesky
	if !chol.Factorize(s.R) {
		return nil, fmt.Errorf("linear: Spec.R must be positive definite")
	}
	e := &Env{dX: dX, dU: dU, t: s.T, dt: s.Dt,
		a: flat(s.A), b: flat(s.B), q: flat(s.Q), r: flat(s.R)}
	for _, x := range s.X0 {
		e.x0 = append(e.x0, append([]float64(nil), x...))
	}
	e.cost = &cost.Quadratic{Q: e.q, R: e.r}
	return e, nil
}

func flat(m mat.Matrix) []float64 {
	r, c := m.Dims()
	out := make([]float64, r*c)
	for i := range r {
		for j := range c {
			out[i*c+j] = m.At(i, j)
		}
	}
	return out
}

// DoubleIntegratorSpec returns the 2-D double integrator of unit mass with
// semi-implicit Euler at dt = 0.05, x = [p_x, p_y, v_x, v_y], u = force:
//
//	A = [[I, dt I], [0, I]],  B = [[dt² I], [dt I]],
//
// exactly the dynamics init_lqr guesses (spec §8.1 with unit gains), with
// Q = diag(1, 1, 0.1, 0.1), R = 0.01 I, T = 100 and four conditions starting at
// rest at (±1, 0) and (0, ±1). These choices are ours (the paper has no linear
// task): the optimal controller brings the mass to the origin in about 1 s
// with actions of order 1–10, commensurate with init_lqr's unit noise.
func DoubleIntegratorSpec() Spec {
	dt := 0.05 // a variable, so dt² is the float64 product init_lqr computes
	A := mat.NewDense(4, 4, []float64{
		1, 0, dt, 0,
		0, 1, 0, dt,
		0, 0, 1, 0,
		0, 0, 0, 1,
	})
	B := mat.NewDense(4, 2, []float64{
		dt * dt, 0,
		0, dt * dt,
		dt, 0,
		0, dt,
	})
	return Spec{
		A: A, B: B,
		Q:  mat.NewSymDense(4, []float64{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0.1, 0, 0, 0, 0, 0.1}),
		R:  mat.NewSymDense(2, []float64{0.01, 0, 0, 0.01}),
		X0: [][]float64{{1, 0, 0, 0}, {0, 1, 0, 0}, {-1, 0, 0, 0}, {0, -1, 0, 0}},
		T:  100,
		Dt: dt,
	}
}

// DoubleIntegrator returns the task of DoubleIntegratorSpec.
func DoubleIntegrator() *Env {
	e, err := New(DoubleIntegratorSpec())
	if err != nil {
		panic(err) // the spec is fixed and valid
	}
	return e
}

// PerturbedSpec returns DoubleIntegratorSpec with seeded random perturbations
// of the dynamics, so that init_lqr's guessed model is only approximately right:
//
//	A' = A + 0.05·G_A,  B' = B + 0.05·dt·G_B  (G entries i.i.d. N(0, 1), from
//	a PCG seeded with (seed, 0x6c696e)),
//
// then, if the spectral radius ρ(A') exceeds 0.999, A' ← (0.999/ρ) A', so the
// uncontrolled system is stable. The layout stays [positions; velocities].
func PerturbedSpec(seed uint64) Spec {
	s := DoubleIntegratorSpec()
	rng := rand.New(rand.NewPCG(seed, 0x6c696e))
	const scale = 0.05
	var A, B mat.Dense
	A.CloneFrom(s.A)
	B.CloneFrom(s.B)
	for i := range 4 {
		for j := range 4 {
			A.Set(i, j, A.At(i, j)+scale*rng.NormFloat64())
		}
	}
	for i := range 4 {
		for j := range 2 {
			B.Set(i, j, B.At(i, j)+scale*s.Dt*rng.NormFloat64())
		}
	}
	if rho := SpectralRadius(&A); rho > 0.999 {
		A.Scale(0.999/rho, &A)
	}
	s.A, s.B = &A, &B
	return s
}

// Perturbed returns the task of PerturbedSpec(seed).
func Perturbed(seed uint64) *Env {
	e, err := New(PerturbedSpec(seed))
	if err != nil {
		panic(err) // A and B are finite, Q and R unchanged
	}
	return e
}

// SpectralRadius returns max |λ_i(A)| of a square matrix.
func SpectralRadius(a mat.Matrix) float64 {
	var eig mat.Eigen
	if !eig.Factorize(a, mat.EigenNone) {
		panic("linear: eigen-decomposition failed")
	}
	rho := 0.0
	for _, v := range eig.Values(nil) {
		rho = max(rho, math.Hypot(real(v), imag(v)))
	}
	return rho
}

// A returns a copy of the state matrix.
func (e *Env) A() *mat.Dense { return mat.NewDense(e.dX, e.dX, append([]float64(nil), e.a...)) }

// B returns a copy of the input matrix.
func (e *Env) B() *mat.Dense { return mat.NewDense(e.dX, e.dU, append([]float64(nil), e.b...)) }

// Q returns a copy of the state cost matrix (ℓ = xᵀQx + uᵀRu, no ½).
func (e *Env) Q() *mat.SymDense { return mat.NewSymDense(e.dX, append([]float64(nil), e.q...)) }

// R returns a copy of the action cost matrix.
func (e *Env) R() *mat.SymDense { return mat.NewSymDense(e.dU, append([]float64(nil), e.r...)) }

func (e *Env) Name() string { return "linear" }

// Dims: the observation is the full state; there are no end-effector points.
func (e *Env) Dims() envs.Dims { return envs.Dims{X: e.dX, U: e.dU, O: e.dX} }

func (e *Env) Conditions() int { return len(e.x0) }
func (e *Env) T() int          { return e.t }
func (e *Env) Dt() float64     { return e.dt }

// Substeps is 1: one step of the linear map per control step.
func (e *Env) Substeps() int { return 1 }

// X0 returns a copy of condition cond's initial state.
func (e *Env) X0(cond int) ([]float64, error) {
	if err := envs.CheckCondition(cond, len(e.x0)); err != nil {
		return nil, err
	}
	return append([]float64(nil), e.x0[cond]...), nil
}

// Cost returns the quadratic cost xᵀQx + uᵀRu (the same for every condition).
func (e *Env) Cost(cond int) cost.Term {
	if cond < 0 || cond >= len(e.x0) {
		panic(fmt.Sprintf("linear: Cost of condition %d, have %d", cond, len(e.x0)))
	}
	return e.cost
}

// Evaluate returns the rollout's total cost Σ_{t=0}^{T-1} (x_tᵀQx_t + u_tᵀRu_t),
// to compare with the Riccati optimum (Optimal). No success is defined.
func (e *Env) Evaluate(s *envs.Sample) envs.Metric {
	d := cost.NewDerivs(s.T, e.dX, e.dU)
	cost.Eval(d, e.cost, s.CostInput())
	total := 0.0
	for _, l := range d.L {
		total += l
	}
	return envs.Metric{Value: total}
}

// Optimal solves the finite-horizon problem by the Riccati recursion: since
// u_{T-1} is costed but not executed, its optimum is 0 and V_{T-1} = Q; for
// t < T-1,
//
//	K_t = −(R + BᵀV_{t+1}B)⁻¹ BᵀV_{t+1}A,
//	V_t = Q + AᵀV_{t+1}A + AᵀV_{t+1}B K_t,
//
// with optimal actions u_t = K_t x_t (K_{T-1} = 0) and optimal total cost
// x_0ᵀV_0x_0 from any x_0. It returns the gains (T of them, dU×dX) and V_0.
func (e *Env) Optimal() (gains []*mat.Dense, v0 *mat.SymDense) {
	A, B, Q, R := e.A(), e.B(), e.Q(), e.R()
	gains = make([]*mat.Dense, e.t)
	gains[e.t-1] = mat.NewDense(e.dU, e.dX, nil)
	V := mat.NewSymDense(e.dX, nil)
	V.CopySym(Q)
	var VA, VB, BtVB, BtVA, AtVA, AtVB mat.Dense
	for t := e.t - 2; t >= 0; t-- {
		VA.Mul(V, A)
		VB.Mul(V, B)
		BtVB.Mul(B.T(), &VB)
		BtVB.Add(&BtVB, R)
		BtVA.Mul(B.T(), &VA)
		var K mat.Dense
		if err := K.Solve(&BtVB, &BtVA); err != nil {
			panic(fmt.Sprintf("linear: Riccati solve at t=%d: %v", t, err)) // R ≻ 0 makes it PD
		}
		K.Scale(-1, &K)
		gains[t] = &K
		AtVA.Mul(A.T(), &VA)
		AtVB.Mul(A.T(), &VB)
		var next mat.Dense
		next.Mul(&AtVB, &K)
		next.Add(&next, &AtVA)
		next.Add(&next, Q)
		nv := mat.NewSymDense(e.dX, nil)
		for i := range e.dX {
			for j := i; j < e.dX; j++ {
				nv.SetSym(i, j, 0.5*(next.At(i, j)+next.At(j, i)))
			}
		}
		V = nv
	}
	return gains, V
}

// OptimalCost returns the minimal total cost x_0ᵀV_0x_0 of condition cond.
func (e *Env) OptimalCost(cond int) (float64, error) {
	x0, err := e.X0(cond)
	if err != nil {
		return 0, err
	}
	_, v0 := e.Optimal()
	x := mat.NewVecDense(e.dX, x0)
	return mat.Inner(x, v0, x), nil
}

// NewSim returns a new simulator (it never fails).
func (e *Env) NewSim() (envs.Sim, error) {
	return &sim{env: e, x: make([]float64, e.dX), tmp: make([]float64, e.dX)}, nil
}

type sim struct {
	env    *Env
	x, tmp []float64
	closed bool
}

func (s *sim) Reset(cond int) error {
	s.mustOpen()
	if err := envs.CheckCondition(cond, len(s.env.x0)); err != nil {
		return err
	}
	copy(s.x, s.env.x0[cond])
	return nil
}

// Step sets x ← A x + B u (no actuator limits).
func (s *sim) Step(u []float64) error {
	s.mustOpen()
	if err := envs.CheckAction(u, s.env.dU); err != nil {
		return err
	}
	dX, dU := s.env.dX, s.env.dU
	for i := range dX {
		v := 0.0
		for j, xj := range s.x {
			v += s.env.a[i*dX+j] * xj
		}
		for j, uj := range u {
			v += s.env.b[i*dU+j] * uj
		}
		s.tmp[i] = v
	}
	s.x, s.tmp = s.tmp, s.x
	return nil
}

func (s *sim) Observe(x, o, p, jac []float64) {
	s.mustOpen()
	copy(x, s.x)
	copy(o, s.x)
}

func (s *sim) Close() { s.closed = true }

func (s *sim) mustOpen() {
	if s.closed {
		panic("linear: use of a closed Sim")
	}
}

var _ envs.Env = (*Env)(nil)
