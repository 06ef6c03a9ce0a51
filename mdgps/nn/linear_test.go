package nn

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestLinearClosedForm: the linear class's S-step equals, at every t, the
// closed-form precision-weighted least squares (solved independently by QR on the
// Cholesky-whitened stacked system) and the covariance (Σ_n w_n P_n / Σ_n w_n)⁻¹.
func TestLinearClosedForm(t *testing.T) {
	for _, tc := range []struct {
		name          string
		N, T, dO, dU  int
		unequalWeight bool
	}{
		{"square-ish", 12, 3, 3, 2, false},
		{"weighted, more inputs", 20, 4, 6, 3, true},
		{"arm-like dims", 40, 2, 26, 7, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := smallDataset(17, tc.N, tc.T, tc.dO, tc.dU)
			if tc.unequalWeight {
				for r := range d.W {
					d.W[r] = 0.2 + float64((r*7)%5)
				}
			}
			l, err := NewLinear(tc.T, tc.dO, tc.dU, 1)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.SStep(d); err != nil {
				t.Fatal(err)
			}
			p := l.Policy
			dO, dU := tc.dO, tc.dU
			for tt := 0; tt < tc.T; tt++ {
				rows := make([]int, tc.N)
				for n := range rows {
					rows[n] = n*tc.T + tt
				}
				wK, wk := wlsClosedForm(t, d, rows)
				got := append(append([]float64(nil), p.K[tt*dU*dO:(tt+1)*dU*dO]...), p.Bias[tt*dU:(tt+1)*dU]...)
				want := append(wK, wk...)
				// Both routes are backward stable on a problem with condition number
				// ~1e2–1e3 (random inputs, SPD precisions): agreement to ~1e-13; 1e-9 is
				// the bound.
				if e := relDiff(got, want); e > 1e-9 {
					t.Errorf("t=%d: [K k] normwise error %g > 1e-9", tt, e)
				}
				pbar := mat.NewSymDense(dU, nil)
				sw := 0.0
				for _, r := range rows {
					sw += d.W[r]
					for i := 0; i < dU; i++ {
						for j := i; j < dU; j++ {
							pbar.SetSym(i, j, pbar.At(i, j)+d.W[r]*d.Prec[r*dU*dU+i*dU+j])
						}
					}
				}
				pbar.ScaleSym(1/sw, pbar)
				var inv mat.Dense
				if err := inv.Inverse(pbar); err != nil {
					t.Fatal(err)
				}
				// an inverse of a well-conditioned 7×7 SPD matrix: rounding ~1e-15
				if e := relDiff(p.Cov[tt*dU*dU:(tt+1)*dU*dU], inv.RawMatrix().Data); e > 1e-9 {
					t.Errorf("t=%d: covariance normwise error %g > 1e-9", tt, e)
				}
			}
			if err := p.Check(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestLinearRankDeficient: when every sample has the same observation at a step
// (deterministic initial states), K_t o + k_t is not identifiable, but the mean at
// that observation must still be the KL minimiser (Σ w P)⁻¹ Σ w P μ, and the
// parameters must be the minimum-norm minimiser (in Jacobi-scaled coordinates).
func TestLinearRankDeficient(t *testing.T) {
	const N, T, dO, dU = 8, 3, 4, 2
	d := smallDataset(23, N, T, dO, dU)
	o0 := []float64{0.3, -0.2, 1.1, 0.5}
	for n := 0; n < N; n++ {
		copy(d.Obs[(n*T)*dO:(n*T+1)*dO], o0) // t = 0
	}
	l, _ := NewLinear(T, dO, dU, 1)
	if _, err := l.SStep(d); err != nil {
		t.Fatal(err)
	}
	// Expected mean at o0: (Σ P_n)⁻¹ Σ P_n μ_n (weights 1).
	A := mat.NewDense(dU, dU, nil)
	b := mat.NewVecDense(dU, nil)
	for n := 0; n < N; n++ {
		r := n * T
		P := mat.NewDense(dU, dU, d.Prec[r*dU*dU:(r+1)*dU*dU])
		A.Add(A, P)
		var pm mat.VecDense
		pm.MulVec(P, mat.NewVecDense(dU, d.Mu[r*dU:(r+1)*dU]))
		b.AddVec(b, &pm)
	}
	var want mat.VecDense
	if err := want.SolveVec(A, b); err != nil {
		t.Fatal(err)
	}
	got := make([]float64, dU)
	l.Act(0, nil, o0, nil, got)
	// pseudo-inverse with threshold 1e-12 on a rank-dU problem of condition ~10:
	// rounding only
	if e := relDiff(got, want.RawVector().Data); e > 1e-9 {
		t.Errorf("mean at the shared observation %v, want %v (error %g)", got, want.RawVector().Data, e)
	}
	// Minimum norm in the Jacobi-scaled coordinates θ' = S⁻¹θ: at t = 0 the normal
	// matrix is (Σ P_n) ⊗ z0 z0ᵀ, z0 = [o0; 1], so S = D_P^{-1/2} ⊗ diag(1/|z0_j|) and
	// its row space holds, for output i, θ'_{i,j} ∝ sign(z0_j); hence θ_{i,j}·z0_j
	// is the same for every j, and equals mean_i/(dO+1).
	K := l.Policy.K[:dU*dO]
	for i := 0; i < dU; i++ {
		z := append(append([]float64(nil), o0...), 1)
		th := append(append([]float64(nil), K[i*dO:(i+1)*dO]...), l.Policy.Bias[i])
		for j := range th {
			share := th[j] * z[j]
			// rounding in an eigendecomposition of a 10×10 matrix: ~1e-15 relative
			if math.Abs(share-got[i]/(dO+1)) > 1e-9*math.Abs(got[i]) {
				t.Errorf("output %d, input %d: θ·z0 = %v, want %v (not the minimum-norm solution)", i, j, share, got[i]/(dO+1))
			}
		}
	}
}
