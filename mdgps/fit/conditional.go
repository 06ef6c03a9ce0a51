package fit

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
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
//	A = Σ_oi Σ_ii⁻¹,  B = μ̂_o − A μ̂_i,  S = sym(Σ_oo − A Σ_ii Aᵀ).
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
	mu, diff, sigma, sii, sio, m []float64
}

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
		for j := 0; j < D; j++ {
			mu[j] += Y[i*D+j] * wt
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < D; j++ {
			diff[i*D+j] = Y[i*D+j] - mu[j]
		}
	}
	// Ê = diffᵀ diff / n (upper triangle by Syrk, then mirrored: exactly symmetric).
	blas64.Syrk(blas.Trans, wt, blas64.General{Rows: n, Cols: D, Stride: D, Data: diff},
		0, blas64.Symmetric{Uplo: blas.Upper, N: D, Stride: D, Data: sigma})
	mirrorUpper(sigma, D)
	if prior != nil {
		if len(prior.Mu0) != D || len(prior.Phi) != D*D {
			panic(fmt.Sprintf("fit: prior of size %d/%d for D=%d", len(prior.Mu0), len(prior.Phi), D))
		}
		N := float64(n)
		cm := N * prior.M / (N + prior.M)
		den := N + prior.N0
		for i := 0; i < D; i++ {
			di := mu[i] - prior.Mu0[i]
			for j := 0; j < D; j++ {
				dj := mu[j] - prior.Mu0[j]
				sigma[i*D+j] = (N*sigma[i*D+j] + prior.Phi[i*D+j] + cm*di*dj) / den
			}
		}
		symmetrize(sigma, D)
	}
	for i := 0; i < din; i++ {
		if compat {
			for j := 0; j < din; j++ {
				sigma[i*D+j] += reg
			}
		} else {
			sigma[i*D+i] += reg
		}
	}
	// A = (Σ_ii⁻¹ Σ_io)ᵀ through the Cholesky factor of Σ_ii.
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
	lt := blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: din, Stride: din, Data: sii}
	x := blas64.General{Rows: din, Cols: dout, Stride: dout, Data: sio}
	blas64.Trsm(blas.Left, blas.NoTrans, 1, lt, x) // L Z = Σ_io
	blas64.Trsm(blas.Left, blas.Trans, 1, lt, x)   // Lᵀ X = Z
	for i := 0; i < dout; i++ {
		for j := 0; j < din; j++ {
			A[i*din+j] = sio[j*dout+i]
		}
		s := mu[din+i]
		for j := 0; j < din; j++ {
			s -= A[i*din+j] * mu[j]
		}
		B[i] = s
	}
	// S = Σ_oo − A Σ_ii Aᵀ (Σ_ii taken from sigma, before factorisation).
	w.m = grow(w.m, dout*din)
	ag := blas64.General{Rows: dout, Cols: din, Stride: din, Data: A}
	mg := blas64.General{Rows: dout, Cols: din, Stride: din, Data: w.m}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, ag, blas64.General{Rows: din, Cols: din, Stride: D, Data: sigma}, 0, mg)
	for i := 0; i < dout; i++ {
		copy(S[i*dout:(i+1)*dout], sigma[(din+i)*D+din:(din+i+1)*D])
	}
	blas64.Gemm(blas.NoTrans, blas.Trans, -1, mg, ag, 1, blas64.General{Rows: dout, Cols: dout, Stride: dout, Data: S})
	symmetrize(S, dout)
	return nil
}
