package nn

import (
	"errors"
	"fmt"
	"math"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// Dataset is the S-step's training set (spec §7.4): for N trajectories (all
// conditions concatenated) of T steps, row r = n·T + t holds
//
//	o_r  (Obs,  DO values)     the observation the policy sees,
//	μ_r  (Mu,   DU values)     the local controller's mean action K_t x_r + k_t,
//	P_r  (Prec, DU×DU values)  that controller's precision Σ_t⁻¹ (symmetric PD),
//	w_r  (W,    1 value)       the row's weight (≥ 0; MDGPS uses 0.01 everywhere).
//
// All arrays are flat and row-major. The S-step minimises
// Σ_r w_r KL(π(u|o_r) ‖ N(μ_r, P_r⁻¹)); see the package documentation.
type Dataset struct {
	N, T, DO, DU int
	Obs          []float64 // N·T·DO
	Mu           []float64 // N·T·DU
	Prec         []float64 // N·T·DU·DU
	W            []float64 // N·T
}

// Rows returns N·T.
func (d *Dataset) Rows() int { return d.N * d.T }

// PrecisionError reports a target precision that is not symmetric or not
// positive definite, with the evidence.
type PrecisionError struct {
	Row, N, T int // row r = n·T + t
	// Asymmetry is max |P_ij − P_ji| / max |P_ij| (set when the matrix is not
	// symmetric to the tolerance SymmetryTol).
	Asymmetry float64
	// Pivot and PivotValue locate the failed Cholesky pivot (PivotValue ≤ 0)
	// when the matrix is symmetric but not positive definite; Pivot is -1 otherwise.
	Pivot      int
	PivotValue float64
}

// SymmetryTol is the relative asymmetry max|P − Pᵀ| / max|P| accepted in target
// precisions: precisions computed as (RᵀR)⁻¹ by two triangular solves are symmetric
// only to rounding. The trainer uses sym(P) = (P + Pᵀ)/2.
const SymmetryTol = 1e-9

func (e *PrecisionError) Error() string {
	if e.Pivot < 0 {
		return fmt.Sprintf("nn: Dataset.Prec at row %d (n=%d, t=%d) is not symmetric: max|P-Pᵀ|/max|P| = %.3g > %g",
			e.Row, e.N, e.T, e.Asymmetry, SymmetryTol)
	}
	return fmt.Sprintf("nn: Dataset.Prec at row %d (n=%d, t=%d) is not positive definite (Cholesky pivot %d = %g)",
		e.Row, e.N, e.T, e.Pivot, e.PivotValue)
}

// ErrEmpty is returned for a dataset without rows.
var ErrEmpty = errors.New("nn: empty dataset (Dataset.N·Dataset.T = 0)")

// Validate checks sizes, finiteness, weights (finite, ≥ 0, not all zero) and that
// every precision is symmetric (to SymmetryTol) and positive definite. It returns
// ErrEmpty, an error naming the field, a *lingauss.NonFiniteError or a
// *PrecisionError.
func (d *Dataset) Validate() error {
	if d.N < 0 || d.T < 0 {
		return fmt.Errorf("nn: Dataset.N = %d, Dataset.T = %d, want ≥ 0", d.N, d.T)
	}
	if d.N == 0 || d.T == 0 {
		return ErrEmpty
	}
	if d.DO < 1 || d.DU < 1 {
		return fmt.Errorf("nn: Dataset.DO = %d, Dataset.DU = %d, want ≥ 1", d.DO, d.DU)
	}
	R := d.Rows()
	for _, a := range []struct {
		name string
		v    []float64
		n    int
	}{{"Obs", d.Obs, R * d.DO}, {"Mu", d.Mu, R * d.DU}, {"Prec", d.Prec, R * d.DU * d.DU}, {"W", d.W, R}} {
		if len(a.v) != a.n {
			return fmt.Errorf("nn: len(Dataset.%s) = %d, want %d for N=%d T=%d DO=%d DU=%d",
				a.name, len(a.v), a.n, d.N, d.T, d.DO, d.DU)
		}
		if err := lingauss.CheckFinite("Dataset."+a.name, a.v); err != nil {
			return err
		}
	}
	sum := 0.0
	for r, w := range d.W {
		if w < 0 {
			return fmt.Errorf("nn: Dataset.W[%d] = %v, want ≥ 0", r, w)
		}
		sum += w
	}
	if !(sum > 0) {
		return errors.New("nn: Dataset.W sums to 0, want at least one weight > 0")
	}
	du := d.DU
	chol := make([]float64, du*du)
	for r := 0; r < R; r++ {
		if err := checkPrec(d.Prec[r*du*du:(r+1)*du*du], du, chol); err != nil {
			err.Row, err.N, err.T = r, r/d.T, r%d.T
			return err
		}
	}
	return nil
}

// checkPrec checks symmetry and positive definiteness of the n×n matrix p, using
// work (n×n) for a Cholesky factorisation of sym(p).
func checkPrec(p []float64, n int, work []float64) *PrecisionError {
	maxAbs, maxDiff := 0.0, 0.0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			maxAbs = math.Max(maxAbs, math.Abs(p[i*n+j]))
			if j > i {
				maxDiff = math.Max(maxDiff, math.Abs(p[i*n+j]-p[j*n+i]))
			}
		}
	}
	if maxDiff > SymmetryTol*maxAbs {
		return &PrecisionError{Asymmetry: maxDiff / maxAbs, Pivot: -1}
	}
	// Lower Cholesky of sym(p), column by column.
	for j := 0; j < n; j++ {
		for i := j; i < n; i++ {
			s := 0.5 * (p[i*n+j] + p[j*n+i])
			for k := 0; k < j; k++ {
				s -= work[i*n+k] * work[j*n+k]
			}
			if i == j {
				if !(s > 0) {
					return &PrecisionError{Pivot: j, PivotValue: s}
				}
				work[j*n+j] = math.Sqrt(s)
			} else {
				work[i*n+j] = s / work[j*n+j]
			}
		}
	}
	return nil
}

