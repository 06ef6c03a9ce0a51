package nn

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// TestMulABt compares the blocked kernel with a naive triple loop on every shape
// remainder of the 2×4 blocking, with padded strides, in both modes.
func TestMulABt(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for m := 0; m <= 5; m++ {
		for n := 0; n <= 9; n++ {
			for _, k := range []int{0, 1, 3, 8} {
				lda, ldb, ldc := k+1, k+2, n+3
				a := make([]float64, m*lda+k)
				b := make([]float64, n*ldb+k)
				c := make([]float64, m*ldc+n)
				for i := range a {
					a[i] = rng.NormFloat64()
				}
				for i := range b {
					b[i] = rng.NormFloat64()
				}
				for _, acc := range []bool{false, true} {
					for i := range c {
						c[i] = rng.NormFloat64()
					}
					c0 := append([]float64(nil), c...)
					mulABt(m, n, k, a, lda, b, ldb, c, ldc, acc)
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							s := 0.0
							for p := 0; p < k; p++ {
								s += a[i*lda+p] * b[j*ldb+p]
							}
							if acc {
								s += c0[i*ldc+j]
							}
							// same summation order as the kernel: exact
							if c[i*ldc+j] != s {
								t.Fatalf("m=%d n=%d k=%d acc=%v: c[%d,%d] = %v, want %v", m, n, k, acc, i, j, c[i*ldc+j], s)
							}
						}
						for j := n; j < ldc && i*ldc+j < len(c); j++ { // padding untouched
							if c[i*ldc+j] != c0[i*ldc+j] {
								t.Fatalf("m=%d n=%d k=%d: padding c[%d,%d] written", m, n, k, i, j)
							}
						}
					}
				}
			}
		}
	}
}

// The S-step's per-step products at the peg size (batch 25, 26 → 40 → 40 → 7):
// forward C = A·Bᵀ, weight gradients, input gradients. Hand-written kernel versus
// blas64.Gemm (pure Go, or OpenBLAS with -tags openblas).
var stepShapes = []struct{ m, n, k int }{
	{25, 40, 26}, {25, 40, 40}, {25, 7, 40}, // forward
	{7, 40, 25}, {40, 40, 25}, {40, 26, 25}, // ∂W = gᵀ act
	{25, 40, 7}, {25, 40, 40}, // ∂act = g W
}

func benchStep(b *testing.B, gemm bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	type buf struct{ a, bb, c []float64 }
	bufs := make([]buf, len(stepShapes))
	for i, s := range stepShapes {
		bufs[i] = buf{make([]float64, s.m*s.k), make([]float64, s.n*s.k), make([]float64, s.m*s.n)}
		for j := range bufs[i].a {
			bufs[i].a[j] = rng.NormFloat64()
		}
		for j := range bufs[i].bb {
			bufs[i].bb[j] = rng.NormFloat64()
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		for i, s := range stepShapes {
			u := bufs[i]
			if gemm {
				blas64.Gemm(blas.NoTrans, blas.Trans, 1,
					blas64.General{Rows: s.m, Cols: s.k, Stride: s.k, Data: u.a},
					blas64.General{Rows: s.n, Cols: s.k, Stride: s.k, Data: u.bb},
					0, blas64.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: u.c})
			} else {
				mulABt(s.m, s.n, s.k, u.a, s.k, u.bb, s.k, u.c, s.n, false)
			}
		}
	}
}

func BenchmarkStepProductsKernel(b *testing.B) { benchStep(b, false) }
func BenchmarkStepProductsGemm(b *testing.B)   { benchStep(b, true) }
