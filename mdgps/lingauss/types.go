package lingauss

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mirrorgps/mirrorgps/mdgps/internal/dense"
)

// Policy is a time-varying linear-Gaussian controller (spec §1.1)
//
//	p(u_t | x_t) = N(K_t x_t + k_t, Σ_t),   u_t = K_t x_t + k_t + R_tᵀ ξ,  ξ ~ N(0, I),
//
// with Σ_t = R_tᵀ R_t (R_t upper triangular, the reference's convention) and
// precision P_t = Σ_t⁻¹. All arrays are flat, row-major and indexed by time first:
// K[t*DU*DX + i*DX + j] = (K_t)_{ij}. Use the setters (SetCov, SetPrec) so that Cov,
// Chol and Prec stay consistent; the fields are exported so that a Policy
// serialises with encoding/gob and can be filled from files.
type Policy struct {
	T, DX, DU int
	K         []float64 // T×DU×DX gains K_t
	Bias      []float64 // T×DU offsets k_t
	Cov       []float64 // T×DU×DU action covariances Σ_t
	Chol      []float64 // T×DU×DU upper Cholesky factors R_t, Σ_t = R_tᵀR_t (lower triangle zero)
	Prec      []float64 // T×DU×DU precisions P_t = Σ_t⁻¹
}

// NewPolicy returns a zero policy of the given size (all arrays allocated, zero).
// The zero covariances are not valid; fill them with SetCov or SetPrec.
func NewPolicy(T, dX, dU int) *Policy {
	if T <= 0 || dX <= 0 || dU <= 0 {
		panic(fmt.Sprintf("lingauss: bad policy size T=%d dX=%d dU=%d", T, dX, dU))
	}
	return &Policy{
		T: T, DX: dX, DU: dU,
		K:    make([]float64, T*dU*dX),
		Bias: make([]float64, T*dU),
		Cov:  make([]float64, T*dU*dU),
		Chol: make([]float64, T*dU*dU),
		Prec: make([]float64, T*dU*dU),
	}
}

// Clone returns a deep copy of p.
func (p *Policy) Clone() *Policy {
	q := *p
	q.K = append([]float64(nil), p.K...)
	q.Bias = append([]float64(nil), p.Bias...)
	q.Cov = append([]float64(nil), p.Cov...)
	q.Chol = append([]float64(nil), p.Chol...)
	q.Prec = append([]float64(nil), p.Prec...)
	return &q
}

// Gain returns K_t as a DU×DX view (shares storage with p).
func (p *Policy) Gain(t int) *mat.Dense {
	n := p.DU * p.DX
	return mat.NewDense(p.DU, p.DX, p.K[t*n:(t+1)*n])
}

// Offset returns k_t as a view.
func (p *Policy) Offset(t int) *mat.VecDense {
	return mat.NewVecDense(p.DU, p.Bias[t*p.DU:(t+1)*p.DU])
}

// Covariance returns a copy of Σ_t.
func (p *Policy) Covariance(t int) *mat.SymDense {
	n := p.DU * p.DU
	return mat.NewSymDense(p.DU, append([]float64(nil), p.Cov[t*n:(t+1)*n]...))
}

// Precision returns a copy of P_t = Σ_t⁻¹.
func (p *Policy) Precision(t int) *mat.SymDense {
	n := p.DU * p.DU
	return mat.NewSymDense(p.DU, append([]float64(nil), p.Prec[t*n:(t+1)*n]...))
}

// Act computes u = K_t x + k_t + R_tᵀ ξ into u. noise may be nil (the mean action).
// obs is ignored (a linear-Gaussian controller acts on the state); it is accepted
// so that local controllers and the global policy share one interface.
func (p *Policy) Act(t int, x, obs, noise, u []float64) {
	dX, dU := p.DX, p.DU
	if len(x) != dX || len(u) != dU || (noise != nil && len(noise) != dU) {
		panic("lingauss: Act dimension mismatch")
	}
	// Plain loops: at these sizes (dU ≤ 7) a cgo call into OpenBLAS costs more
	// than the arithmetic, and rollouts call Act T times per sample.
	K := p.K[t*dU*dX : (t+1)*dU*dX]
	for i := 0; i < dU; i++ {
		s := p.Bias[t*dU+i]
		for j, xj := range x {
			s += K[i*dX+j] * xj
		}
		u[i] = s
	}
	if noise != nil {
		r := p.Chol[t*dU*dU : (t+1)*dU*dU]
		for i := 0; i < dU; i++ { // (Rᵀξ)_i = Σ_{j≤i} R_{ji} ξ_j
			s := 0.0
			for j := 0; j <= i; j++ {
				s += r[j*dU+i] * noise[j]
			}
			u[i] += s
		}
	}
}

