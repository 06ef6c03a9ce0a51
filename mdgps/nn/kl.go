package nn

import (
	"fmt"
	"math"
)

// KL writes, for every row r of d, the divergence the S-step minimises (paper §3,
// spec §7.4),
//
//	KL(π(·|o_r) ‖ N(μ_r, P_r⁻¹)) = ½ [tr(P_r S_r) + (μ_r − m_r)ᵀ P_r (μ_r − m_r)
//	                                  − dU − log det P_r − log det S_r],
//
// with the policy's mean m_r and covariance S_r from g.Prob, into kl (len N·T), and
// returns the weighted mean Σ_r w_r KL_r / Σ_r w_r. It returns the dataset's
// validation error, or a *PrecisionError-style error if a policy covariance is not
// positive definite.
func KL(g Global, d *Dataset, kl []float64) (float64, error) {
	dO, dU := g.Dims()
	if err := d.checkDims(dO, dU); err != nil {
		return 0, err
	}
	if err := d.Validate(); err != nil {
		return 0, err
	}
	R := d.Rows()
	if len(kl) != R {
		panic(fmt.Sprintf("nn: KL with len(kl) = %d, want %d", len(kl), R))
	}
	mean := make([]float64, R*dU)
	cov := make([]float64, R*dU*dU)
	g.Prob(d.Obs, d.T, mean, cov)
	work := make([]float64, dU*dU)
	num, den := 0.0, 0.0
	for r := 0; r < R; r++ {
		P := d.Prec[r*dU*dU : (r+1)*dU*dU]
		S := cov[r*dU*dU : (r+1)*dU*dU]
		tr := 0.0
		for i := 0; i < dU; i++ {
			for j := 0; j < dU; j++ {
				tr += 0.5 * (P[i*dU+j] + P[j*dU+i]) * S[j*dU+i]
			}
		}
		ldP, ok := logDet(P, dU, work)
		if !ok {
			return 0, fmt.Errorf("nn: KL: Dataset.Prec at row %d is not positive definite", r)
		}
		ldS, ok := logDet(S, dU, work)
		if !ok {
			return 0, fmt.Errorf("nn: KL: policy covariance at row %d is not positive definite", r)
		}
		v := 0.5*(tr-float64(dU)-ldP-ldS) + quad(P, d.Mu[r*dU:(r+1)*dU], mean[r*dU:(r+1)*dU])
		kl[r] = v
		num += d.W[r] * v
		den += d.W[r]
	}
	return num / den, nil
}

// logDet returns log det sym(a) by a Cholesky factorisation into work, and false
// if sym(a) is not positive definite.
func logDet(a []float64, n int, work []float64) (float64, bool) {
	s := 0.0
	for j := 0; j < n; j++ {
		for i := j; i < n; i++ {
			v := 0.5 * (a[i*n+j] + a[j*n+i])
			for k := 0; k < j; k++ {
				v -= work[i*n+k] * work[j*n+k]
			}
			if i == j {
				if !(v > 0) {
					return 0, false
				}
				work[j*n+j] = math.Sqrt(v)
				s += math.Log(v)
			} else {
				work[i*n+j] = v / work[j*n+j]
			}
		}
	}
	return s, true
}
