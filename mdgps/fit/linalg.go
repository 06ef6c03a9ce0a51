package fit

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// cholUpper overwrites the n×n row-major symmetric matrix a (upper triangle read)
// with its upper Cholesky factor R, a = RᵀR, and zeroes the strict lower triangle.
// On failure it returns the failing pivot and its value (computed by an unblocked
// pass over a copy kept in work, len ≥ n·n) and a is garbage.
func cholUpper(a []float64, n int, work []float64) (ok bool, pivot int, value float64) {
	copy(work[:n*n], a[:n*n])
	if _, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: n, Stride: n, Data: a}); ok {
		for i := 1; i < n; i++ {
			row := a[i*n : i*n+i]
			for j := range row {
				row[j] = 0
			}
		}
		return true, 0, 0
	}
	// Evidence: redo the factorisation unblocked to find the first bad pivot.
	r := work[:n*n]
	for j := 0; j < n; j++ {
		s := r[j*n+j]
		for k := 0; k < j; k++ {
			s -= r[k*n+j] * r[k*n+j]
		}
		if !(s > 0) {
			return false, j, s
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
	return false, n - 1, math.NaN() // Potrf and the unblocked pass disagree: report the last pivot
}

// sumLogDiag returns Σ_i log R_ii.
func sumLogDiag(r []float64, n int) float64 {
	s := 0.0
	for i := 0; i < n; i++ {
		s += math.Log(r[i*n+i])
	}
	return s
}

// symmetrize sets a = (a + aᵀ)/2 for the n×n row-major a.
func symmetrize(a []float64, n int) {
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			v := 0.5 * (a[i*n+j] + a[j*n+i])
			a[i*n+j] = v
			a[j*n+i] = v
		}
	}
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
