package cost

import "fmt"

// Expansion is the local quadratic cost model the C-step optimises (spec §1.2,
// §3.8): at step t, in absolute coordinates y = [x; u],
//
//	ℓ_t(y) ≈ Cc_t + Cv_tᵀ y + ½ yᵀ C_t y.
//
// The layout matches lingauss.QuadCost field by field, so the arrays can be
// shared: lingauss.QuadCost{T: e.T, DX: e.DX, DU: e.DU, C: e.C, Cv: e.Cv, Cc: e.Cc}.
type Expansion struct {
	T, DX, DU int
	C         []float64 // T×(DX+DU)×(DX+DU) Hessians C_t
	Cv        []float64 // T×(DX+DU) linear terms
	Cc        []float64 // T constants
}

// NewExpansion returns a zero expansion of the given size.
func NewExpansion(T, dX, dU int) *Expansion {
	if T <= 0 || dX <= 0 || dU <= 0 {
		panic(fmt.Sprintf("cost: bad expansion size T=%d DX=%d DU=%d", T, dX, dU))
	}
	n := dX + dU
	return &Expansion{T: T, DX: dX, DU: dU, C: make([]float64, T*n*n), Cv: make([]float64, T*n), Cc: make([]float64, T)}
}

// Expand overwrites e with the mean over samples of each sample's second-order
// Taylor expansion around its own ŷ_t = [x_t; u_t] (spec §3.8, the reference's
// Algorithm._eval_cost). Per sample, with c_t = [ℓx; ℓu] and
// C_t = [[ℓxx, ℓuxᵀ], [ℓux, ℓuu]],
//
//	C_t  = C_t,  Cv_t = c_t − C_tᵀ ŷ_t,  Cc_t = ℓ_t − c_tᵀ ŷ_t + ½ ŷ_tᵀ C_t ŷ_t,
//
// and e is their average over the samples. ins[n] and ds[n] are sample n's
// trajectory and its cost derivatives (from Eval).
func Expand(e *Expansion, ins []*Input, ds []*Derivs) {
	if len(ins) == 0 || len(ins) != len(ds) {
		panic(fmt.Sprintf("cost: Expand needs as many inputs (%d) as derivatives (%d), at least one", len(ins), len(ds)))
	}
	T, dX, dU := e.T, e.DX, e.DU
	n := dX + dU
	if len(e.C) != T*n*n || len(e.Cv) != T*n || len(e.Cc) != T {
		panic("cost: Expansion arrays do not match its size")
	}
	clear(e.C)
	clear(e.Cv)
	clear(e.Cc)
	y := make([]float64, n)
	c := make([]float64, n)
	cm := make([]float64, n*n)
	u := make([]float64, n)
	for s, in := range ins {
		d := ds[s]
		d.check(in)
		if in.T != T || in.DX != dX || in.DU != dU {
			panic(fmt.Sprintf("cost: sample %d has T=%d DX=%d DU=%d, expansion T=%d DX=%d DU=%d", s, in.T, in.DX, in.DU, T, dX, dU))
		}
		for t := range T {
			copy(y[:dX], in.X[t*dX:(t+1)*dX])
			copy(y[dX:], in.U[t*dU:(t+1)*dU])
			copy(c[:dX], d.Lx[t*dX:(t+1)*dX])
			copy(c[dX:], d.Lu[t*dU:(t+1)*dU])
			lxx := d.Lxx[t*dX*dX : (t+1)*dX*dX]
			luu := d.Luu[t*dU*dU : (t+1)*dU*dU]
			lux := d.Lux[t*dU*dX : (t+1)*dU*dX]
			for i := range dX {
				copy(cm[i*n:i*n+dX], lxx[i*dX:(i+1)*dX])
				for j := range dU {
					cm[i*n+dX+j] = lux[j*dX+i]
				}
			}
			for i := range dU {
				copy(cm[(dX+i)*n:(dX+i)*n+dX], lux[i*dX:(i+1)*dX])
				copy(cm[(dX+i)*n+dX:(dX+i+1)*n], luu[i*dU:(i+1)*dU])
			}
			// u = −Cᵀŷ (the reference sums C over its first index, in order).
			clear(u)
			for i, yi := range y {
				row := cm[i*n : (i+1)*n]
				for j, v := range row {
					u[j] -= v * yi
				}
			}
			cc := d.L[t]
			ect := e.C[t*n*n : (t+1)*n*n]
			ecv := e.Cv[t*n : (t+1)*n]
			for j := range n {
				cc += -y[j]*c[j] + 0.5*u[j]*(-y[j])
				ecv[j] += c[j] + u[j]
			}
			e.Cc[t] += cc
			for k, v := range cm {
				ect[k] += v
			}
		}
	}
	N := float64(len(ins))
	for _, a := range [][]float64{e.C, e.Cv, e.Cc} {
		for k := range a {
			a[k] /= N
		}
	}
}

// Value returns the model's cost Cc_t + Cv_tᵀy + ½ yᵀC_t y at y = [x; u].
func (e *Expansion) Value(t int, x, u []float64) float64 {
	dX, dU := e.DX, e.DU
	if len(x) != dX || len(u) != dU {
		panic("cost: Expansion.Value dimension mismatch")
	}
	n := dX + dU
	yi := func(i int) float64 {
		if i < dX {
			return x[i]
		}
		return u[i-dX]
	}
	v := e.Cc[t]
	for i := range n {
		v += e.Cv[t*n+i] * yi(i)
		s := 0.0
		for j := range n {
			s += e.C[t*n*n+i*n+j] * yi(j)
		}
		v += 0.5 * yi(i) * s
	}
	return v
}
