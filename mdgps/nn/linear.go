package nn

import (
	"fmt"

	"math"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// Global is what the driver needs of a global policy class: acting in rollouts,
// evaluating means and covariances on many observations (for the linearisation of
// spec §5 and the KL diagnostics), and the S-step. *MLP and *Linear implement it.
type Global interface {
	// Act writes u = mean(o) + chol(Σ)ᵀ·noise (noise == nil: the mean action).
	Act(t int, x, obs, noise, u []float64)
	// Prob writes the mean (rows×DU) and, if cov != nil, the covariance
	// (rows×DU×DU) of the action at each of the rows = len(obs)/DO observations;
	// row r is at time step r mod T.
	Prob(obs []float64, T int, mean, cov []float64)
	// SStep projects the policy onto the dataset's targets.
	SStep(d *Dataset) (Stats, error)
	// Dims returns the observation and action dimensions.
	Dims() (dO, dU int)
}

var (
	_ Global = (*MLP)(nil)
	_ Global = (*Linear)(nil)
)

// Linear is the convex policy class of paper §3: a time-varying linear-Gaussian
// policy on the observation,
//
//	π(u | o, t) = N(K_t o + k_t, Σ_t),
//
// held as a *lingauss.Policy whose "state" is the observation (DX = DO). Its S-step
// is the exact projection: for every t it minimises Σ_n w_{n,t}
// KL(π(·|o_{n,t}) ‖ N(μ_{n,t}, P_{n,t}⁻¹)) in closed form. With this class and
// linear-Gaussian dynamics MDGPS is exact mirror descent.
type Linear struct {
	Policy *lingauss.Policy
}

// LinearRcond is the relative eigenvalue threshold of the pseudo-inverse in the
// Linear S-step: directions of the (Jacobi-scaled) normal matrix with eigenvalue
// ≤ LinearRcond·λ_max are left at zero, which gives the minimum-norm minimiser when
// the observations at a step do not span their space (e.g. identical initial
// states at t = 0).
const LinearRcond = 1e-12

// NewLinear returns a linear policy with K = 0, k = 0 and Σ_t = initVar·I.
func NewLinear(T, dO, dU int, initVar float64) (*Linear, error) {
	if T < 1 || dO < 1 || dU < 1 {
		return nil, fmt.Errorf("nn: NewLinear T=%d dO=%d dU=%d, want ≥ 1", T, dO, dU)
	}
	if !(initVar > 0) {
		return nil, fmt.Errorf("nn: NewLinear initVar = %v, want > 0", initVar)
	}
	p := lingauss.NewPolicy(T, dO, dU)
	cov := make([]float64, dU*dU)
	for i := 0; i < dU; i++ {
		cov[i*dU+i] = initVar
	}
	for t := 0; t < T; t++ {
		if err := p.SetCov(t, cov); err != nil {
			return nil, err
		}
	}
	return &Linear{Policy: p}, nil
}

// Dims returns the observation and action dimensions.
func (l *Linear) Dims() (dO, dU int) { return l.Policy.DX, l.Policy.DU }

// Act writes u = K_t o + k_t + R_tᵀ noise (noise == nil: the mean). x is ignored:
// the policy acts on the observation, like the network.
func (l *Linear) Act(t int, x, obs, noise, u []float64) {
	l.Policy.Act(t, obs, obs, noise, u)
}

// Prob writes the means K_t o_r + k_t and covariances Σ_t for the rows of obs;
// row r is at step t = r mod T, and T must equal the policy's horizon.
func (l *Linear) Prob(obs []float64, T int, mean, cov []float64) {
	p := l.Policy
	dO, dU := p.DX, p.DU
	rows := len(obs) / dO
	if T != p.T || len(obs) != rows*dO || len(mean) != rows*dU || (cov != nil && len(cov) != rows*dU*dU) {
		panic(fmt.Sprintf("nn: Linear.Prob with T=%d len(obs)=%d len(mean)=%d len(cov)=%d for T=%d DO=%d DU=%d",
			T, len(obs), len(mean), len(cov), p.T, dO, dU))
	}
	for r := 0; r < rows; r++ {
		t := r % T
		p.Act(t, obs[r*dO:(r+1)*dO], nil, nil, mean[r*dU:(r+1)*dU])
		if cov != nil {
			copy(cov[r*dU*dU:(r+1)*dU*dU], p.Cov[t*dU*dU:(t+1)*dU*dU])
		}
	}
}

// SStep replaces the policy by the exact minimiser, for each t, of
//
//	Σ_n w_n KL(N(K o_n + k, Σ) ‖ N(μ_n, P_n⁻¹))
//	  = ½ Σ_n w_n [(μ_n − K o_n − k)ᵀ P_n (μ_n − K o_n − k) + tr(P_n Σ) − log det Σ] + const,
//
// with n over the dataset's N rows at step t and the raw weights w (no clipping).
// The mean part is a generalised weighted least-squares problem in θ = vec([K k]):
// with z_n = [o_n; 1],
//
//	(Σ_n w_n P_n ⊗ z_n z_nᵀ) θ = Σ_n w_n (P_n μ_n) ⊗ z_n,
//
// solved after Jacobi scaling by Cholesky or, when a squared pivot falls below
// 1e-10 (rank-deficient steps, e.g. identical initial states), by a symmetric
// eigendecomposition (pseudo-inverse with threshold LinearRcond: the minimum-norm
// minimiser). The covariance part gives the full matrix
//
//	Σ_t = (Σ_n w_n P_n / Σ_n w_n)⁻¹.
//
// Stats.MeanLoss is the weighted mean-action loss after the projection. On error
// the policy is unchanged.
func (l *Linear) SStep(d *Dataset) (Stats, error) {
	p := l.Policy
	if err := d.checkDims(p.DX, p.DU); err != nil {
		return Stats{}, err
	}
	if d.T != p.T {
		return Stats{}, fmt.Errorf("nn: Dataset.T = %d, the linear policy has T = %d", d.T, p.T)
	}
	if err := d.Validate(); err != nil {
		return Stats{}, err
	}
	T, N, dO, dU := d.T, d.N, d.DO, d.DU
	for t := 0; t < T; t++ {
		s := 0.0
		for n := 0; n < N; n++ {
			s += d.W[n*T+t]
		}
		if !(s > 0) {
			return Stats{}, fmt.Errorf("nn: Dataset.W is zero for every sample at t = %d; the linear class needs a weight > 0 at each step", t)
		}
	}
	q := p.Clone()
	z1 := dO + 1
	D := dU * z1
	A := mat.NewSymDense(D, nil)
	a := A.RawSymmetric().Data
	bv := make([]float64, D)
	zz := make([]float64, z1*z1)
	z := make([]float64, z1)
	pm := make([]float64, dU)
	scale := make([]float64, D)
	pbar := make([]float64, dU*dU)
	var eig mat.EigenSym
	vec := mat.NewDense(D, D, nil)
	coef := make([]float64, D)
	chol := make([]float64, D*D)
	for t := 0; t < T; t++ {
		clear(a)
		clear(bv)
		clear(pbar)
		sw := 0.0
		for n := 0; n < N; n++ {
			r := n*T + t
			w := d.W[r]
			if w == 0 {
				continue
			}
			sw += w
			copy(z, d.Obs[r*dO:(r+1)*dO])
			z[dO] = 1
			for j := 0; j < z1; j++ {
				for k := 0; k < z1; k++ {
					zz[j*z1+k] = w * z[j] * z[k]
				}
			}
			P := d.Prec[r*dU*dU : (r+1)*dU*dU]
			mu := d.Mu[r*dU : (r+1)*dU]
			for i := 0; i < dU; i++ {
				s := 0.0
				for k := 0; k < dU; k++ {
					pik := 0.5 * (P[i*dU+k] + P[k*dU+i])
					s += pik * mu[k]
					pbar[i*dU+k] += w * pik
				}
				pm[i] = s
			}
			// A[(i,j),(i',j')] += w P_ii' z_j z_j' (upper triangle only).
			for i := 0; i < dU; i++ {
				for i2 := i; i2 < dU; i2++ {
					pii := 0.5 * (P[i*dU+i2] + P[i2*dU+i])
					for j := 0; j < z1; j++ {
						row := a[(i*z1+j)*D+i2*z1 : (i*z1+j)*D+i2*z1+z1]
						zr := zz[j*z1 : j*z1+z1]
						for k, v := range zr {
							row[k] += pii * v
						}
					}
				}
				for j := 0; j < z1; j++ {
					bv[i*z1+j] += w * pm[i] * z[j]
				}
			}
		}
		// Jacobi scaling S A S, S = diag(1/√A_kk) (0 for an empty direction).
		for k := 0; k < D; k++ {
			if akk := a[k*D+k]; akk > 0 {
				scale[k] = 1 / math.Sqrt(akk)
			} else {
				scale[k] = 0
			}
		}
		for i := 0; i < D; i++ {
			for j := i; j < D; j++ {
				a[i*D+j] *= scale[i] * scale[j]
			}
		}
		if !cholSolve(a, chol, scale, bv, coef, D) {
			if !eig.Factorize(A, true) {
				return Stats{}, fmt.Errorf("nn: Linear.SStep: eigendecomposition of the normal matrix at t = %d failed", t)
			}
			lam := eig.RawValues() // ascending
			eig.VectorsTo(vec)
			tol := LinearRcond * lam[D-1]
			clear(coef)
			for k := 0; k < D; k++ {
				if !(lam[k] > tol) {
					continue
				}
				s := 0.0
				for i := 0; i < D; i++ {
					s += vec.At(i, k) * scale[i] * bv[i]
				}
				s /= lam[k]
				for i := 0; i < D; i++ {
					coef[i] += s * vec.At(i, k)
				}
			}
		}
		K := q.K[t*dU*dO : (t+1)*dU*dO]
		kb := q.Bias[t*dU : (t+1)*dU]
		for i := 0; i < dU; i++ {
			for j := 0; j < dO; j++ {
				K[i*dO+j] = scale[i*z1+j] * coef[i*z1+j]
			}
			kb[i] = scale[i*z1+dO] * coef[i*z1+dO]
		}
		for i := range pbar {
			pbar[i] /= sw
		}
		for i := 0; i < dU; i++ { // exact symmetry for SetPrec
			for k := i + 1; k < dU; k++ {
				v := 0.5 * (pbar[i*dU+k] + pbar[k*dU+i])
				pbar[i*dU+k], pbar[k*dU+i] = v, v
			}
		}
		if err := q.SetPrec(t, pbar); err != nil {
			return Stats{}, fmt.Errorf("nn: Linear.SStep: mean precision: %w", err)
		}
	}
	if err := q.Check(); err != nil {
		return Stats{}, fmt.Errorf("nn: Linear.SStep produced a bad policy: %w", err)
	}
	// Weighted mean-action loss.
	num, den := 0.0, 0.0
	u := make([]float64, dU)
	for r := 0; r < d.Rows(); r++ {
		q.Act(r%T, d.Obs[r*dO:(r+1)*dO], nil, nil, u)
		num += d.W[r] * quad(d.Prec[r*dU*dU:(r+1)*dU*dU], d.Mu[r*dU:(r+1)*dU], u)
		den += d.W[r]
	}
	copy(p.K, q.K)
	copy(p.Bias, q.Bias)
	copy(p.Cov, q.Cov)
	copy(p.Chol, q.Chol)
	copy(p.Prec, q.Prec)
	return Stats{Rows: d.Rows(), MeanLoss: num / den}, nil
}

// cholPivotTol is the smallest squared Cholesky pivot of the Jacobi-scaled normal
// matrix (unit diagonal) for which the Cholesky solve is used; below it the
// problem is (nearly) rank deficient and the eigen pseudo-inverse takes over. Both
// give the same minimiser, up to rounding, whenever all eigenvalues exceed
// LinearRcond·λ_max; the Cholesky route is ~10× faster.
const cholPivotTol = 1e-10

// cholSolve solves (S A S) c = S b by Cholesky when its pivots stay above
// cholPivotTol (a holds S A S in its upper triangle, n×n); it reports false
// otherwise. work is n×n.
func cholSolve(a, work, scale, b, c []float64, n int) bool {
	copy(work, a)
	tri, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: n, Stride: n, Data: work})
	if !ok {
		return false
	}
	for i := 0; i < n; i++ {
		if p := work[i*n+i]; !(p*p > cholPivotTol) {
			return false
		}
	}
	for i := range c[:n] {
		c[i] = scale[i] * b[i]
	}
	lapack64.Potrs(tri, blas64.General{Rows: n, Cols: 1, Stride: 1, Data: c})
	return true
}
