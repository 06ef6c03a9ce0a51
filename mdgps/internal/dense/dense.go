// Package dense holds the small dense kernels (row-major, plain Go) shared by the
// numerical packages: Cholesky factors in the reference's upper convention
// (A = RᵀR, spec §1), solves with them, and symmetrisation (sym(A) = (A+Aᵀ)/2).
// They are written for the dU×dU (≤ 10×10) blocks of the C-step, where a cgo call
// into OpenBLAS would cost more than the arithmetic (ARCHITECTURE.md
// "Performance notes").
package dense

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// UpperChol computes the upper Cholesky factor R (RᵀR = A) of the n×n symmetric A
// (only its upper triangle is read) into r, zeroing r's lower triangle. On failure
// it returns ok = false with the failing pivot index and the value that was not
// positive; r must then not be used.
func UpperChol(r, a []float64, n int) (pivot int, value float64, ok bool) {
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if j < i {
				r[i*n+j] = 0
			} else {
				r[i*n+j] = a[i*n+j]
			}
		}
	}
	for j := 0; j < n; j++ {
		s := r[j*n+j]
		for k := 0; k < j; k++ {
			s -= r[k*n+j] * r[k*n+j]
		}
		if !(s > 0) {
			return j, s, false
		}
		d := math.Sqrt(s)
		r[j*n+j] = d
		for i := j + 1; i < n; i++ {
			v := r[j*n+i]
			for k := 0; k < j; k++ {
				v -= r[k*n+j] * r[k*n+i]
			}
			r[j*n+i] = v / d
		}
	}
	return 0, 0, true
}

// CholInverse writes (RᵀR)⁻¹ into dst (n×n) for the upper triangular R, by solving
// Rᵀ Z = I and then R X = Z (the reference's two triangular solves).
func CholInverse(dst, r []float64, n int) {
	for i := range dst[:n*n] {
		dst[i] = 0
	}
	for i := 0; i < n; i++ {
		dst[i*n+i] = 1
	}
	rm := blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: n, Stride: n, Data: r}
	b := blas64.General{Rows: n, Cols: n, Stride: n, Data: dst}
	blas64.Trsm(blas.Left, blas.Trans, 1, rm, b)
	blas64.Trsm(blas.Left, blas.NoTrans, 1, rm, b)
}

// CholSolve overwrites the n×m row-major B with alpha·(RᵀR)⁻¹ B for the upper
// triangular n×n R (forward then back substitution), in plain Go.
func CholSolve(R, B []float64, n, m int, alpha float64) {
	for c := 0; c < m; c++ {
		for i := 0; i < n; i++ { // Rᵀ z = b
			s := B[i*m+c]
			for k := 0; k < i; k++ {
				s -= R[k*n+i] * B[k*m+c]
			}
			B[i*m+c] = s / R[i*n+i]
		}
		for i := n - 1; i >= 0; i-- { // R x = z
			s := B[i*m+c]
			for k := i + 1; k < n; k++ {
				s -= R[i*n+k] * B[k*m+c]
			}
			B[i*m+c] = s / R[i*n+i]
		}
		if alpha != 1 {
			for i := 0; i < n; i++ {
				B[i*m+c] *= alpha
			}
		}
	}
}

// Symmetrize replaces the n×n A (row stride ld) with (A + Aᵀ)/2.
func Symmetrize(A []float64, n, ld int) {
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			s := 0.5 * (A[i*ld+j] + A[j*ld+i])
			A[i*ld+j], A[j*ld+i] = s, s
		}
	}
}

// LogDetChol returns log det(RᵀR) = 2 Σ log R_ii.
func LogDetChol(r []float64, n int) float64 {
	s := 0.0
	for i := 0; i < n; i++ {
		s += math.Log(r[i*n+i])
	}
	return 2 * s
}