// SetCov sets Σ_t = cov (dU×dU, row-major, symmetric) and derives R_t and P_t.
// It returns a *NotPDError when cov is not positive definite; p is then unchanged.
func (p *Policy) SetCov(t int, cov []float64) error {
	dU := p.DU
	if len(cov) != dU*dU {
		panic("lingauss: SetCov dimension mismatch")
	}
	n := dU * dU
	r := make([]float64, n)
	prec := make([]float64, n)
	if err := upperChol(r, cov, dU); err != nil {
		err.T = t
		return err
	}
	cholInverse(prec, r, dU)
	copy(p.Cov[t*n:(t+1)*n], cov)
	copy(p.Chol[t*n:(t+1)*n], r)
	copy(p.Prec[t*n:(t+1)*n], prec)
	return nil
}

// SetPrec sets P_t = prec and derives Σ_t = P_t⁻¹ (two triangular solves with the
// Cholesky factor of P_t, as the reference's backward pass does) and R_t = chol(Σ_t).
func (p *Policy) SetPrec(t int, prec []float64) error {
	dU := p.DU
	if len(prec) != dU*dU {
		panic("lingauss: SetPrec dimension mismatch")
	}
	n := dU * dU
	rp := make([]float64, n)
	cov := make([]float64, n)
	r := make([]float64, n)
	if err := upperChol(rp, prec, dU); err != nil {
		err.T = t
		return err
	}
	cholInverse(cov, rp, dU)
	if err := upperChol(r, cov, dU); err != nil {
		err.T = t
		return err
	}
	copy(p.Prec[t*n:(t+1)*n], prec)
	copy(p.Cov[t*n:(t+1)*n], cov)
	copy(p.Chol[t*n:(t+1)*n], r)
	return nil
}

// LogDetCov returns log det Σ_t = 2 Σ_i log R_t,ii.
func (p *Policy) LogDetCov(t int) float64 {
	return dense.LogDetChol(p.Chol[t*p.DU*p.DU:], p.DU)
}

// Check returns an error naming the first array and index holding NaN or Inf, or a
// size mismatch.
func (p *Policy) Check() error {
	if len(p.K) != p.T*p.DU*p.DX || len(p.Bias) != p.T*p.DU || len(p.Cov) != p.T*p.DU*p.DU ||
		len(p.Chol) != p.T*p.DU*p.DU || len(p.Prec) != p.T*p.DU*p.DU {
		return fmt.Errorf("lingauss: policy arrays do not match T=%d dX=%d dU=%d", p.T, p.DX, p.DU)
	}
	for _, a := range []struct {
		name string
		v    []float64
	}{{"K", p.K}, {"k", p.Bias}, {"Cov", p.Cov}, {"Chol", p.Chol}, {"Prec", p.Prec}} {
		if err := CheckFinite("policy."+a.name, a.v); err != nil {
			return err
		}
	}
	return nil
}

// Dynamics is a time-varying linear-Gaussian model of the system (spec §1.2)
//
//	x_{t+1} = F_t [x_t; u_t] + f_t + w_t,   w_t ~ N(0, Σ^dyn_t),   x_0 ~ N(X0Mu, X0Cov).
//
// F, f and Σ^dyn are stored for t = 0..T-1; the last step is never used (the
// reference leaves it zero).
type Dynamics struct {
	T, DX, DU int
	F         []float64 // T×DX×(DX+DU)
	Bias      []float64 // T×DX offsets f_t
	Cov       []float64 // T×DX×DX noise covariances Σ^dyn_t
	X0Mu      []float64 // DX
	X0Cov     []float64 // DX×DX
}

// NewDynamics returns zero dynamics of the given size.
func NewDynamics(T, dX, dU int) *Dynamics {
	if T <= 0 || dX <= 0 || dU <= 0 {
		panic(fmt.Sprintf("lingauss: bad dynamics size T=%d dX=%d dU=%d", T, dX, dU))
	}
	return &Dynamics{
		T: T, DX: dX, DU: dU,
		F:     make([]float64, T*dX*(dX+dU)),
		Bias:  make([]float64, T*dX),
		Cov:   make([]float64, T*dX*dX),
		X0Mu:  make([]float64, dX),
		X0Cov: make([]float64, dX*dX),
	}
}

