package mdgps

import (
	"encoding/json"
	"math"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/mdgps/cost"
	"github.com/mirrorgps/mirrorgps/mdgps/internal/dense"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// Iteration is the record of one completed iteration: what the paper plots and
// reasons about. Iterations count from 1 ("iteration k" = the global policy after
// k complete iterations). JSON field names are snake_case; means are over
// conditions.
type Iteration struct {
	Iteration int    `json:"iteration"`
	Task      string `json:"task"`
	Algorithm string `json:"algorithm"`
	Sampling  string `json:"sampling"`
	Step      string `json:"step"`
	Era       string `json:"era"` // "current" or "submission"; records written before eras existed read as current (Iteration.Variant)
	Seed      uint64 `json:"seed"`
	// CStepRounds is the number of C-steps each condition ran this iteration
	// (1 for MDGPS in the current era and the trajopt baseline; BADMM's inner rounds).
	CStepRounds int `json:"cstep_rounds"`

	CostLocalMean    float64 `json:"cost_local_mean"`     // mean total cost of the training samples
	CostGlobalMean   float64 `json:"cost_global_mean"`    // total cost of the noiseless global-policy rollout
	CostGlobalMCMean float64 `json:"cost_global_mc_mean"` // Monte-Carlo total cost of the noisy global-policy rollouts (0 without EvalSamples)
	DistanceMean     float64 `json:"distance_mean"`       // the paper's distance of the noiseless global-policy rollouts (see Distancer)
	SuccessRate      float64 `json:"success_rate"`        // fraction of conditions whose noiseless rollout succeeds (tasks with a success criterion; else 0)
	KLMean           float64 `json:"kl_mean"`             // realised C-step KL per time step
	EpsilonMean      float64 `json:"epsilon_mean"`        // per-step KL budget ε
	EtaMean          float64 `json:"eta_mean"`
	BoundMean        float64 `json:"bound_mean"`    // Lemma 2's empirical bound on the global policy's expected total cost: mean over the conditions that have one; NaN (JSON null) if none
	SStepKLMean      float64 `json:"sstep_kl_mean"` // sample-based KL(π_θ ‖ p_i) per step after the S-step
	SStepLoss        float64 `json:"sstep_loss"`    // final training loss of the S-step
	WallSeconds      float64 `json:"wall_seconds"`  // time spent in this iteration's phases
	Failures         int     `json:"failures"`      // conditions whose C-step failed numerically
	// DivergedRollouts counts this iteration's rollouts (training and
	// evaluation) in which the simulator diverged and reset its state
	// (envs.Sample.Diverged); they went on from the reset state as the
	// reference's did.
	DivergedRollouts int     `json:"diverged_rollouts,omitempty"`
	SaturationMean   float64 `json:"saturation_mean"`   // mean of Cond.Saturation
	ControlGainMean  float64 `json:"control_gain_mean"` // mean of Cond.ControlGain
	Conditions       []Cond  `json:"conditions"`        // per-condition detail
}

// Cond is one condition's part of an Iteration record.
type Cond struct {
	Cond           int       `json:"cond"`
	CostLocal      float64   `json:"cost_local"`
	CostGlobal     float64   `json:"cost_global"`
	CostGlobalMC   float64   `json:"cost_global_mc"`
	Metric         float64   `json:"metric"`   // the task's metric (envs.Env.Evaluate) of the noiseless rollout
	Distance       float64   `json:"distance"` // the paper's distance (Distancer; else the metric)
	Success        bool      `json:"success"`
	KL             float64   `json:"kl"`       // Σ_t KL(p_i ‖ reference) realised by the C-step
	KLPerT         []float64 `json:"kl_per_t"` // per time step
	Epsilon        float64   `json:"epsilon"`
	Eta            float64   `json:"eta"`
	Converged      bool      `json:"converged"`
	DualIterations int       `json:"dual_iterations"`
	StepMult       float64   `json:"step_mult"`      // multiplier used by this iteration's C-step
	PredImpr       float64   `json:"predicted_impr"` // the step rule's predicted improvement (0 on iteration 1 / fixed)
	ActualImpr     float64   `json:"actual_impr"`
	PredictedCost  float64   `json:"predicted_cost"` // E_p[Σℓ] of the new controller under the fitted model
	SStepKL        float64   `json:"sstep_kl"`       // mean over samples and t of KL(π_θ(u|o) ‖ p_i(u|x))
	Bound          float64   `json:"bound"`          // Lemma 2 bound (paper-notes.md "Our estimators"); NaN (JSON null) when it could not be computed
	BoundEpsMax    float64   `json:"bound_eps_max"`  // the largest ε_t of the bound; NaN (JSON null) with Bound
	// Saturation is the fraction of commanded action components of the training
	// samples outside the task's control limits (envs.ControlLimiter; 0 without).
	Saturation float64 `json:"saturation"`
	// ControlGain is ‖F_u,t‖_F, the Frobenius norm of the fitted dynamics'
	// control block, averaged over the fitted steps t = 0 … T−2: how strongly
	// the model believes actions move the state (it collapses when the
	// actuators saturate).
	ControlGain float64 `json:"control_gain"`
	Error       string  `json:"error,omitempty"`
	// StepError is the step rule's numerical failure (StepRuleError): the
	// condition kept its multiplier.
	StepError string `json:"step_error,omitempty"`
}

// Distancer is implemented by tasks whose plotted "distance" differs from their
// Evaluate metric: peg tasks (the final peg-bottom height above the hole bottom)
// and the linear task (the final ‖x‖). For obstacle navigation the metric is the
// distance to the target.
type Distancer interface {
	Distance(s *envs.Sample) float64
}

// record builds the Iteration record from the evaluation rollouts (n per
// condition, the first noiseless).
func (r *Run) record(evals []*envs.Sample, n int) Iteration {
	cfg := r.st.Config
	d, T := r.dims, r.T
	rec := Iteration{Iteration: r.st.Iter + 1, Task: r.st.Task, Algorithm: string(cfg.Algorithm),
		Sampling: string(cfg.Sampling), Step: string(cfg.StepRule), Era: string(cfg.Era.Or()), Seed: cfg.Seed,
		CStepRounds: r.cstepRounds(), SStepLoss: r.st.SStepLoss}
	M := len(r.st.Conds)
	rec.Conditions = make([]Cond, M)
	der := cost.NewDerivs(T, d.X, d.U)
	total := func(s *envs.Sample) float64 {
		envs.EvalCost(r.env, s, der)
		t := 0.0
		for _, v := range der.L {
			t += v
		}
		return t
	}
	w := lingauss.NewWorkspace(T, d.X, d.U)
	mg := lingauss.NewMarginal(T, d.X, d.U)
	nBound := 0
	for m, c := range r.st.Conds {
		cr := Cond{Cond: m, StepMult: c.StepMult, Epsilon: c.Search.Epsilon, Eta: c.Search.Eta, KL: c.Search.KL,
			KLPerT: c.Search.KLPerT, Converged: c.Search.Converged, DualIterations: c.Search.Iterations,
			PredImpr: c.Step.Pred, ActualImpr: c.Step.Actual, Bound: math.NaN(), BoundEpsMax: math.NaN()}
		if f := c.Step.Failure; f != nil {
			cr.StepError = f.Error()
		}
		if f := c.Search.Failure; f != nil {
			cr.Error = f.Error()
			rec.Failures++
		}
		cr.CostLocal = meanTotal(c.SampleCst, len(c.Samples), T)
		es := evals[m*n : (m+1)*n]
		rec.DivergedRollouts += diverged(c.Samples) + diverged(es)
		cr.CostGlobal = total(es[0])
		met := r.env.Evaluate(es[0])
		cr.Metric, cr.Success = met.Value, met.HasSuccess && met.Success
		cr.Distance = met.Value
		if d, ok := r.env.(Distancer); ok {
			cr.Distance = d.Distance(es[0])
		}
		if met.HasSuccess && met.Success {
			rec.SuccessRate += 1 / float64(M)
		}
		if n > 1 {
			for _, s := range es[1:] {
				cr.CostGlobalMC += total(s) / float64(n-1)
			}
		}
		perT := make([]float64, T)
		w.Forward(mg, c.New, c.Dyn)
		cr.PredictedCost = w.ExpectedCost(perT, mg, c.Cost)
		if g := r.Global(); g != nil {
			// NaN when a network covariance is not PD: written as JSON null.
			cr.SStepKL, cr.Bound, cr.BoundEpsMax = r.policyDiagnostics(c, perT)
		}
		if lim, ok := r.env.(envs.ControlLimiter); ok {
			lo, hi := lim.ControlLimits()
			cr.Saturation = envs.Saturation(c.Samples, lo, hi)
		}
		cr.ControlGain = ControlGain(c.Dyn)
		rec.SaturationMean += cr.Saturation / float64(M)
		rec.ControlGainMean += cr.ControlGain / float64(M)
		rec.Conditions[m] = cr
		rec.CostLocalMean += cr.CostLocal / float64(M)
		rec.CostGlobalMean += cr.CostGlobal / float64(M)
		rec.CostGlobalMCMean += cr.CostGlobalMC / float64(M)
		rec.DistanceMean += cr.Distance / float64(M)
		rec.KLMean += c.Search.KLStep / float64(M)
		rec.EpsilonMean += cr.Epsilon / float64(M)
		rec.EtaMean += cr.Eta / float64(M)
		if !math.IsNaN(cr.Bound) {
			nBound++
		}
		rec.SStepKLMean += cr.SStepKL / float64(M)
	}
	rec.BoundMean = math.NaN()
	if nBound > 0 {
		rec.BoundMean = 0
		for _, cr := range rec.Conditions {
			if !math.IsNaN(cr.Bound) {
				rec.BoundMean += cr.Bound / float64(nBound)
			}
		}
	}
	return rec
}

// diverged counts the samples whose simulator diverged and recovered.
func diverged(samples []*envs.Sample) int {
	n := 0
	for _, s := range samples {
		if s.Diverged > 0 {
			n++
		}
	}
	return n
}

// ControlGain returns ‖F_u,t‖_F averaged over t = 0 … T−2 (the steps a
// dynamics fit covers; for T = 1 the single step): F_u,t is the dX×dU block of
// F_t = [F_x F_u] that maps the action to the next state.
func ControlGain(d *lingauss.Dynamics) float64 {
	if d == nil {
		return 0
	}
	dX, dU := d.DX, d.DU
	steps := max(d.T-1, 1)
	sum := 0.0
	for t := 0; t < steps; t++ {
		f := d.F[t*dX*(dX+dU) : (t+1)*dX*(dX+dU)]
		sq := 0.0
		for i := 0; i < dX; i++ {
			for j := dX; j < dX+dU; j++ {
				v := f[i*(dX+dU)+j]
				sq += v * v
			}
		}
		sum += math.Sqrt(sq)
	}
	return sum / float64(steps)
}

// cstepRounds is the number of C-steps per condition in the current iteration.
func (r *Run) cstepRounds() int {
	cfg := r.st.Config
	if cfg.Algorithm == BADMM {
		return cfg.BADMM.InnerIterations
	}
	return max(cfg.rounds(), 1)
}

// optional is v, or nil (JSON null) for NaN.
func optional(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// orNaN is *p, or NaN for nil (JSON null).
func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// MarshalJSON writes the record; BoundMean is null when no condition had a bound.
func (it Iteration) MarshalJSON() ([]byte, error) {
	type plain Iteration
	return json.Marshal(struct {
		plain
		BoundMean *float64 `json:"bound_mean"`
	}{plain(it), optional(it.BoundMean)})
}

// UnmarshalJSON reads a record; a null bound_mean reads as NaN. Records written
// before bounds could be null (0 when missing) read as they were written.
func (it *Iteration) UnmarshalJSON(b []byte) error {
	type plain Iteration
	var v struct {
		plain
		BoundMean *float64 `json:"bound_mean"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*it = Iteration(v.plain)
	it.BoundMean = orNaN(v.BoundMean)
	return nil
}

// MarshalJSON writes the condition's record; Bound and BoundEpsMax are null when
// the bound could not be computed.
func (c Cond) MarshalJSON() ([]byte, error) {
	type plain Cond
	return json.Marshal(struct {
		plain
		Bound       *float64 `json:"bound"`
		BoundEpsMax *float64 `json:"bound_eps_max"`
	}{plain(c), optional(c.Bound), optional(c.BoundEpsMax)})
}

// UnmarshalJSON reads a condition's record; null bounds read as NaN.
func (c *Cond) UnmarshalJSON(b []byte) error {
	type plain Cond
	var v struct {
		plain
		Bound       *float64 `json:"bound"`
		BoundEpsMax *float64 `json:"bound_eps_max"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = Cond(v.plain)
	c.Bound, c.BoundEpsMax = orNaN(v.Bound), orNaN(v.BoundEpsMax)
	return nil
}

// gaussKL returns KL(N(m1, S1) ‖ N(m2, S2)) for dU-dimensional Gaussians, given
// S1, the precision P2 = S2⁻¹ and the log-determinants:
//
//	½ [tr(P2 S1) + (m2 − m1)ᵀ P2 (m2 − m1) − dU + log det S2 − log det S1].
func gaussKL(m1, S1 []float64, ld1 float64, m2, P2 []float64, ld2 float64, dU int) float64 {
	tr, quad := 0.0, 0.0
	for i := 0; i < dU; i++ {
		di := m2[i] - m1[i]
		for j := 0; j < dU; j++ {
			tr += P2[i*dU+j] * S1[j*dU+i]
			quad += di * P2[i*dU+j] * (m2[j] - m1[j])
		}
	}
	return 0.5 * (tr + quad - float64(dU) + ld2 - ld1)
}

// policyDiagnostics computes, for one condition after the S-step:
//
//   - sstepKL: the mean over samples and steps of KL(π_θ(u|o) ‖ p_i(u|x)), the
//     quantity the S-step minimises (paper §3, flipped KL);
//
//   - the bound of Lemma 2 with our estimators (shared/reference/paper-notes.md):
//     ε_t = max over the sampled x_t of KL(p_i(u|x_t) ‖ π_θ(u|x_t)), ℓmax_t = the
//     largest sampled cost at t, Q_t = Σ_{t'≥t} ℓmax_{t'}, and E_p[ℓ_t] from the
//     fitted model (expCost, per step):
//
//     bound = Σ_t E_p[ℓ_t] + √(2ε_t)·ℓmax_t + 2√(2ε_t)·Q_t.
func (r *Run) policyDiagnostics(c *condState, expCost []float64) (sstepKL, bound, epsMax float64) {
	d, T := r.dims, r.T
	dU := d.U
	N := len(c.Samples)
	mu, cov := r.networkOn(c)
	p := c.New
	eps := make([]float64, T)
	um := make([]float64, dU)
	rr := make([]float64, dU*dU)
	prec := make([]float64, dU*dU)
	bad := false
	for n, s := range c.Samples {
		for t := 0; t < T; t++ {
			row := n*T + t
			pm := mu[row*dU : (row+1)*dU]
			pc := cov[row*dU*dU : (row+1)*dU*dU]
			if _, _, ok := dense.UpperChol(rr, pc, dU); !ok {
				bad = true
				continue
			}
			ldPi := dense.LogDetChol(rr, dU)
			dense.CholInverse(prec, rr, dU)
			p.Act(t, s.State(t), nil, nil, um)
			ldP := p.LogDetCov(t)
			// KL(π ‖ p): the S-step objective.
			sstepKL += gaussKL(pm, pc, ldPi, um, p.Prec[t*dU*dU:(t+1)*dU*dU], ldP, dU)
			// KL(p ‖ π): Lemma 1's ε_t.
			k := gaussKL(um, p.Cov[t*dU*dU:(t+1)*dU*dU], ldP, pm, prec, ldPi, dU)
			eps[t] = math.Max(eps[t], k)
		}
	}
	sstepKL /= float64(N * T)
	if bad {
		return sstepKL, math.NaN(), math.NaN()
	}
	lmax := make([]float64, T)
	for t := 0; t < T; t++ {
		lmax[t] = math.Inf(-1)
		for n := 0; n < N; n++ {
			lmax[t] = math.Max(lmax[t], c.SampleCst[n*T+t])
		}
	}
	q := 0.0
	for t := T - 1; t >= 0; t-- {
		q += lmax[t]
		s := math.Sqrt(2 * eps[t])
		bound += expCost[t] + s*lmax[t] + 2*s*q
		epsMax = math.Max(epsMax, eps[t])
	}
	return sstepKL, bound, epsMax
}
