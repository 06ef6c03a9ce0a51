package fit

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// GMMConfig holds the settings of Gaussian-mixture EM. The zero value is the
// reference's behaviour with our quirk fixes: at most 100 iterations, warm start.
type GMMConfig struct {
	// MaxIter bounds the EM iterations (E-steps); 0 means 100, the reference's.
	MaxIter int
	// ColdStart re-initialises on every Fit (the reference's warmstart=False).
	// Otherwise a Fit with the same K and D continues from the current parameters.
	ColdStart bool
	// Compat reproduces the reference's quirks: convergence test
	// |Δll| < 1e-5·prevll that never fires for ll < 0 (Q4), initial covariances
	// divided by K rather than by the cluster's count and an error for an empty
	// cluster (Q5), the point count N frozen at the last re-initialisation (Q6),
	// n0 unclamped (Q7), the moments' cross term (μ_k−μ̄)μ_kᵀ and the M-step's
	// uncentred Σ w y yᵀ − μμᵀ. See the package documentation.
	Compat bool
	// Stop selects EM's stopping rule; the zero value, StopRuleAuto, is the
	// reference's rule with Compat and the package default otherwise (see
	// StopRule).
	Stop StopRule
	// StopTol is the tolerance of StopRulePerPoint in nats per point; 0 means
	// DefaultStopTol. The other rules have their tolerances built in.
	StopTol float64
}

// StopReason says why EM ended.
type StopReason int

const (
	StopMaxIterations   StopReason = iota // ran MaxIter E-and-M steps
	StopConverged                         // the log-likelihood changed by less than the tolerance
	StopLogLikDecreased                   // the log-likelihood went down (stops before the M-step)
)

// String returns the reference's name of the stop reason ("max_iterations",
// "converged", "loglik_decreased"), as in the golden files.
func (s StopReason) String() string {
	switch s {
	case StopMaxIterations:
		return "max_iterations"
	case StopConverged:
		return "converged"
	case StopLogLikDecreased:
		return "loglik_decreased"
	}
	return fmt.Sprintf("StopReason(%d)", int(s))
}

// Init says how EM assigns points to clusters when it (re)initialises.
type Init struct {
	// Assign, when non-nil, is the cluster index (0..K-1) of every point, e.g. the
	// assignment the reference drew (golden files' gmm_init_cidx).
	Assign []int
	// Rand draws a uniform random assignment when Assign is nil.
	Rand *rand.Rand
}

// EMResult describes one call of GMM.Fit.
type EMResult struct {
	K             int        // number of clusters fitted
	Reinitialised bool       // parameters were (re)initialised rather than warm-started
	Assign        []int      // the initial assignment used when Reinitialised
	LogLik        []float64  // log-likelihood at each E-step (len = number of E-steps)
	MSteps        int        // number of M-steps run
	Stop          StopReason // why EM ended
}

// GMM is a Gaussian mixture over D-dimensional points (spec §4.4),
//
//	p(y) = Σ_k π_k N(y; μ_k, Σ_k),   k = 0..K-1,
//
// fitted by EM. Its exported fields are its whole state, so a GMM serialises with
// encoding/gob (the dynamics and policy priors are checkpointed with it). A GMM is
// not safe for concurrent use: Inference caches the clusters' Cholesky factors.
type GMM struct {
	Config  GMMConfig
	K, D    int
	Mu      []float64 // K×D means μ_k
	Sigma   []float64 // K×D×D covariances Σ_k
	LogMass []float64 // K log weights log π_k
	// N is the number of points behind the prior's strength: the count at the last
	// re-initialisation with Compat (the reference's self.N, quirk Q6), the count of
	// the last Fit otherwise.
	N int

	chol   []float64 // K×D×D lower Cholesky factors L_k of Sigma; valid when cached
	cinv   []float64 // K×D×D inverses L_k⁻¹ (lower triangular)
	cconst []float64 // −D/2·log 2π − Σ log L_ii per cluster
	cvec   []float64 // K×D: L_k⁻¹(μ_k − ref) during an E-step
	cached bool
	iw     inferWork
}

// Mass returns the cluster weights π_k = exp(LogMass_k).
func (g *GMM) Mass() []float64 {
	m := make([]float64, len(g.LogMass))
	for i, l := range g.LogMass {
		m[i] = math.Exp(l)
	}
	return m
}

