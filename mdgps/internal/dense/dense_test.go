package dense

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randSPD returns a random n×n SPD matrix B Bᵀ + n·I.
func randSPD(rng *rand.Rand, n int) []float64 {
	b := make([]float64, n*n)
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	a := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for k := 0; k < n; k++ {
				s += b[i*n+k] * b[j*n+k]
			}
			a[i*n+j] = s
		}
		a[i*n+i] += float64(n)
	}
	return a
}

func TestCholKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 7, 12} {
		a := randSPD(rng, n)
		r := make([]float64, n*n)
		if _, _, ok := UpperChol(r, a, n); !ok {
			t.Fatalf("n=%d: SPD matrix rejected", n)
		}
		// RᵀR = A to rounding (1e-12 relative: a few ulps times n).
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				s := 0.0
				for k := 0; k < n; k++ {
					s += r[k*n+i] * r[k*n+j]
				}
				if math.Abs(s-a[i*n+j]) > 1e-12*float64(n)*math.Abs(a[i*n+i]) {
					t.Errorf("n=%d: (RᵀR)[%d,%d] = %v, want %v", n, i, j, s, a[i*n+j])
				}
			}
		}
		inv := make([]float64, n*n)
		CholInverse(inv, r, n)
		b := append([]float64(nil), a...)
		CholSolve(r, b, n, n, 1) // A⁻¹ A = I
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				want := 0.0
				if i == j {
					want = 1
				}
				if math.Abs(b[i*n+j]-want) > 1e-12 {
					t.Errorf("n=%d: (A⁻¹A)[%d,%d] = %v", n, i, j, b[i*n+j])
				}
				s := 0.0
				for k := 0; k < n; k++ {
					s += inv[i*n+k] * a[k*n+j]
				}
				if math.Abs(s-want) > 1e-12 {
					t.Errorf("n=%d: (inv·A)[%d,%d] = %v", n, i, j, s)
				}
			}
		}
	}
	// A non-PD matrix reports the failing pivot.
	a := []float64{1, 2, 2, 1} // eigenvalues 3, −1
	r := make([]float64, 4)
	piv, val, ok := UpperChol(r, a, 2)
	if ok || piv != 1 || val != -3 {
		t.Errorf("UpperChol(indefinite) = %d, %v, %v; want pivot 1 value −3 fail", piv, val, ok)
	}
}
