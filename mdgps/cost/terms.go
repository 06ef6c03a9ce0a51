package cost

import "fmt"

// Action is the reference's CostAction (spec §3.4):
//
//	ℓ_t = ½ Σ_j wu_j u_{t,j}²,  ∂ℓ/∂u = wu∘u,  ∂²ℓ/∂u² = diag(wu).
type Action struct {
	Wu []float64 // per-action weights (length DU)
}

// AddTo adds w·ℓ and its derivatives to d.
func (c *Action) AddTo(d *Derivs, in *Input, w float64) {
	dU := in.DU
	if len(c.Wu) != dU {
		panic(fmt.Sprintf("cost: Action has %d weights, want DU=%d", len(c.Wu), dU))
	}
	for t := 0; t < in.T; t++ {
		u := in.U[t*dU : (t+1)*dU]
		l := 0.0
		for j, uj := range u {
			l += c.Wu[j] * uj * uj
			d.Lu[t*dU+j] += w * c.Wu[j] * uj
			d.Luu[t*dU*dU+j*dU+j] += w * c.Wu[j]
		}
		d.L[t] += w * 0.5 * l
	}
}

// State is the reference's CostState for one block of state components (spec
// §3.5): with d_t = x_t[Index] − Target and per-step weights w_t = Wp·m_t (m the
// ramp multipliers, the last times FinalMult), ℓ_t = Norm(d_t; w_t). The Jacobian
// of d with respect to the block is the identity, so the Hessian is exact.
//
// Quirk Q10 concerns configuration, not this type: the reference reads l1, l2,
// α, the ramp and the final multiplier only at the cost's top level, so the
// paper's obstacle cost is effectively ½‖x_pos − target‖² (see envs/obstacle).
type State struct {
	Index     []int     // state indices of the block (length D)
	Target    []float64 // target values (length D)
	Wp        []float64 // per-component weights (length D)
	Norm      Norm
	Ramp      Ramp
	FinalMult float64 // the reference's wp_final_multiplier; 1 leaves the last step alone
}

// NewState returns a State term on the given block with the reference's CostState
// defaults (spec §3.5): l1 = 0, l2 = 1, α = 1e-2, square-root norm, constant ramp,
// final multiplier 1. Slices are copied.
func NewState(index []int, target, wp []float64) *State {
	return &State{
		Index:     append([]int(nil), index...),
		Target:    append([]float64(nil), target...),
		Wp:        append([]float64(nil), wp...),
		Norm:      Norm{Kind: L1L2, L1: 0, L2: 1, Alpha: 1e-2},
		Ramp:      RampConstant,
		FinalMult: 1,
	}
}

// AddTo adds w·ℓ and its derivatives to d.
func (c *State) AddTo(d *Derivs, in *Input, w float64) {
	D, dX := len(c.Index), in.DX
	if len(c.Target) != D || len(c.Wp) != D || D == 0 {
		panic(fmt.Sprintf("cost: State has %d indices, %d targets, %d weights", D, len(c.Target), len(c.Wp)))
	}
	for _, i := range c.Index {
		if i < 0 || i >= dX {
			panic(fmt.Sprintf("cost: State index %d out of range [0, %d)", i, dX))
		}
	}
	wpm := make([]float64, in.T)
	RampMultiplier(wpm, c.Ramp, c.FinalMult)
	buf := make([]float64, 3*D+D*D)
	dist, wt, g, h := buf[:D], buf[D:2*D], buf[2*D:3*D], buf[3*D:]
	for t := 0; t < in.T; t++ {
		x := in.X[t*dX : (t+1)*dX]
		for i, k := range c.Index {
			dist[i] = x[k] - c.Target[i]
			wt[i] = c.Wp[i] * wpm[t]
		}
		d.L[t] += w * c.Norm.Eval(dist, wt, g, h)
		if wpm[t] == 0 { // zero weights: g = 0 and H = 0 exactly
			continue
		}
		lx := d.Lx[t*dX : (t+1)*dX]
		lxx := d.Lxx[t*dX*dX : (t+1)*dX*dX]
		for i, ki := range c.Index {
			lx[ki] += w * g[i]
			for j, kj := range c.Index {
				lxx[ki*dX+kj] += w * h[i*D+j]
			}
		}
	}
}

// FK is the reference's CostFK on end-effector points (spec §3.6): with
// d_t = p_t − Target (all sites concatenated) and w_t = Wp·m_t,
//
//	ℓ_t = Norm(d_t; w_t),  ∂ℓ/∂x = J_tᵀ g,  ∂²ℓ/∂x² ≈ J_tᵀ H J_t,
//
// where J_t = ∂p_t/∂x_t comes with the sample (Input.J) and the second-order
// term Σ_i g_i ∂²p_i/∂x² is dropped, as in the reference (Gauss–Newton). With J
// zero outside the joint-angle columns this is the reference's scatter into the
// JOINT_ANGLES block.
type FK struct {
	Target    []float64 // target points (length DP)
	Wp        []float64 // per-coordinate weights (length DP)
	Norm      Norm
	Ramp      Ramp
	FinalMult float64
}

// NewFK returns an FK term with the reference's CostFK defaults (spec §3.6, quirk
// Q11): l1 = 0, l2 = 1, α = 1e-5, the log norm, constant ramp, final multiplier 1.
// Slices are copied.
func NewFK(target, wp []float64) *FK {
	return &FK{
		Target:    append([]float64(nil), target...),
		Wp:        append([]float64(nil), wp...),
		Norm:      Norm{Kind: LogL2, L1: 0, L2: 1, Alpha: 1e-5},
		Ramp:      RampConstant,
		FinalMult: 1,
	}
}