// Fit runs EM on the n = len(data)/D points in data (n×D, row-major) with K
// clusters. It re-initialises from init when the GMM is empty, when K or D
// changed, or with Config.ColdStart; otherwise it warm-starts from the current
// parameters (init is then unused). Then it alternates
//
//	E-step: log r_nk = log π_k + log N(y_n; μ_k, Σ_k) − log Σ_j π_j N(y_n; μ_j, Σ_j),
//	        ll = Σ_n log Σ_k π_k N(y_n; μ_k, Σ_k),
//	M-step: π_k ∝ Σ_n r_nk,  w_nk = r_nk / Σ_m r_mk,  μ_k = Σ_n w_nk y_n,
//	        Σ_k = Σ_n w_nk (y_n − μ_k)(y_n − μ_k)ᵀ + 1e-6·I,
//
// where a cluster with π_k < 1e-4/K is "rebooted" to uniform weights w_nk = 1/n.
// EM stops before the M-step when Config.Stop's test fires (by default when ll
// decreases or when |ll − ll_prev| < 10⁻²·n; Compat: < 1e-5·ll_prev, quirk Q4;
// see StopRule), or after Config.MaxIter iterations. Errors: *lingauss.NonFiniteError for NaN/Inf data, *NotPDError when
// a cluster covariance is numerically not positive definite, *EmptyClusterError
// (Compat only) for an empty initial cluster, *LogLikError when the
// log-likelihood overflows.
func (g *GMM) Fit(data []float64, D, K int, init Init) (EMResult, error) {
	if D <= 0 || K <= 0 || len(data)%D != 0 {
		panic(fmt.Sprintf("fit: GMM.Fit with len(data)=%d, D=%d, K=%d", len(data), D, K))
	}
	n := len(data) / D
	res := EMResult{K: K}
	if n == 0 {
		return res, &TooFewSamplesError{N: 0, Min: 1}
	}
	if err := lingauss.CheckFinite("GMM data", data); err != nil {
		return res, err
	}
	maxIter := g.Config.MaxIter
	if maxIter <= 0 {
		maxIter = 100
	}
	compat := g.Config.Compat
	if g.Config.ColdStart || g.K != K || g.D != D || len(g.Mu) != K*D {
		assign := init.Assign
		if assign == nil {
			if init.Rand == nil {
				panic("fit: GMM initialisation needs Init.Assign or Init.Rand")
			}
			assign = make([]int, n)
			for i := range assign {
				assign[i] = init.Rand.IntN(K)
			}
		}
		if len(assign) != n {
			panic(fmt.Sprintf("fit: Init.Assign has %d entries for %d points", len(assign), n))
		}
		if err := g.initialise(data, n, D, K, assign); err != nil {
			return res, err
		}
		res.Reinitialised = true
		res.Assign = append([]int(nil), assign...)
	} else if !compat {
		g.N = n // Q6: the prior's strength follows the current data
	}
	g.cached = false

	w := getEMWork(n, D, K)
	defer emPool.Put(w)
	centreTranspose(w.dataT, w.ref, data, n, D)
	rule, tol := g.Config.stopRule()
	prevll := math.Inf(-1)
	res.Stop = StopMaxIterations
	for itr := 0; itr < maxIter; itr++ {
		if err := g.factorise(); err != nil {
			return res, err
		}
		g.logObs(w.logobs, w.dataT, w.ref, n, w.z, w.ss)
		ll := responsibilities(w, n, K)
		res.LogLik = append(res.LogLik, ll)
		if math.IsNaN(ll) || math.IsInf(ll, 0) {
			return res, &LogLikError{Iteration: itr, LogLik: ll}
		}
		if stop, why := rule.test(ll, prevll, n, tol, !res.Reinitialised); stop {
			res.Stop = why
			break
		}
		prevll = ll
		g.mstep(n, w)
		res.MSteps++
	}
	return res, nil
}

