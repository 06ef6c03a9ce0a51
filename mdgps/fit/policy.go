package fit

import (
	"fmt"
	"math"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// Prior is a normal-inverse-Wishart prior evaluated at query points: EvalTo writes
// (μ0, Φ, m, n0) for the n query rows pts (n×D) into dst. *DynamicsPrior,
// *PolicyPrior and ConstantPrior implement it.
type Prior interface {
	EvalTo(dst *NIW, pts []float64) error
}

var (
	_ Prior = (*DynamicsPrior)(nil)
	_ Prior = (*PolicyPrior)(nil)
	_ Prior = ConstantPrior{}
)

// SampleMode says how PolicyPrior.Update treats its buffer.
type SampleMode int

const (
	// AddSamples appends the new trajectories and keeps the last MaxSamples (the
	// reference's default policy_sample_mode 'add'; no off-by-one here).
	AddSamples SampleMode = iota
	// ReplaceSamples makes the buffer exactly the new trajectories ('replace').
	ReplaceSamples
	// KeepSamples is the submission-era policy prior's own buffer (spec §15.4,
	// keep_samples = True in the reference's PolicyPriorGMM at afc2519): append
	// the new trajectories (an empty update appends nothing), keep the last
	// MaxSamples−1, and re-label all of them with the current network.
	KeepSamples
)

// MeanFunc evaluates the global policy's mean action on n observations obs
// (n×dO row-major) and returns the n×dU means.
type MeanFunc func(obs []float64, n int) []float64

// PolicyPrior is the GMM prior over [x_t, π(x_t)] used to linearise the global
// policy (spec §5.2). It buffers states and observations; at every update the
// buffered observations are re-labelled with the current policy's mean actions.
// Its exported fields are its whole state (gob-serialisable).
type PolicyPrior struct {
	Config        PriorConfig
	T, DX, DO, DU int
	NBuf          int       // trajectories in the buffer
	X             []float64 // NBuf×T×DX buffered states
	Obs           []float64 // NBuf×T×DO buffered observations
	GMM           GMM       // mixture over D = DX + DU dimensional points
}

// NewPolicyPrior returns an empty prior for trajectories of T steps with state,
// observation and action dimensions dX, dO, dU.
func NewPolicyPrior(cfg PriorConfig, T, dX, dO, dU int) (*PolicyPrior, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if T < 1 || dX <= 0 || dO <= 0 || dU <= 0 {
		return nil, fmt.Errorf("fit: policy prior for T=%d dX=%d dO=%d dU=%d, want positive sizes", T, dX, dO, dU)
	}
	if cfg.SwapLimits {
		return nil, fmt.Errorf("fit: PriorConfig.SwapLimits = true for a policy prior; the submission swapped the limits of the dynamics prior only")
	}
	return &PolicyPrior{Config: cfg, T: T, DX: dX, DO: dO, DU: dU}, nil
}

// Update stores the N new trajectories (X: N×T×DX, obs: N×T×DO) by mode (an
// empty update in AddSamples or KeepSamples mode keeps the buffer), re-labels every buffered
// observation with mean, and refits the GMM on the points [x_t, π(o_t)] of all
// buffered trajectories and all t (row n·T+t) with
// K = max(2, min(MaxClusters, ⌊NBuf·T/MinSamplesPerCluster⌋)), warm-starting
// when K is unchanged. init is used when EM (re)initialises.
func (p *PolicyPrior) Update(X, obs []float64, N int, mode SampleMode, mean MeanFunc, init Init) (EMResult, error) {
	T, dX, dO, dU := p.T, p.DX, p.DO, p.DU
	if N < 0 || len(X) != N*T*dX || len(obs) != N*T*dO {
		panic(fmt.Sprintf("fit: PolicyPrior.Update with N=%d, len(X)=%d, len(obs)=%d for T=%d dX=%d dO=%d", N, len(X), len(obs), T, dX, dO))
	}
	if err := lingauss.CheckFinite("X", X); err != nil {
		return EMResult{}, err
	}
	if err := lingauss.CheckFinite("obs", obs); err != nil {
		return EMResult{}, err
	}
	switch {
	case mode == KeepSamples:
		p.keep(X, obs, N)
	case mode == ReplaceSamples || p.NBuf == 0:
		p.X = append(p.X[:0:0], X...)
		p.Obs = append(p.Obs[:0:0], obs...)
		p.NBuf = N
	case N > 0:
		p.X = append(p.X, X...)
		p.Obs = append(p.Obs, obs...)
		p.NBuf += N
		if keep := p.Config.MaxSamples; p.NBuf > keep {
			drop := p.NBuf - keep
			p.X = append([]float64(nil), p.X[drop*T*dX:]...)
			p.Obs = append([]float64(nil), p.Obs[drop*T*dO:]...)
			p.NBuf = keep
		}
	}
	if p.NBuf == 0 {
		return EMResult{}, &TooFewSamplesError{N: 0, Min: 1}
	}
	rows := p.NBuf * T
	U := mean(p.Obs, rows)
	if len(U) != rows*dU {
		panic(fmt.Sprintf("fit: MeanFunc returned %d values for %d observations of dU=%d", len(U), rows, dU))
	}
	if err := lingauss.CheckFinite("policy mean", U); err != nil {
		return EMResult{}, err
	}
	D := dX + dU
	pts := make([]float64, 0, rows*D)
	for r := 0; r < rows; r++ {
		pts = append(pts, p.X[r*dX:(r+1)*dX]...)
		pts = append(pts, U[r*dU:(r+1)*dU]...)
	}
	p.GMM.Config = p.Config.gmmConfig()
	return p.GMM.Fit(pts, D, p.Config.clusters(rows), init)
}

// EvalTo evaluates the prior at the n query points pts (n×(DX+DU)): the GMM's
// Inference scaled by the strength (spec §4.5).
func (p *PolicyPrior) EvalTo(dst *NIW, pts []float64) error {
	return evalGMMPrior(&p.GMM, p.Config, dst, pts)
}

// ConstantPrior is the reference's constant policy prior (PolicyPrior, spec §5.2):
// μ0 = 0, m = 0, n0 = s, Φ = s·blockdiag(I_DX, 1e-5·I_DU), a tiny ridge.
// The reference's default strength is 1e-4.
type ConstantPrior struct {
	DX, DU   int
	Strength float64
}

// EvalTo implements Prior; the query points are not used.
func (c ConstantPrior) EvalTo(dst *NIW, pts []float64) error {
	D := c.DX + c.DU
	dst.Mu0 = grow(dst.Mu0, D)
	dst.Phi = grow(dst.Phi, D*D)
	for i := range dst.Mu0 {
		dst.Mu0[i] = 0
	}
	for i := range dst.Phi {
		dst.Phi[i] = 0
	}
	for i := 0; i < D; i++ {
		v := c.Strength
		if i >= c.DX {
			v *= 1e-5
		}
		dst.Phi[i*D+i] = v
	}
	dst.M, dst.N0 = 0, c.Strength
	return nil
}

// PolicyConfig configures the policy linearisation (spec §5.2).
type PolicyConfig struct {
	// Reg0 is added to the state block of the joint covariance at t = 0 only, as
	// Reg0·I (Compat: on every entry of the block, quirk Q1). Reference: 1e-8.
	Reg0 float64
	// Compat reproduces the reference bit for bit where it matters (Q1).
	Compat bool
}

// DefaultPolicyConfig returns Reg0 = 1e-8, the reference's constant.
func DefaultPolicyConfig() PolicyConfig { return PolicyConfig{Reg0: 1e-8} }

// Validate reports the first field outside its allowed range.
func (c PolicyConfig) Validate() error {
	if !(c.Reg0 >= 0) || math.IsInf(c.Reg0, 0) {
		return fmt.Errorf("fit: PolicyConfig.Reg0 = %v, want ≥ 0 (reference 1e-8)", c.Reg0)
	}
	return nil
}

// LinearisePolicy fits the linear-Gaussian policy π̄(u|x) = N(K̄_t x + k̄_t, S̄_t)
// to the global policy around the batch's states (spec §5.2). b.U holds the
// network's mean actions π(o) at the batch's samples, polCov (N×T×DU×DU) its
// action covariances. For every t = 0..T−1, FitConditional on the N rows
// [x_t, π_t] under prior (nil, or a nil *PolicyPrior: none) evaluated at those
// rows gives K̄_t, k̄_t and
// S_fit; then
//
//	S̄_t = S_fit + (1/N) Σ_n polCov[n,t]
//
// (the network covariance does not depend on the state), set through SetCov so
// that the Cholesky factor and precision are consistent. Call prior.Update first.
// Errors: *TooFewSamplesError for N < 2, *NotPDError for a singular state block,
// *lingauss.NotPDError when S̄_t is not positive definite.
func LinearisePolicy(b Batch, polCov []float64, prior Prior, cfg PolicyConfig) (*lingauss.Policy, error) {
	b.check()
	N, T, dX, dU := b.N, b.T, b.DX, b.DU
	if len(polCov) != N*T*dU*dU {
		panic(fmt.Sprintf("fit: LinearisePolicy with len(polCov)=%d, want N·T·dU·dU = %d", len(polCov), N*T*dU*dU))
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if N < 2 {
		return nil, &TooFewSamplesError{N: N, Min: 2}
	}
	if err := b.checkFinite(); err != nil {
		return nil, err
	}
	if err := lingauss.CheckFinite("polCov", polCov); err != nil {
		return nil, err
	}
	D := dX + dU
	pol := lingauss.NewPolicy(T, dX, dU)
	ys := make([]float64, T*N*D) // block t: the rows [x_t, π_t] of the N samples
	for t := 0; t < T; t++ {
		for n := 0; n < N; n++ {
			copy(ys[(t*N+n)*D:(t*N+n)*D+dX], b.X[(n*T+t)*dX:(n*T+t+1)*dX])
			copy(ys[(t*N+n)*D+dX:(t*N+n+1)*D], b.U[(n*T+t)*dU:(n*T+t+1)*dU])
		}
	}
	cov := make([]float64, dU*dU)
	mean := make([]float64, dU*dU)
	var w condWork
	err := evalPriorSteps(prior, ys, N, T, func(t int, niw *NIW) error {
		reg := 0.0
		if t == 0 {
			reg = cfg.Reg0
		}
		if err := w.fit(pol.K[t*dU*dX:(t+1)*dU*dX], pol.Bias[t*dU:(t+1)*dU], cov, ys[t*N*D:(t+1)*N*D], N, D, dX, niw, reg, cfg.Compat, t); err != nil {
			return err
		}
		// S̄_t = S_fit + mean_n polCov[n,t]; the mean is accumulated first, as the
		// reference does (np.mean over samples, then added).
		for i := range mean {
			mean[i] = 0
		}
		for n := 0; n < N; n++ {
			c := polCov[(n*T+t)*dU*dU : (n*T+t+1)*dU*dU]
			for i := range mean {
				mean[i] += c[i]
			}
		}
		for i := range cov {
			cov[i] += mean[i] / float64(N)
		}
		return pol.SetCov(t, cov)
	})
	if err != nil {
		return nil, err
	}
	if err := pol.Check(); err != nil { // overflow only; never hand NaN on
		return nil, err
	}
	return pol, nil
}