// checkDims returns an error when the dataset's dimensions differ from the
// policy's.
func (d *Dataset) checkDims(dO, dU int) error {
	if d.DO != dO || d.DU != dU {
		return fmt.Errorf("nn: Dataset has DO=%d DU=%d, the policy DO=%d DU=%d", d.DO, d.DU, dO, dU)
	}
	return nil
}

// DivergedError reports an S-step stopped because the minibatch loss or the
// parameters became non-finite. The policy is left as it was before the call.
type DivergedError struct {
	Iteration int     // 0-based Adam step at which it was detected
	Loss      float64 // the offending minibatch loss (NaN or ±Inf, or the last finite loss)
	Param     int     // index of the first non-finite parameter, or -1
}

func (e *DivergedError) Error() string {
	if e.Param >= 0 {
		return fmt.Sprintf("nn: S-step diverged at Adam step %d: parameter %d not finite (last loss %v); policy unchanged",
			e.Iteration, e.Param, e.Loss)
	}
	return fmt.Sprintf("nn: S-step diverged at Adam step %d: minibatch loss %v; policy unchanged", e.Iteration, e.Loss)
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// AddSamples appends the targets of one condition to d (spec §7.4): for its n
// sampled trajectories with states X (n×T×DX) and observations obs (n×T×DO), row
// (j, t) gets the local controller's mean μ = K_t x_{j,t} + k_t, its precision
// P_t and the weight w (MDGPS: init_pol_wt = 0.01, which the normalisation turns
// into 1). An empty d (N = 0) takes T, DO and DU from the arguments; otherwise they
// must match (a mismatch panics, as a programmer error).
func (d *Dataset) AddSamples(pol *lingauss.Policy, X, obs []float64, n int, w float64) {
	T, dX, dU := pol.T, pol.DX, pol.DU
	if n < 0 || len(X) != n*T*dX || (n > 0 && len(obs)%(n*T) != 0) {
		panic(fmt.Sprintf("nn: AddSamples with n=%d len(X)=%d len(obs)=%d for T=%d DX=%d", n, len(X), len(obs), T, dX))
	}
	if n == 0 {
		return
	}
	dO := len(obs) / (n * T)
	if d.N == 0 {
		d.T, d.DO, d.DU = T, dO, dU
	} else if d.T != T || d.DO != dO || d.DU != dU {
		panic(fmt.Sprintf("nn: AddSamples with T=%d DO=%d DU=%d into a dataset with T=%d DO=%d DU=%d", T, dO, dU, d.T, d.DO, d.DU))
	}
	d.Obs = append(d.Obs, obs...)
	u := make([]float64, dU)
	for j := 0; j < n; j++ {
		for t := 0; t < T; t++ {
			pol.Act(t, X[(j*T+t)*dX:(j*T+t+1)*dX], nil, nil, u)
			d.Mu = append(d.Mu, u...)
			d.Prec = append(d.Prec, pol.Prec[t*dU*dU:(t+1)*dU*dU]...)
			d.W = append(d.W, w)
		}
	}
	d.N += n
}