// initialise sets the parameters from a hard assignment: μ_k is the mean of the
// cluster's points, Σ_k = (1/n_k) Σ (y−μ_k)(y−μ_k)ᵀ + 2e-6·I (Compat: divided by K,
// quirk Q5), π_k = 1/K. An empty cluster takes the moments of all the data
// (Compat: *EmptyClusterError).
func (g *GMM) initialise(data []float64, n, D, K int, assign []int) error {
	count := make([]int, K)
	for _, a := range assign {
		if a < 0 || a >= K {
			panic(fmt.Sprintf("fit: Init.Assign holds cluster %d, want 0..%d", a, K-1))
		}
		count[a]++
	}
	for k, c := range count {
		if c == 0 && g.Config.Compat {
			return &EmptyClusterError{Cluster: k, K: K, Points: n}
		}
	}
	g.K, g.D, g.N = K, D, n
	g.Mu = grow(g.Mu, K*D)
	g.Sigma = grow(g.Sigma, K*D*D)
	g.LogMass = grow(g.LogMass, K)
	var all []int // indices of all points, for empty clusters
	for k := 0; k < K; k++ {
		idx := make([]int, 0, count[k])
		for i, a := range assign {
			if a == k {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			if all == nil {
				all = make([]int, n)
				for i := range all {
					all[i] = i
				}
			}
			idx = all
		}
		mu := g.Mu[k*D : (k+1)*D]
		for j := range mu {
			mu[j] = 0
		}
		for _, i := range idx {
			blas64.Implementation().Daxpy(D, 1, data[i*D:(i+1)*D], 1, mu, 1)
		}
		inv := 1 / float64(len(idx))
		for j := range mu {
			mu[j] *= inv
		}
		diff := make([]float64, len(idx)*D)
		for r, i := range idx {
			for j := 0; j < D; j++ {
				diff[r*D+j] = data[i*D+j] - mu[j]
			}
		}
		scale := 1 / float64(len(idx))
		if g.Config.Compat {
			scale = 1 / float64(K)
		}
		s := g.Sigma[k*D*D : (k+1)*D*D]
		blas64.Gemm(blas.Trans, blas.NoTrans, scale,
			blas64.General{Rows: len(idx), Cols: D, Stride: D, Data: diff},
			blas64.General{Rows: len(idx), Cols: D, Stride: D, Data: diff},
			0, blas64.General{Rows: D, Cols: D, Stride: D, Data: s})
		for j := 0; j < D; j++ {
			s[j*D+j] += 2e-6
		}
		g.LogMass[k] = math.Log(1 / float64(K))
	}
	g.cached = false
	return nil
}

// factorise caches the lower Cholesky factors L_k (Σ_k = L_k L_kᵀ) and the
// normalising constants.
func (g *GMM) factorise() error {
	if g.cached {
		return nil
	}
	K, D := g.K, g.D
	g.chol = grow(g.chol, K*D*D)
	g.cconst = grow(g.cconst, K)
	c0 := -0.5 * float64(D) * math.Log(2*math.Pi)
	for k := 0; k < K; k++ {
		r := g.chol[k*D*D : (k+1)*D*D]
		copy(r, g.Sigma[k*D*D:(k+1)*D*D])
		if ok, p, v := cholLower(r, D); !ok {
			return &NotPDError{Matrix: "GMM cluster covariance", Index: k, Pivot: p, PivotValue: v}
		}
		g.cconst[k] = c0 - sumLogDiag(r, D)
	}
	g.cinv = grow(g.cinv, K*D*D)
	for k := 0; k < K; k++ {
		invLower(g.cinv[k*D*D:(k+1)*D*D], g.chol[k*D*D:(k+1)*D*D], D)
	}
	g.cached = true
	return nil
}

// LogObs returns the n×K matrix log π_k + log N(y_n; μ_k, Σ_k) for the points pts
// (n×D row-major), the reference's estep.
func (g *GMM) LogObs(pts []float64) ([]float64, error) {
	n := g.checkPts(pts)
	if err := g.factorise(); err != nil {
		return nil, err
	}
	lo := make([]float64, n*g.K)
	ptsT := make([]float64, n*g.D)
	ref := make([]float64, g.D)
	centreTranspose(ptsT, ref, pts, n, g.D)
	g.logObs(lo, ptsT, ref, n, make([]float64, n*g.D), make([]float64, n))
	return lo, nil
}

// ClusterLogWeights returns log ω_k, ω_k = (1/n) Σ_n r_nk, the average
// responsibility of cluster k over the query points pts (the reference's clusterwts).
func (g *GMM) ClusterLogWeights(pts []float64) ([]float64, error) {
	n := g.checkPts(pts)
	if err := g.factorise(); err != nil {
		return nil, err
	}
	lw := make([]float64, g.K)
	g.clusterLogWeights(lw, pts, n)
	return lw, nil
}

type inferWork struct {
	lo, ptsT, ref, z, ss, col, lw, w, d, v []float64
}

func (g *GMM) clusterLogWeights(lw, pts []float64, n int) {
	g.logObsRows(pts, n)
	g.weightsFromLogObs(lw, g.iw.lo, n)
}

// logObsRows fills g.iw.lo (n×K) with the log-observations of the n rows pts.
func (g *GMM) logObsRows(pts []float64, n int) {
	K, D := g.K, g.D
	iw := &g.iw
	iw.lo = grow(iw.lo, n*K)
	iw.z = grow(iw.z, n*D)
	iw.ptsT = grow(iw.ptsT, n*D)
	iw.ss = grow(iw.ss, n)
	iw.ref = grow(iw.ref, D)
	centreTranspose(iw.ptsT, iw.ref, pts, n, D)
	g.logObs(iw.lo, iw.ptsT, iw.ref, n, iw.z, iw.ss)
}

// weightsFromLogObs sets lw_k = log((1/n) Σ_i r_ik) from the log-observations lo
// (n×K) of n points; lo is overwritten with log r.
func (g *GMM) weightsFromLogObs(lw, lo []float64, n int) {
	K := g.K
	iw := &g.iw
	iw.col = grow(iw.col, n)
	for i := 0; i < n; i++ {
		row := lo[i*K : (i+1)*K]
		l := logSumExp(row)
		for k := range row {
			row[k] -= l
		}
	}
	logn := math.Log(float64(n))
	for k := 0; k < K; k++ {
		for i := 0; i < n; i++ {
			iw.col[i] = lo[i*K+k]
		}
		lw[k] = logSumExp(iw.col) - logn
	}
}

// Moments returns the mean and covariance of the mixture with cluster weights
// ω_k = exp(logw_k) (Σ ω_k = 1):
//
//	μ̄ = Σ_k ω_k μ_k,   Φ = Σ_k ω_k (Σ_k + (μ_k − μ̄)(μ_k − μ̄)ᵀ).
//
// With Compat the cross term is the reference's (μ_k − μ̄) μ_kᵀ, equal in exact
// arithmetic but not symmetric in floating point.
func (g *GMM) Moments(logw []float64) (mu, sigma []float64) {
	mu = make([]float64, g.D)
	sigma = make([]float64, g.D*g.D)
	g.moments(mu, sigma, logw)
	return mu, sigma
}

func (g *GMM) moments(mu, sigma, logw []float64) {
	K, D := g.K, g.D
	iw := &g.iw
	iw.w = grow(iw.w, K)
	iw.d = grow(iw.d, K*D)
	w, dw := iw.w, iw.d
	for k := range w {
		w[k] = math.Exp(logw[k])
	}
	// μ̄ = Σ_k ω_k μ_k.
	for j := range mu[:D] {
		mu[j] = 0
	}
	for k := 0; k < K; k++ {
		mk := g.Mu[k*D : (k+1)*D]
		for j := 0; j < D; j++ {
			mu[j] += mk[j] * w[k]
		}
	}
	// Φ = Σ_k ω_k Σ_k (one matrix-vector product over the stacked covariances)
	// + Σ_k ω_k (μ_k − μ̄) vᵀ, v = μ_k − μ̄ (Compat: v = μ_k), as (D×K)(K×D).
	blas64.Gemv(blas.Trans, 1, blas64.General{Rows: K, Cols: D * D, Stride: D * D, Data: g.Sigma},
		blas64.Vector{N: K, Inc: 1, Data: w}, 0, blas64.Vector{N: D * D, Inc: 1, Data: sigma[:D*D]})
	for k := 0; k < K; k++ {
		mk, dk := g.Mu[k*D:(k+1)*D], dw[k*D:(k+1)*D]
		for j := 0; j < D; j++ {
			dk[j] = (mk[j] - mu[j]) * w[k]
		}
	}
	right := g.Mu
	if !g.Config.Compat {
		iw.v = grow(iw.v, K*D)
		right = iw.v
		for k := 0; k < K; k++ {
			mk, vk := g.Mu[k*D:(k+1)*D], right[k*D:(k+1)*D]
			for j := 0; j < D; j++ {
				vk[j] = mk[j] - mu[j]
			}
		}
	}
	blas64.Gemm(blas.Trans, blas.NoTrans, 1,
		blas64.General{Rows: K, Cols: D, Stride: D, Data: dw},
		blas64.General{Rows: K, Cols: D, Stride: D, Data: right},
		1, blas64.General{Rows: D, Cols: D, Stride: D, Data: sigma})
}

// NIW holds normal-inverse-Wishart prior parameters for a D-dimensional Gaussian
// (spec §4.3, §4.5): prior mean Mu0 with M pseudo-observations, scale matrix Phi
// with N0 pseudo-observations.
type NIW struct {
	Mu0   []float64 // D
	Phi   []float64 // D×D
	M, N0 float64
}

// minN0 is the floor on the normalised prior count n0 = (N−2−D)/N outside Compat
// mode (quirk Q7): with fewer points than dimensions the formula goes negative and
// the prior would subtract observations from the posterior covariance.
const minN0 = 1e-3

// Inference evaluates the GMM as a prior at the n query points pts (n×D): with
// ω_k the average responsibilities (ClusterLogWeights) it sets dst.Mu0, dst.Phi to
// the Moments, dst.M = 1 and dst.N0 = (N − 2 − D)/N with N the GMM's point count,
// floored at 1e-3 unless Compat (quirk Q7). Strength scaling is the caller's (see
// DynamicsPrior.EvalTo).
func (g *GMM) Inference(dst *NIW, pts []float64) error {
	n := g.checkPts(pts)
	return g.inferenceBlocks(pts, n, 1, func(_ int, niw *NIW) error {
		dst.copyFrom(niw)
		return nil
	})
}

// copyFrom sets p to a copy of q, reusing p's storage.
func (p *NIW) copyFrom(q *NIW) {
	p.Mu0 = append(p.Mu0[:0], q.Mu0...)
	p.Phi = append(p.Phi[:0], q.Phi...)
	p.M, p.N0 = q.M, q.N0
}

// inferenceBlocks evaluates Inference, scaled by strength as in evalGMMPrior, on
// each of nb consecutive blocks of the n rows pts and hands the result to f. The
// log-observations of all rows are computed in one pass (long triangular solves),
// which is what makes the per-time-step prior evaluations of a fit cheap.
func (g *GMM) inferenceBlocks(pts []float64, n, nb int, f func(b int, niw *NIW) error) error {
	if n%nb != 0 {
		panic(fmt.Sprintf("fit: %d rows in %d blocks", n, nb))
	}
	if err := g.factorise(); err != nil {
		return err
	}
	per := n / nb
	g.logObsRows(pts, n)
	lo := g.iw.lo
	g.iw.lw = grow(g.iw.lw, g.K)
	var niw NIW
	niw.Mu0 = make([]float64, g.D)
	niw.Phi = make([]float64, g.D*g.D)
	N := float64(g.N)
	for b := 0; b < nb; b++ {
		g.weightsFromLogObs(g.iw.lw, lo[b*per*g.K:(b+1)*per*g.K], per)
		g.moments(niw.Mu0, niw.Phi, g.iw.lw)
		niw.M = N / N
		niw.N0 = (N - 2 - float64(g.D)) / N
		if !g.Config.Compat && !(niw.N0 >= minN0) {
			niw.N0 = minN0
		}
		if err := f(b, &niw); err != nil {
			return err
		}
	}
	return nil
}

func (g *GMM) checkPts(pts []float64) int {
	if g.K == 0 || g.D == 0 {
		panic("fit: GMM used before Fit")
	}
	if len(pts) == 0 || len(pts)%g.D != 0 {
		panic(fmt.Sprintf("fit: %d query values for D=%d", len(pts), g.D))
	}
	return len(pts) / g.D
}
