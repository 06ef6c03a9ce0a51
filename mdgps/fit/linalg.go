package fit

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// cholLower overwrites the n×n row-major symmetric matrix a (lower triangle
// read) with its lower Cholesky factor L, a = L Lᵀ, and zeroes the strict upper
// triangle (Cholesky–Banachiewicz, row by row, with contiguous dot products; at
// the sizes here, D ≤ 60, plain Go beats calling a BLAS per column). On failure
// it returns the failing pivot and its value ≤ 0 (or NaN), and a is garbage.
func cholLower(a []float64, n int) (ok bool, pivot int, value float64) {
	for i := 0; i < n; i++ {
		li := a[i*n : i*n+n]
		for j := 0; j < i; j++ {
			lj := a[j*n : j*n+j]
			li[j] = (li[j] - dot(li[:j], lj)) / a[j*n+j]
		}
		s := li[i] - dot(li[:i], li[:i])
		if !(s > 0) {
			return false, i, s
		}
		li[i] = math.Sqrt(s)
		for j := i + 1; j < n; j++ {
			li[j] = 0
		}
	}
	return true, 0, 0
}

// dot returns Σ x_i y_i over len(x) entries, with four partial sums.
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// sumLogDiag returns Σ_i log R_ii.
func sumLogDiag(r []float64, n int) float64 {
	s := 0.0
	for i := 0; i < n; i++ {
		s += math.Log(r[i*n+i])
	}
	return s
}

// mirrorUpper copies the upper triangle of a into its lower triangle.
func mirrorUpper(a []float64, n int) {
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			a[j*n+i] = a[i*n+j]
		}
	}
}

// logSumExp returns log Σ exp(v_i), subtracting the maximum first; a maximum of
// −∞ is treated as 0 (the reference's logsum), so an all −∞ vector gives −∞.
func logSumExp(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		if x > m {
			m = x
		}
	}
	if math.IsInf(m, -1) {
		m = 0
	}
	s := 0.0
	for _, x := range v {
		s += math.Exp(x - m)
	}
	return math.Log(s) + m
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// invLower writes L⁻¹ (lower triangular) into dst by a triangular solve with
// the identity.
func invLower(dst, l []float64, n int) {
	for i := range dst[:n*n] {
		dst[i] = 0
	}
	for i := 0; i < n; i++ {
		dst[i*n+i] = 1
	}
	blas64.Trsm(blas.Left, blas.NoTrans, 1, blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: n, Stride: n, Data: l},
		blas64.General{Rows: n, Cols: n, Stride: n, Data: dst})
}
