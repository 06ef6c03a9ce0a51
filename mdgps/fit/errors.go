package fit

import "fmt"

// NotPDError reports a matrix that should be symmetric positive definite but is not
// numerically: its Cholesky factorisation failed at pivot Pivot (0-based) with the
// value PivotValue ≤ 0. Matrix names the matrix, Index the cluster or time step.
type NotPDError struct {
	Matrix     string // e.g. "GMM cluster covariance", "joint covariance input block"
	Index      int    // cluster k or time step t (see Matrix)
	Pivot      int
	PivotValue float64
}

func (e *NotPDError) Error() string {
	return fmt.Sprintf("fit: %s %d not positive definite (Cholesky pivot %d = %g)", e.Matrix, e.Index, e.Pivot, e.PivotValue)
}

// EmptyClusterError reports that a Gaussian-mixture initialisation left a cluster
// without points. The reference then computes the mean of an empty set (NaN) and
// fails; with Compat set, Fit returns this error instead. The default
// initialisation replaces an empty cluster by the moments of all the data (Q5).
type EmptyClusterError struct {
	Cluster, K, Points int
}

func (e *EmptyClusterError) Error() string {
	return fmt.Sprintf("fit: GMM initialisation leaves cluster %d of %d empty (%d points); the reference would produce NaN", e.Cluster, e.K, e.Points)
}

// TooFewSamplesError reports a fit asked of fewer trajectories than it needs (the
// reference rejects N = 1: the empirical covariance of one sample is zero).
type TooFewSamplesError struct {
	N, Min int
}

func (e *TooFewSamplesError) Error() string {
	return fmt.Sprintf("fit: %d sample(s), need at least %d", e.N, e.Min)
}

// LogLikError reports an EM log-likelihood that is not finite (NaN or ±Inf), which
// happens only for data whose scale overflows the Mahalanobis distances; the
// parameters are then not updated further.
type LogLikError struct {
	Iteration int // 0-based E-step
	LogLik    float64
}

func (e *LogLikError) Error() string {
	return fmt.Sprintf("fit: GMM log-likelihood %v at E-step %d is not finite (data scale overflows?)", e.LogLik, e.Iteration)
}
