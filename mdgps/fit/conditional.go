package fit

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Conditional is a linear-Gaussian conditional distribution
//
//	y_out | y_in ~ N(A y_in + B, S),
//
// with A Dout×Din, B Dout, S Dout×Dout, all row-major.
type Conditional struct {
	Din, Dout int
	A, B, S   []float64
}

// FitConditional fits a Gaussian to the n rows of Y (n×D, D = din + dout, equal
// weights 1/n) under the normal-inverse-Wishart prior (nil: none) and returns the
// conditional of the last dout coordinates given the first din (spec §4.3, the
// reference's gauss_fit_joint_prior; with prior nil its DynamicsLR fit, §4.7):
//
//	μ̂ = (1/n) Σ_i y_i,   Ê = sym((1/n) Σ_i (y_i − μ̂)(y_i − μ̂)ᵀ),
//	Σ = sym( (n Ê + Φ + n m/(n+m) (μ̂ − μ0)(μ̂ − μ0)ᵀ) / (n + n0) )   (Σ = Ê without prior),
//	Σ_ii += reg·I     (Compat: reg added to every entry of the block, quirk Q1),
//	A = Σ_oi Σ_ii⁻¹,  B = μ̂_o − A μ̂_i,  S = Σ_oo − A Σ_ii Aᵀ.
//
// S is computed as Σ_oo − WᵀW with W = L⁻¹Σ_io, Σ_ii = L Lᵀ (the same matrix,
// exactly symmetric; the reference forms A Σ_ii Aᵀ and symmetrises).
//
// The mean is the empirical one; the prior enters through the covariance only.
// It returns a *NotPDError when Σ_ii is numerically not positive definite (e.g.
// fewer samples than dimensions, no prior and reg = 0, or Compat's rank-one reg).
func FitConditional(Y []float64, n, din int, prior *NIW, reg float64, compat bool) (*Conditional, error) {
	if n <= 0 || din <= 0 || len(Y)%n != 0 || len(Y)/n <= din {
		panic(fmt.Sprintf("fit: FitConditional with len(Y)=%d, n=%d, din=%d", len(Y), n, din))
	}
	D := len(Y) / n
	c := &Conditional{Din: din, Dout: D - din, A: make([]float64, (D-din)*din), B: make([]float64, D-din), S: make([]float64, (D-din)*(D-din))}
	var w condWork
	if err := w.fit(c.A, c.B, c.S, Y, n, D, din, prior, reg, compat, -1); err != nil {
		return nil, err
	}
	return c, nil
}

// condWork holds the scratch space of one conditional fit, reused across steps.
type condWork struct {
	mu, diff, sigma, sii, sio []float64
	// unbiasedPinv: Ê divides by n−1 and A comes from the pseudo-inverse of
	// Σ_ii (DynamicsConfig.UnbiasedPinv, the submission era; era_pinv.go).
	unbiasedPinv bool
}

// small is gonum's pure-Go BLAS, used for the small per-step matrices whatever
// blas64 is switched to: a cgo call into OpenBLAS costs more than these take.
var small gonum.Implementation

func (w *condWork) fit(A, B, S, Y []float64, n, D, din int, prior *NIW, reg float64, compat bool, step int) error {
	dout := D - din
	w.mu = grow(w.mu, D)
	w.diff = grow(w.diff, n*D)
	w.sigma = grow(w.sigma, D*D)
	mu, diff, sigma := w.mu, w.diff, w.sigma
	wt := 1 / float64(n)
	for j := range mu {
		mu[j] = 0
	}
	for i := 0; i < n; i++ {
		yi := Y[i*D : (i+1)*D]
		for j, v := range yi {
			mu[j] += v * wt
		}
	}
	for i := 0; i < n; i++ {
		yi, di := Y[i*D:(i+1)*D], diff[i*D:(i+1)*D]
		for j, v := range yi {
			di[j] = v - mu[j]
		}
	}
	// Upper triangle of Ê = diffᵀ diff / n (/(n−1) for the submission era).
	ewt := wt
	if w.unbiasedPinv {
		ewt = 1 / float64(n-1)
	}
	small.Dsyrk(blas.Upper, blas.Trans, D, n, ewt, diff, D, 0, sigma, D)
	if prior != nil {
		if len(prior.Mu0) != D || len(prior.Phi) != D*D {
			panic(fmt.Sprintf("fit: prior of size %d/%d for D=%d", len(prior.Mu0), len(prior.Phi), D))
		}
		// Upper triangle of sym(Σ); Φ may be asymmetric in the last bits (Compat
		// moments), so its symmetric part is taken here, which is where the
		// reference's sym() lands.
		N := float64(n)
		cm := N * prior.M / (N + prior.M)
		den := N + prior.N0
		phi := prior.Phi
		for i := 0; i < D; i++ {
			di := mu[i] - prior.Mu0[i]
			for j := i; j < D; j++ {
				dj := mu[j] - prior.Mu0[j]
				sigma[i*D+j] = (N*sigma[i*D+j] + 0.5*(phi[i*D+j]+phi[j*D+i]) + cm*di*dj) / den
			}
		}
	}
	for i := 0; i < din; i++ {
		if compat {
			for j := i; j < din; j++ {
				sigma[i*D+j] += reg
			}
		} else {
			sigma[i*D+i] += reg
		}
	}
	mirrorUpper(sigma, D)
	if w.unbiasedPinv {
		return w.pinvConditional(A, B, S, D, din, step)
	}
	// Σ_ii = L Lᵀ; W = L⁻¹ Σ_io; S = Σ_oo − WᵀW; Aᵀ = L⁻ᵀ W = Σ_ii⁻¹ Σ_io.
	w.sii = grow(w.sii, din*din)
	w.sio = grow(w.sio, din*dout)
	sii, sio := w.sii, w.sio
	for i := 0; i < din; i++ {
		copy(sii[i*din:(i+1)*din], sigma[i*D:i*D+din])
		copy(sio[i*dout:(i+1)*dout], sigma[i*D+din:(i+1)*D])
	}
	if ok, p, v := cholLower(sii, din); !ok {
		return &NotPDError{Matrix: "joint covariance input block at step", Index: step, Pivot: p, PivotValue: v}
	}
	small.Dtrsm(blas.Left, blas.Lower, blas.NoTrans, blas.NonUnit, din, dout, 1, sii, din, sio, dout)
	for i := 0; i < dout; i++ {
		copy(S[i*dout:(i+1)*dout], sigma[(din+i)*D+din:(din+i+1)*D])
	}
	small.Dsyrk(blas.Upper, blas.Trans, dout, din, -1, sio, dout, 1, S, dout)
	mirrorUpper(S, dout)
	small.Dtrsm(blas.Left, blas.Lower, blas.Trans, blas.NonUnit, din, dout, 1, sii, din, sio, dout)
	for i := 0; i < dout; i++ {
		ai := A[i*din : (i+1)*din]
		for j := range ai {
			ai[j] = sio[j*dout+i]
		}
		B[i] = mu[din+i] - dot(ai, mu[:din])
	}
	return nil
}
