package nn

// The hand-written product used to evaluate the network (Act, Prob). Training goes
// through blas64.Gemm, which measured faster at the S-step's sizes (pure Go 1.3×,
// OpenBLAS 5× on the per-step products, BenchmarkStepProducts*). Evaluation keeps
// this loop because its result for a row does not depend on how many rows are
// evaluated together or on the BLAS in use: Act on one observation and Prob on a
// batch give bit-identical means.

// mulABt computes C = A·Bᵀ (accumulate=false) or C += A·Bᵀ (accumulate=true), where
// A is m×k with row stride lda, B is n×k with row stride ldb and C is m×n with row
// stride ldc, all row-major. Inner products run over contiguous memory; the loop is
// blocked 2 rows of A × 4 rows of B so that each loaded element feeds several
// multiply-adds. The summation order of every entry is fixed (p = 0..k-1), so results
// do not depend on the blocking.
func mulABt(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, accumulate bool) {
	if k == 0 {
		if !accumulate {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	i := 0
	for ; i+2 <= m; i += 2 {
		a0 := a[i*lda : i*lda+k]
		a1 := a[(i+1)*lda : (i+1)*lda+k]
		a1 = a1[:len(a0)]
		c0 := c[i*ldc : i*ldc+n]
		c1 := c[(i+1)*ldc : (i+1)*ldc+n]
		j := 0
		for ; j+4 <= n; j += 4 {
			b0 := b[j*ldb : j*ldb+k]
			b1 := b[(j+1)*ldb : (j+1)*ldb+k]
			b2 := b[(j+2)*ldb : (j+2)*ldb+k]
			b3 := b[(j+3)*ldb : (j+3)*ldb+k]
			b0, b1, b2, b3 = b0[:len(a0)], b1[:len(a0)], b2[:len(a0)], b3[:len(a0)]
			var s00, s01, s02, s03, s10, s11, s12, s13 float64
			for p, x0 := range a0 {
				x1 := a1[p]
				y := b0[p]
				s00 += x0 * y
				s10 += x1 * y
				y = b1[p]
				s01 += x0 * y
				s11 += x1 * y
				y = b2[p]
				s02 += x0 * y
				s12 += x1 * y
				y = b3[p]
				s03 += x0 * y
				s13 += x1 * y
			}
			if accumulate {
				c0[j] += s00
				c0[j+1] += s01
				c0[j+2] += s02
				c0[j+3] += s03
				c1[j] += s10
				c1[j+1] += s11
				c1[j+2] += s12
				c1[j+3] += s13
			} else {
				c0[j], c0[j+1], c0[j+2], c0[j+3] = s00, s01, s02, s03
				c1[j], c1[j+1], c1[j+2], c1[j+3] = s10, s11, s12, s13
			}
		}
		for ; j < n; j++ {
			b0 := b[j*ldb : j*ldb+k]
			b0 = b0[:len(a0)]
			var s0, s1 float64
			for p, x0 := range a0 {
				y := b0[p]
				s0 += x0 * y
				s1 += a1[p] * y
			}
			if accumulate {
				c0[j] += s0
				c1[j] += s1
			} else {
				c0[j], c1[j] = s0, s1
			}
		}
	}
	for ; i < m; i++ {
		a0 := a[i*lda : i*lda+k]
		c0 := c[i*ldc : i*ldc+n]
		for j := 0; j < n; j++ {
			b0 := b[j*ldb : j*ldb+k]
			b0 = b0[:len(a0)]
			var s float64
			for p, x := range a0 {
				s += x * b0[p]
			}
			if accumulate {
				c0[j] += s
			} else {
				c0[j] = s
			}
		}
	}
}
