package cost

import (
	"fmt"
	"math"
)

// Ramp selects the time profile of a state or end-effector weight (spec §3.1,
// the reference's get_ramp_multiplier). The zero value is RampConstant.
type Ramp int

const (
	RampConstant  Ramp = iota // m_t = 1 (the reference's option 1)
	RampLinear                // m_t = (t+1)/T (option 2)
	RampQuadratic             // m_t = ((t+1)/T)² (option 3)
	RampFinalOnly             // m_t = 0 except m_{T-1} = 1 (option 4)
)

// String returns the ramp's name.
func (r Ramp) String() string {
	switch r {
	case RampConstant:
		return "constant"
	case RampLinear:
		return "linear"
	case RampQuadratic:
		return "quadratic"
	case RampFinalOnly:
		return "final-only"
	}
	return fmt.Sprintf("Ramp(%d)", int(r))
}

// RampMultiplier writes the ramp multipliers m_0..m_{T-1} into dst (length T)
// and multiplies the last by finalMult (the reference's wp_final_multiplier):
//
//	m_t = 1 | (t+1)/T | ((t+1)/T)² | [t = T-1],   m_{T-1} ← finalMult·m_{T-1}.
func RampMultiplier(dst []float64, r Ramp, finalMult float64) {
	T := len(dst)
	for t := range dst {
		switch r {
		case RampConstant:
			dst[t] = 1
		case RampLinear:
			dst[t] = float64(t+1) / float64(T)
		case RampQuadratic:
			f := float64(t+1) / float64(T)
			dst[t] = f * f
		case RampFinalOnly:
			dst[t] = 0
			if t == T-1 {
				dst[t] = 1
			}
		default:
			panic(fmt.Sprintf("cost: unknown ramp %d", int(r)))
		}
	}
	if T > 0 {
		dst[T-1] *= finalMult
	}
}

// NormKind selects the penalty applied to a weighted distance (spec §3.2, §3.3).
type NormKind int

const (
	// L1L2 is the reference's evall1l2term: with s = α + Σ_i (w_i d_i)²,
	//	ℓ = ½ l2 Σ_i w_i d_i² + l1 √s.
	L1L2 NormKind = iota
	// LogL2 is the reference's evallogl2term, the default of its end-effector cost:
	//	ℓ = ½ l2 Σ_i w_i d_i² + ½ l1 log s.
	LogL2
)

// String returns the norm's name.
func (k NormKind) String() string {
	switch k {
	case L1L2:
		return "l1l2"
	case LogL2:
		return "logl2"
	}
	return fmt.Sprintf("NormKind(%d)", int(k))
}

// Norm is a penalty on a distance vector d with per-component weights w (spec
// §3.2–3.3). Note that the l2 part weights d_i² by w_i while the l1 part puts
// (w_i d_i)² under the root or logarithm, as the reference does.
type Norm struct {
	Kind   NormKind
	L1, L2 float64
	Alpha  float64 // α > 0 keeps √s and log s smooth at d = 0
	// Compat reproduces the reference's Hessian of the LogL2 norm (quirk Q9):
	// the outer-product term there is l1 (w²∘d)(w²∘d)ᵀ/s² instead of the exact
	// 2 l1 (w²∘d)(w²∘d)ᵀ/s². It has no effect on L1L2, whose Hessian is exact.
	Compat bool
}

// Eval returns ℓ(d) and writes the gradient g = ∂ℓ/∂d (length D) and the
// Hessian h = ∂²ℓ/∂d² (D×D, row-major) for weights w (spec §3.2–3.3):
//
//	L1L2:  g_i = l2 w_i d_i + l1 w_i² d_i/√s,
//	       h = l2 diag(w) + l1 (diag(w²)/√s − (w²∘d)(w²∘d)ᵀ/s^{3/2});
//	LogL2: g_i = l2 w_i d_i + l1 w_i² d_i/s,
//	       h = l2 diag(w) + l1 (diag(w²)/s − c (w²∘d)(w²∘d)ᵀ/s²),
//
// with c = 2 (exact) or c = 1 when Compat is set (quirk Q9).
func (n Norm) Eval(d, w, g, h []float64) float64 {
	D := len(d)
	if len(w) != D || len(g) != D || len(h) != D*D {
		panic(fmt.Sprintf("cost: Norm.Eval lengths d=%d w=%d g=%d h=%d", len(d), len(w), len(g), len(h)))
	}
	if n.L1 != 0 && !(n.Alpha > 0) {
		panic(fmt.Sprintf("cost: Norm.Alpha = %v with L1 = %v; want α > 0 (the root and the log are singular at d = 0)", n.Alpha, n.L1))
	}
	s := n.Alpha
	sq := 0.0
	for i, di := range d {
		wd := w[i] * di
		s += wd * wd
		sq += w[i] * di * di
	}
	var l, a, b float64 // g_i = l2 w_i d_i + a w_i² d_i; outer coefficient b
	switch n.Kind {
	case L1L2:
		rs := math.Sqrt(s)
		l = 0.5*n.L2*sq + n.L1*rs
		a = n.L1 / rs
		b = n.L1 / (rs * rs * rs)
	case LogL2:
		l = 0.5*n.L2*sq + 0.5*n.L1*math.Log(s)
		a = n.L1 / s
		b = n.L1 / (s * s)
		if !n.Compat {
			b *= 2
		}
	default:
		panic(fmt.Sprintf("cost: unknown norm kind %d", int(n.Kind)))
	}
	for i, di := range d {
		w2 := w[i] * w[i]
		g[i] = n.L2*w[i]*di + a*w2*di
		ci := w2 * di
		row := h[i*D : (i+1)*D]
		for j, dj := range d {
			row[j] = -b * ci * (w[j] * w[j] * dj)
		}
		row[i] += a*w2 + n.L2*w[i]
	}
	return l
}
