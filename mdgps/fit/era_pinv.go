package fit

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// pinvRcond is NumPy's default rcond of np.linalg.pinv: singular values at or
// below pinvRcond·s_max are treated as zero.
const pinvRcond = 1e-15

// SVDError reports that the singular value decomposition behind a pseudo-inverse
// did not converge (DynamicsConfig.UnbiasedPinv).
type SVDError struct {
	Matrix string
	Index  int // time step
}

func (e *SVDError) Error() string {
	return fmt.Sprintf("fit: SVD of the %s %d did not converge", e.Matrix, e.Index)
}

// pinvConditional conditions the joint Gaussian N(w.mu, w.sigma) (sigma complete,
// symmetric, regularised) on its first din coordinates as the submission code did
// (spec §15.4; the reference's DynamicsLRPrior.fit at afc2519):
//
//	A = (Σ_ii⁺ Σ_io)ᵀ,   B = μ_o − A μ_i,   S = sym(Σ_oo − A Σ_ii Aᵀ),
//
// with Σ⁺ = V diag(1/s_k if s_k > 1e-15·max s, else 0) Uᵀ (np.linalg.pinv).
func (w *condWork) pinvConditional(A, B, S []float64, D, din, step int) error {
	dout := D - din
	sigma, mu := w.sigma, w.mu
	sii := mat.NewDense(din, din, nil)
	for i := 0; i < din; i++ {
		for j := 0; j < din; j++ {
			sii.Set(i, j, sigma[i*D+j])
		}
	}
	var svd mat.SVD
	if !svd.Factorize(sii, mat.SVDThin) {
		return &SVDError{Matrix: "joint covariance input block at step", Index: step}
	}
	s := svd.Values(nil)
	var U, V mat.Dense
	svd.UTo(&U)
	svd.VTo(&V)
	smax := 0.0
	for _, v := range s {
		smax = max(smax, v)
	}
	cut := pinvRcond * smax
	// V diag(1/s) — columns of V scaled, zero where s is below the cut.
	for k, v := range s {
		inv := 0.0
		if v > cut {
			inv = 1 / v
		}
		for i := 0; i < din; i++ {
			V.Set(i, k, V.At(i, k)*inv)
		}
	}
	var pinv mat.Dense
	pinv.Mul(&V, U.T())
	sio := mat.NewDense(din, dout, nil)
	soo := mat.NewDense(dout, dout, nil)
	for i := 0; i < din; i++ {
		for j := 0; j < dout; j++ {
			sio.Set(i, j, sigma[i*D+din+j])
		}
	}
	for i := 0; i < dout; i++ {
		for j := 0; j < dout; j++ {
			soo.Set(i, j, sigma[(din+i)*D+din+j])
		}
	}
	var at mat.Dense // Aᵀ = Σ_ii⁺ Σ_io, din×dout
	at.Mul(&pinv, sio)
	var asii, asa mat.Dense
	asii.Mul(at.T(), sii) // A Σ_ii
	asa.Mul(&asii, &at)   // A Σ_ii Aᵀ
	for i := 0; i < dout; i++ {
		b := mu[din+i]
		for j := 0; j < din; j++ {
			a := at.At(j, i)
			A[i*din+j] = a
			b -= a * mu[j]
		}
		B[i] = b
	}
	for i := 0; i < dout; i++ {
		for j := 0; j < dout; j++ {
			S[i*dout+j] = soo.At(i, j) - asa.At(i, j)
		}
	}
	for i := 0; i < dout; i++ {
		for j := i + 1; j < dout; j++ {
			v := 0.5 * (S[i*dout+j] + S[j*dout+i])
			S[i*dout+j], S[j*dout+i] = v, v
		}
	}
	return nil
}