// Check returns an error naming the first array and index holding NaN or Inf.
func (d *Dynamics) Check() error {
	n := d.DX + d.DU
	if len(d.F) != d.T*d.DX*n || len(d.Bias) != d.T*d.DX || len(d.Cov) != d.T*d.DX*d.DX ||
		len(d.X0Mu) != d.DX || len(d.X0Cov) != d.DX*d.DX {
		return fmt.Errorf("lingauss: dynamics arrays do not match T=%d dX=%d dU=%d", d.T, d.DX, d.DU)
	}
	for _, a := range []struct {
		name string
		v    []float64
	}{{"F", d.F}, {"f", d.Bias}, {"dyn_covar", d.Cov}, {"x0mu", d.X0Mu}, {"x0sigma", d.X0Cov}} {
		if err := CheckFinite("dynamics."+a.name, a.v); err != nil {
			return err
		}
	}
	return nil
}

// QuadCost is a local quadratic cost model (spec §1.2, §3.8): at step t,
//
//	ℓ_t(y) ≈ Cc_t + cv_tᵀ y + ½ yᵀ C_t y,   y = [x; u]   (absolute coordinates).
type QuadCost struct {
	T, DX, DU int
	C         []float64 // T×(DX+DU)×(DX+DU) Hessians C_t
	Cv        []float64 // T×(DX+DU) gradients c_t
	Cc        []float64 // T constants
}

// NewQuadCost returns a zero cost of the given size.
func NewQuadCost(T, dX, dU int) *QuadCost {
	n := dX + dU
	return &QuadCost{T: T, DX: dX, DU: dU, C: make([]float64, T*n*n), Cv: make([]float64, T*n), Cc: make([]float64, T)}
}

// Check returns an error naming the first array and index holding NaN or Inf.
func (c *QuadCost) Check() error {
	n := c.DX + c.DU
	if len(c.C) != c.T*n*n || len(c.Cv) != c.T*n || len(c.Cc) != c.T {
		return fmt.Errorf("lingauss: cost arrays do not match T=%d dX=%d dU=%d", c.T, c.DX, c.DU)
	}
	for _, a := range []struct {
		name string
		v    []float64
	}{{"Cm", c.C}, {"cv", c.Cv}, {"cc", c.Cc}} {
		if err := CheckFinite("cost."+a.name, a.v); err != nil {
			return err
		}
	}
	return nil
}

// Marginal holds the state-action marginals p(y_t) = N(Mu_t, Sigma_t), y = [x; u],
// of a policy under dynamics (spec §6.2).
type Marginal struct {
	T, DX, DU int
	Mu        []float64 // T×(DX+DU)
	Sigma     []float64 // T×(DX+DU)×(DX+DU)
}

// NewMarginal returns zero marginals of the given size.
func NewMarginal(T, dX, dU int) *Marginal {
	n := dX + dU
	return &Marginal{T: T, DX: dX, DU: dU, Mu: make([]float64, T*n), Sigma: make([]float64, T*n*n)}
}

// NonFiniteError reports a NaN or Inf in an input array.
type NonFiniteError struct {
	Array string
	Index int
	Value float64
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("lingauss: %s[%d] = %v is not finite", e.Array, e.Index, e.Value)
}

// CheckFinite returns a *NonFiniteError naming the first NaN or Inf in v.
func CheckFinite(name string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return &NonFiniteError{Array: name, Index: i, Value: x}
		}
	}
	return nil
}

// NotPDError reports a matrix that is not positive definite: the Cholesky
// factorisation failed at pivot Pivot (0-based) with value PivotValue ≤ 0.
type NotPDError struct {
	T          int // time step
	Pivot      int
	PivotValue float64
}

func (e *NotPDError) Error() string {
	return fmt.Sprintf("lingauss: matrix at t=%d not positive definite (pivot %d = %g)", e.T, e.Pivot, e.PivotValue)
}

// upperChol factors a into r (see dense.UpperChol), reporting failure as a *NotPDError.
func upperChol(r, a []float64, n int) *NotPDError {
	if piv, val, ok := dense.UpperChol(r, a, n); !ok {
		return &NotPDError{Pivot: piv, PivotValue: val}
	}
	return nil
}

func cholInverse(dst, r []float64, n int) { dense.CholInverse(dst, r, n) }
