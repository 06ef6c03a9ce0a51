package cost

import "fmt"

// Input is one sample's trajectory, as plain row-major arrays indexed by time first
// (spec §2.1). A cost term reads only the fields it needs: state and action terms
// read X and U, end-effector terms read P and J.
type Input struct {
	T, DX, DU int
	// DP is the length of the end-effector point vector (3 per site); 0 when the
	// sample carries no end-effector data.
	DP int
	X  []float64 // T×DX states x_t
	U  []float64 // T×DU actions u_t
	P  []float64 // T×DP end-effector points p_t (world coordinates), or nil
	// J holds the Jacobians ∂p_t/∂x_t (T×DP×DX) at the same states. Columns that p
	// does not depend on (velocities, for instance) are zero. nil when DP = 0.
	J []float64
}

// Check panics (a programmer error) when the arrays do not match the dimensions.
func (in *Input) Check() {
	if in.T <= 0 || in.DX <= 0 || in.DU <= 0 || in.DP < 0 {
		panic(fmt.Sprintf("cost: bad input size T=%d DX=%d DU=%d DP=%d", in.T, in.DX, in.DU, in.DP))
	}
	if len(in.X) != in.T*in.DX || len(in.U) != in.T*in.DU {
		panic(fmt.Sprintf("cost: input X has %d, U has %d values; want %d and %d", len(in.X), len(in.U), in.T*in.DX, in.T*in.DU))
	}
	if in.DP > 0 && (len(in.P) != in.T*in.DP || len(in.J) != in.T*in.DP*in.DX) {
		panic(fmt.Sprintf("cost: input P has %d, J has %d values; want %d and %d", len(in.P), len(in.J), in.T*in.DP, in.T*in.DP*in.DX))
	}
}

// Derivs holds a cost evaluated along one sample and its first and second
// derivatives at the sample's own (x_t, u_t) (spec §3, the six arrays every
// reference cost returns):
//
//	L[t] = ℓ_t,  Lx = ∂ℓ_t/∂x,  Lu = ∂ℓ_t/∂u,
//	Lxx = ∂²ℓ_t/∂x², Luu = ∂²ℓ_t/∂u², Lux = ∂²ℓ_t/∂u∂x.
//
// Arrays are flat and row-major, time first: Lxx[t*DX*DX + i*DX + j].
type Derivs struct {
	T, DX, DU int
	L         []float64 // T
	Lx        []float64 // T×DX
	Lu        []float64 // T×DU
	Lxx       []float64 // T×DX×DX
	Luu       []float64 // T×DU×DU
	Lux       []float64 // T×DU×DX
}

// NewDerivs returns zeroed derivative arrays of the given size.
func NewDerivs(T, dX, dU int) *Derivs {
	if T <= 0 || dX <= 0 || dU <= 0 {
		panic(fmt.Sprintf("cost: bad derivative size T=%d DX=%d DU=%d", T, dX, dU))
	}
	return &Derivs{
		T: T, DX: dX, DU: dU,
		L:   make([]float64, T),
		Lx:  make([]float64, T*dX),
		Lu:  make([]float64, T*dU),
		Lxx: make([]float64, T*dX*dX),
		Luu: make([]float64, T*dU*dU),
		Lux: make([]float64, T*dU*dX),
	}
}

// Zero sets every entry of d to 0.
func (d *Derivs) Zero() {
	for _, s := range [][]float64{d.L, d.Lx, d.Lu, d.Lxx, d.Luu, d.Lux} {
		clear(s)
	}
}

func (d *Derivs) check(in *Input) {
	in.Check()
	if d.T != in.T || d.DX != in.DX || d.DU != in.DU ||
		len(d.L) != d.T || len(d.Lx) != d.T*d.DX || len(d.Lu) != d.T*d.DU ||
		len(d.Lxx) != d.T*d.DX*d.DX || len(d.Luu) != d.T*d.DU*d.DU || len(d.Lux) != d.T*d.DU*d.DX {
		panic(fmt.Sprintf("cost: derivative arrays (T=%d DX=%d DU=%d) do not match input (T=%d DX=%d DU=%d)",
			d.T, d.DX, d.DU, in.T, in.DX, in.DU))
	}
}

// Term is one cost term ℓ(x_t, u_t, t). AddTo adds w·ℓ and its derivatives,
// evaluated along in, to d (accumulating, so that sums need no scratch space).
// Implementations panic with prefix "cost: " when in does not carry what they
// need (for example an end-effector term on an input with DP = 0).
type Term interface {
	AddTo(d *Derivs, in *Input, w float64)
}

// Eval overwrites d with the cost c and its derivatives along in.
func Eval(d *Derivs, c Term, in *Input) {
	d.check(in)
	d.Zero()
	c.AddTo(d, in, 1)
}