// AddTo adds w·ℓ and its derivatives to d.
func (c *FK) AddTo(d *Derivs, in *Input, w float64) {
	D, dX := in.DP, in.DX
	if D == 0 || len(c.Target) != D || len(c.Wp) != D {
		panic(fmt.Sprintf("cost: FK has %d targets and %d weights for DP=%d end-effector coordinates", len(c.Target), len(c.Wp), D))
	}
	wpm := make([]float64, in.T)
	RampMultiplier(wpm, c.Ramp, c.FinalMult)
	buf := make([]float64, 3*D+D*D+D*dX)
	dist, wt, g, h, hj := buf[:D], buf[D:2*D], buf[2*D:3*D], buf[3*D:3*D+D*D], buf[3*D+D*D:]
	for t := 0; t < in.T; t++ {
		p := in.P[t*D : (t+1)*D]
		J := in.J[t*D*dX : (t+1)*D*dX]
		for i := range D {
			dist[i] = p[i] - c.Target[i]
			wt[i] = c.Wp[i] * wpm[t]
		}
		d.L[t] += w * c.Norm.Eval(dist, wt, g, h)
		if wpm[t] == 0 { // zero weights (e.g. a final-only ramp): g = 0 and H = 0 exactly
			continue
		}
		lx := d.Lx[t*dX : (t+1)*dX]
		lxx := d.Lxx[t*dX*dX : (t+1)*dX*dX]
		// lx += w Jᵀg; hj = H J; lxx += w Jᵀ(HJ).
		for i := range D {
			gi := w * g[i]
			Ji := J[i*dX : (i+1)*dX]
			for k, v := range Ji {
				lx[k] += gi * v
			}
			hji := hj[i*dX : (i+1)*dX]
			clear(hji)
			for m := range D {
				hm := h[i*D+m]
				if hm == 0 {
					continue
				}
				for k, v := range J[m*dX : (m+1)*dX] {
					hji[k] += hm * v
				}
			}
		}
		for i := range D {
			Ji := J[i*dX : (i+1)*dX]
			hji := hj[i*dX : (i+1)*dX]
			for k, jk := range Ji {
				if jk == 0 {
					continue
				}
				a := w * jk
				row := lxx[k*dX : (k+1)*dX]
				for l, v := range hji {
					row[l] += a * v
				}
			}
		}
	}
}

// Quadratic is a general quadratic cost on state and action (the linear task,
// envs/linear):
//
//	ℓ_t = x_tᵀ Q x_t + u_tᵀ R u_t,
//	∂ℓ/∂x = (Q + Qᵀ) x,  ∂ℓ/∂u = (R + Rᵀ) u,  ∂²ℓ/∂x² = Q + Qᵀ,  ∂²ℓ/∂u² = R + Rᵀ.
//
// Note there is no ½: for symmetric Q the Hessian is 2Q.
type Quadratic struct {
	Q []float64 // DX×DX, row-major
	R []float64 // DU×DU, row-major
}

// AddTo adds w·ℓ and its derivatives to d.
func (c *Quadratic) AddTo(d *Derivs, in *Input, w float64) {
	dX, dU := in.DX, in.DU
	if len(c.Q) != dX*dX || len(c.R) != dU*dU {
		panic(fmt.Sprintf("cost: Quadratic has %d Q and %d R entries, want %d and %d", len(c.Q), len(c.R), dX*dX, dU*dU))
	}
	for t := 0; t < in.T; t++ {
		d.L[t] += w * (quadAdd(d.Lx[t*dX:(t+1)*dX], d.Lxx[t*dX*dX:(t+1)*dX*dX], c.Q, in.X[t*dX:(t+1)*dX], w) +
			quadAdd(d.Lu[t*dU:(t+1)*dU], d.Luu[t*dU*dU:(t+1)*dU*dU], c.R, in.U[t*dU:(t+1)*dU], w))
	}
}

// quadAdd returns vᵀMv and adds w(M+Mᵀ)v to g and w(M+Mᵀ) to h.
func quadAdd(g, h, m, v []float64, w float64) float64 {
	n := len(v)
	q := 0.0
	for i := range n {
		for j := range n {
			mij := m[i*n+j]
			q += v[i] * mij * v[j]
			g[i] += w * mij * v[j]
			g[j] += w * mij * v[i]
			h[i*n+j] += w * mij
			h[j*n+i] += w * mij
		}
	}
	return q
}

// Sum is a weighted sum of terms (spec §3.7): ℓ = Σ_k Weights_k ℓ_k.
type Sum struct {
	Terms   []Term
	Weights []float64 // same length as Terms
}

// AddTo adds w·ℓ and its derivatives to d.
func (c *Sum) AddTo(d *Derivs, in *Input, w float64) {
	if len(c.Terms) != len(c.Weights) {
		panic(fmt.Sprintf("cost: Sum has %d terms and %d weights", len(c.Terms), len(c.Weights)))
	}
	for k, term := range c.Terms {
		term.AddTo(d, in, w*c.Weights[k])
	}
}

// Compile-time interface checks.
var (
	_ Term = (*Action)(nil)
	_ Term = (*State)(nil)
	_ Term = (*FK)(nil)
	_ Term = (*Quadratic)(nil)
	_ Term = (*Sum)(nil)
)
