package lingauss

import (
	"fmt"
	"math"
)

// AddCovDiag adds c·I to every action covariance, Σ_t ← Σ_t + c·I for t = 0..T−1,
// and recomputes the Cholesky factor R_t and the precision P_t = Σ_t⁻¹ from the
// new Σ_t (K_t and k_t are unchanged). It is the submission era's "old" step
// rule (spec §15.4, the reference at afc2519): the C-step's controller covariance
// had 1e-6·I added and its precision recomputed from it.
//
// c must be finite and ≥ 0 (anything else panics: a programmer error). On a
// *NotPDError (Σ_t + c·I not positive definite, possible only if Σ_t was
// invalid) p is unchanged at that step and every later step; earlier steps keep
// their new values, so check the error.
//
// trajopt.Settings.CovAdd does the same inside the backward pass, so that the η
// search's KL sees it; AddCovDiag is for a controller that exists already.
func (p *Policy) AddCovDiag(c float64) error {
	if !(c >= 0) || math.IsInf(c, 0) {
		panic(fmt.Sprintf("lingauss: AddCovDiag(%v), want a finite value ≥ 0", c))
	}
	dU := p.DU
	n := dU * dU
	cov := make([]float64, n)
	for t := 0; t < p.T; t++ {
		copy(cov, p.Cov[t*n:(t+1)*n])
		for i := 0; i < dU; i++ {
			cov[i*dU+i] += c
		}
		if err := p.SetCov(t, cov); err != nil {
			return err
		}
	}
	return nil
}
