package lingauss_test

import (
	"errors"
	"math"
	"testing"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// TestAddCovDiag: Σ_t gains exactly c on its diagonal, R_tᵀR_t = Σ_t and
// P_t Σ_t = I to rounding, K_t and k_t are untouched, and c = 0 leaves the
// covariances as they were (spec §15.4, the "old" step rule's 1e-6·I).
func TestAddCovDiag(t *testing.T) {
	const T, dX, dU = 4, 3, 2
	p := lingauss.NewPolicy(T, dX, dU)
	for tt := 0; tt < T; tt++ {
		// A correlated SPD covariance with entries of order 1.
		if err := p.SetCov(tt, []float64{1 + float64(tt), 0.3, 0.3, 0.5}); err != nil {
			t.Fatal(err)
		}
		for i := range p.K[tt*dU*dX : (tt+1)*dU*dX] {
			p.K[tt*dU*dX+i] = float64(i) - 2
		}
		p.Bias[tt*dU] = 0.7
	}
	orig := p.Clone()
	for _, c := range []float64{0, 1e-6, 0.5} {
		q := orig.Clone()
		if err := q.AddCovDiag(c); err != nil {
			t.Fatal(err)
		}
		for i := range q.K {
			if q.K[i] != orig.K[i] {
				t.Fatalf("c=%v: K changed", c)
			}
		}
		for i := range q.Bias {
			if q.Bias[i] != orig.Bias[i] {
				t.Fatalf("c=%v: k changed", c)
			}
		}
		uu := dU * dU
		for tt := 0; tt < T; tt++ {
			cov, chol, prec := q.Cov[tt*uu:(tt+1)*uu], q.Chol[tt*uu:(tt+1)*uu], q.Prec[tt*uu:(tt+1)*uu]
			for i := 0; i < dU; i++ {
				for j := 0; j < dU; j++ {
					want := orig.Cov[tt*uu+i*dU+j]
					if i == j {
						want += c
					}
					if cov[i*dU+j] != want { // one exact addition
						t.Errorf("c=%v t=%d Σ[%d,%d] = %v, want %v", c, tt, i, j, cov[i*dU+j], want)
					}
					rr, ps, id := 0.0, 0.0, 0.0
					if i == j {
						id = 1
					}
					for k := 0; k < dU; k++ {
						rr += chol[k*dU+i] * chol[k*dU+j]
						ps += prec[i*dU+k] * cov[k*dU+j]
					}
					// Entries of order 1 and condition number < 10: 1e-13 is a few
					// hundred ulps.
					if math.Abs(rr-cov[i*dU+j]) > 1e-13 || math.Abs(ps-id) > 1e-13 {
						t.Errorf("c=%v t=%d [%d,%d]: RᵀR %v Σ %v PΣ %v", c, tt, i, j, rr, cov[i*dU+j], ps)
					}
				}
			}
			if c == 0 {
				for i := 0; i < uu; i++ {
					if q.Chol[tt*uu+i] != orig.Chol[tt*uu+i] || q.Prec[tt*uu+i] != orig.Prec[tt*uu+i] {
						t.Errorf("c=0 t=%d: factor or precision changed", tt)
					}
				}
			}
		}
	}
	// An invalid (indefinite) covariance stays an error, not NaN.
	bad := orig.Clone()
	bad.Cov[0], bad.Cov[3] = -1, -1
	var e *lingauss.NotPDError
	if err := bad.AddCovDiag(1e-6); !errors.As(err, &e) || e.T != 0 {
		t.Errorf("err = %v, want *NotPDError at t=0", err)
	}
}
