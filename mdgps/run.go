package mdgps

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/mdgps/cost"
	"github.com/mirrorgps/mirrorgps/mdgps/fit"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
	"github.com/mirrorgps/mirrorgps/mdgps/nn"
	"github.com/mirrorgps/mirrorgps/mdgps/trajopt"
)

// Phase names one step of an MDGPS iteration (paper Algorithm 3; spec §7.3).
type Phase string

const (
	PhaseSample      Phase = "Sample"      // rollouts from the local controllers (off) or the global policy (on)
	PhaseFitDynamics Phase = "FitDynamics" // GMM prior update and the per-step dynamics fit; cost expansion
	PhaseImitate     Phase = "Imitate"     // first iteration only: S-step on the initial controllers
	PhaseFitPolicy   Phase = "FitPolicy"   // linearise the global policy around the samples
	PhaseAdjustStep  Phase = "AdjustStep"  // not on the first iteration: update the step multipliers
	PhaseCStep       Phase = "CStep"       // KL-constrained LQR with the dual search on η
	PhaseSStep       Phase = "SStep"       // supervised projection onto the global policy
	PhaseFinish      Phase = "Finish"      // evaluate the global policy, record, advance
)

// PhaseError reports a phase called out of order.
type PhaseError struct {
	Called, Expected Phase
	Iteration        int
	Round            int // the expected phase's C/S round (submission order; 0 otherwise)
}

func (e *PhaseError) Error() string {
	if e.Round > 0 {
		return fmt.Sprintf("mdgps: %s called out of order: iteration %d expects %s of round %d next", e.Called, e.Iteration, e.Expected, e.Round)
	}
	return fmt.Sprintf("mdgps: %s called out of order: iteration %d expects %s next", e.Called, e.Iteration, e.Expected)
}

// condState is everything the run keeps about one condition.
type condState struct {
	Local    *lingauss.Policy // p_i: the local controller that the next samples come from (traj_distr)
	Eta      float64          // η carried between dual searches (quirk Q30)
	StepMult float64          // step multiplier (ε = KLStep·StepMult per step)
	DynPrior *fit.DynamicsPrior
	PolPrior *fit.PolicyPrior

	// Current iteration.
	Samples   []*envs.Sample
	SampleCst []float64 // N×T true per-step costs of the samples
	Dyn       *lingauss.Dynamics
	Cost      *lingauss.QuadCost
	Lin       *lingauss.Policy // π̄_i: linearised global policy (MDGPS)
	New       *lingauss.Policy // C-step output
	Search    CStepInfo
	Step      StepInfo

	// Previous iteration (for the step rules).
	PrevDyn  *lingauss.Dynamics
	PrevCost *lingauss.QuadCost
	PrevLin  *lingauss.Policy
	PrevLoc  *lingauss.Policy // the previous iteration's sampled controller (trajopt's rule)
	PrevMC   float64

	BADMM *badmmCond // BADMM's weights and multipliers (Algorithm BADMM only)
}

// CStepInfo is what the C-step of one condition did.
type CStepInfo struct {
	Eta, UsedEta float64
	Epsilon      float64   // per-step budget ε = KLStep·StepMult (Run.Epsilon)
	KL           float64   // realised Σ_t KL(p_i ‖ reference)
	KLStep       float64   // realised KL per time step, KL/T: the number comparable with ε
	KLPerT       []float64 // per time step
	Converged    bool
	Iterations   int
	Trace        []trajopt.Step
	// Failure is the numerical failure of the search (the condition kept its
	// previous controller), with its evidence; nil when the search succeeded.
	Failure *CStepError
}

// CStepError is a C-step's numerical failure for one condition. It keeps the
// typed evidence the solver returned (η limit reached with Q_uu not positive
// definite, a non-finite controller, a non-finite or non-PD input), so it
// survives a checkpoint and errors.As finds the original type through Unwrap:
//
//	var npd *trajopt.NotPDError
//	if f := run.CStepInfo(m).Failure; f != nil && errors.As(f, &npd) { … npd.T, npd.Eta, npd.MinEig … }
type CStepError struct {
	Cond            int
	NotPD           *trajopt.NotPDError           // η reached its limit with Q_uu not PD
	NonFiniteResult *trajopt.NonFiniteResultError // the backward pass produced NaN/Inf
	NonFiniteInput  *lingauss.NonFiniteError      // a fitted input held NaN/Inf
	InputNotPD      *lingauss.NotPDError          // a fitted covariance was not PD
	Message         string                        // any other failure, as text
}

func newCStepError(m int, err error) *CStepError {
	e := &CStepError{Cond: m}
	switch {
	case errors.As(err, &e.NotPD):
	case errors.As(err, &e.NonFiniteResult):
	case errors.As(err, &e.NonFiniteInput):
	case errors.As(err, &e.InputNotPD):
	default:
		e.Message = err.Error()
	}
	return e
}

// Unwrap returns the typed error the solver returned (nil for Message only).
func (e *CStepError) Unwrap() error {
	switch {
	case e.NotPD != nil:
		return e.NotPD
	case e.NonFiniteResult != nil:
		return e.NonFiniteResult
	case e.NonFiniteInput != nil:
		return e.NonFiniteInput
	case e.InputNotPD != nil:
		return e.InputNotPD
	}
	return nil
}

func (e *CStepError) Error() string {
	msg := e.Message
	if u := e.Unwrap(); u != nil {
		msg = u.Error()
	}
	return fmt.Sprintf("mdgps: C-step of condition %d failed (previous controller kept): %s", e.Cond, msg)
}

// StepInfo is what the step rule did for one condition.
type StepInfo struct {
	Costs        StepCosts
	Pred, Actual float64
	OldMult      float64
	NewMult      float64
	// Failure is set when the rule's improvements were not finite; the
	// condition then kept its multiplier (NewMult = OldMult).
	Failure *StepRuleError
}

// StepRuleError reports a step-size update whose predicted or actual
// improvement was not finite (the expected costs it compares, with the
// evidence); the condition kept its multiplier.
type StepRuleError struct {
	Cond         int
	Pred, Actual float64
	Costs        StepCosts
}

func (e *StepRuleError) Error() string {
	return fmt.Sprintf("mdgps: step rule of condition %d: predicted improvement %g, actual %g (expected costs %+v); multiplier kept", e.Cond, e.Pred, e.Actual, e.Costs)
}

// state is the whole serialisable state of a run.
type state struct {
	Version   int
	Config    Config
	Task      string
	Iter      int // completed iterations
	Phase     Phase
	Round     int // the phase's C/S round in the submission order (spec §15.2): 0 before the rounds, 1 … InnerRounds inside them
	Conds     []*condState
	MLP       *nn.MLP
	Linear    *nn.Linear
	History   []Iteration
	Wall      float64 // seconds spent in the current iteration's phases
	SStepLoss float64
}

// Run is a steppable MDGPS run. Each phase method runs one phase of the current
// iteration and checkpoints; Step runs all remaining phases of the iteration.
// A Run is not safe for concurrent use (its phases parallelise internally).
type Run struct {
	path   string
	env    envs.Env
	st     *state
	dims   envs.Dims
	T      int
	noAuto bool // checkpoint only in Finish (SetAutosave(false))
}

// Config returns the run's configuration.
func (r *Run) Config() Config { return r.st.Config }

// Env returns the task.
func (r *Run) Env() envs.Env { return r.env }

// Iteration returns the number of completed iterations.
func (r *Run) Iteration() int { return r.st.Iter }

// Done reports whether the configured number of iterations has been run.
func (r *Run) Done() bool { return r.st.Iter >= r.st.Config.Iterations }

// Phase returns the phase that runs next.
func (r *Run) Phase() Phase { return r.st.Phase }

// Round returns the C/S round of the phase that runs next when the iteration
// follows the submission order (Config.InnerRounds > 1, spec §15.2): 0 for the
// phases before the rounds (Sample, FitDynamics, the first FitPolicy,
// AdjustStep) and Finish, r = 1 … InnerRounds for a round's SStep, FitPolicy
// and CStep. It is always 0 in the current order.
func (r *Run) Round() int { return r.st.Round }

// History returns the records of the completed iterations.
func (r *Run) History() []Iteration { return r.st.History }

// Global returns the global policy (nil for the trajopt baseline).
func (r *Run) Global() nn.Global {
	switch {
	case r.st.MLP != nil:
		return r.st.MLP
	case r.st.Linear != nil:
		return r.st.Linear
	}
	return nil
}

// Local returns condition m's current local controller: after CStep the new one,
// before it the controller the samples came from.
func (r *Run) Local(m int) *lingauss.Policy {
	c := r.st.Conds[m]
	if c.New != nil {
		return c.New
	}
	return c.Local
}

// Samples returns the current iteration's training samples of condition m.
func (r *Run) Samples(m int) []*envs.Sample { return r.st.Conds[m].Samples }

// Dynamics returns condition m's fitted dynamics of the current iteration (nil before FitDynamics).
func (r *Run) Dynamics(m int) *lingauss.Dynamics { return r.st.Conds[m].Dyn }

// CostModel returns condition m's local quadratic cost model (nil before FitDynamics).
func (r *Run) CostModel(m int) *lingauss.QuadCost { return r.st.Conds[m].Cost }

// Linearisation returns π̄_m, the global policy's linear-Gaussian fit (nil before FitPolicy).
func (r *Run) Linearisation(m int) *lingauss.Policy { return r.st.Conds[m].Lin }

// CStepInfo returns what the current iteration's C-step did for condition m.
func (r *Run) CStepInfo(m int) CStepInfo { return r.st.Conds[m].Search }

// KL returns the realised per-step KL(p_m ‖ π̄_m) of the current C-step.
func (r *Run) KL(m int) []float64 { return r.st.Conds[m].Search.KLPerT }

// Eta returns condition m's η (after the current C-step, the one it settled on).
func (r *Run) Eta(m int) float64 { return r.st.Conds[m].Eta }

// StepMult returns condition m's step multiplier.
func (r *Run) StepMult(m int) float64 { return r.st.Conds[m].StepMult }

// Epsilon returns condition m's per-step KL budget ε = KLStep·StepMult.
func (r *Run) Epsilon(m int) float64 { return r.epsilon(r.st.Conds[m]) }

// epsilon is the one place that turns a condition's step multiplier into its
// per-step KL budget ε = KLStep·StepMult (the C-step's budget is ε·T).
func (r *Run) epsilon(c *condState) float64 { return r.st.Config.KLStep * c.StepMult }

// step is one entry of an iteration's phase sequence.
type step struct {
	Phase Phase
	Round int
}

// phases returns the phase sequence of the current iteration.
func (r *Run) phases() []step {
	cfg := r.st.Config
	first := r.st.Iter == 0
	var ps []step
	add := func(round int, p ...Phase) {
		for _, q := range p {
			ps = append(ps, step{q, round})
		}
	}
	add(0, PhaseSample, PhaseFitDynamics)
	switch {
	case cfg.Algorithm == TrajOpt:
		if !first {
			add(0, PhaseAdjustStep)
		}
		add(0, PhaseCStep)
	case cfg.Algorithm == BADMM:
		// The S-steps run inside CStep's inner rounds (spec §11.3).
		add(0, PhaseFitPolicy)
		if !first {
			add(0, PhaseAdjustStep)
		}
		add(0, PhaseCStep)
	case cfg.rounds() > 0:
		// The submission order (spec §15.2): the step rule sees the network as
		// the previous iteration left it; each round trains it toward the
		// controllers the samples came from, refits π̄ and runs a C-step.
		add(0, PhaseFitPolicy)
		if !first {
			add(0, PhaseAdjustStep)
		}
		for k := 1; k <= cfg.rounds(); k++ {
			if !first || k > 1 {
				add(k, PhaseSStep)
			}
			add(k, PhaseFitPolicy, PhaseCStep)
		}
	default:
		if first {
			add(0, PhaseImitate)
		}
		add(0, PhaseFitPolicy)
		if !first {
			add(0, PhaseAdjustStep)
		}
		add(0, PhaseCStep, PhaseSStep)
	}
	add(0, PhaseFinish)
	return ps
}

// advance moves to the phase after the current one.
func (r *Run) advance() {
	ps := r.phases()
	cur := step{r.st.Phase, r.st.Round}
	for i, q := range ps {
		if q == cur && i+1 < len(ps) {
			r.st.Phase, r.st.Round = ps[i+1].Phase, ps[i+1].Round
			return
		}
	}
	r.st.Phase, r.st.Round = PhaseSample, 0
}

// begin checks that p is the expected phase.
func (r *Run) begin(p Phase) (time.Time, error) {
	if r.st.Phase != p {
		return time.Time{}, &PhaseError{Called: p, Expected: r.st.Phase, Iteration: r.st.Iter + 1, Round: r.st.Round}
	}
	return time.Now(), nil
}

// end advances to the next phase and checkpoints (unless autosave is off).
func (r *Run) end(t0 time.Time) error {
	r.advance()
	var err error
	if !r.noAuto {
		err = r.checkpoint()
	}
	r.st.Wall += time.Since(t0).Seconds() // saved with the next checkpoint
	return err
}

// Next runs the next phase (Phase()). When that phase is Finish, it returns the
// iteration's record and finished = true.
func (r *Run) Next() (it Iteration, finished bool, err error) {
	switch p := r.st.Phase; p {
	case PhaseSample:
		err = r.Sample()
	case PhaseFitDynamics:
		err = r.FitDynamics()
	case PhaseImitate:
		err = r.Imitate()
	case PhaseFitPolicy:
		err = r.FitPolicy()
	case PhaseAdjustStep:
		err = r.AdjustStep()
	case PhaseCStep:
		err = r.CStep()
	case PhaseSStep:
		err = r.SStep()
	case PhaseFinish:
		it, err = r.Finish()
		return it, err == nil, err
	default:
		err = fmt.Errorf("mdgps: unknown phase %q in the checkpoint", p)
	}
	return Iteration{}, false, err
}

// Step runs the remaining phases of the current iteration and returns its record.
func (r *Run) Step() (Iteration, error) {
	for {
		it, finished, err := r.Next()
		if err != nil || finished {
			return it, err
		}
	}
}

func (r *Run) workers() int {
	if w := r.st.Config.Workers; w > 0 {
		return w
	}
	return runtime.GOMAXPROCS(0)
}

// parallel runs f(m) for every condition on the run's workers; results are
// written by index, so the outcome does not depend on scheduling. It returns the
// first error by condition order.
func (r *Run) parallel(f func(m int) error) error {
	M := len(r.st.Conds)
	errs := make([]error, M)
	next := make(chan int, M)
	for m := 0; m < M; m++ {
		next <- m
	}
	close(next)
	var wg sync.WaitGroup
	for w := 0; w < min(r.workers(), M); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range next {
				errs[m] = safeCall(f, m)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// safeCall runs f(m), turning a panic into an error naming the condition: the
// last line of defence (validation on Open is the fix) so that a worker
// goroutine's panic never kills a caller that cannot recover it.
func safeCall(f func(m int) error, m int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("mdgps: condition %d: internal failure (panic): %v", m, p)
		}
	}()
	return f(m)
}

// stream returns the random stream for a purpose, iteration and condition.
func (r *Run) stream(purpose uint64, m int) *rand.Rand {
	return rand.New(rand.NewPCG(r.st.Config.Seed, purpose<<56|uint64(r.st.Iter)<<24|uint64(m)))
}

const (
	streamDynPrior uint64 = 1
	streamPolPrior uint64 = 2
	streamEta      uint64 = 16      // + the C/S round
	evalSampleBase        = 1 << 20 // sample indices of evaluation rollouts
)

// Sample runs N rollouts per condition (spec §2, §7.9): from the local
// controllers (off-policy, and on the first iteration in every mode) or from the
// global policy (on-policy), with the smoothed exploration noise of stream
// (seed, iteration, condition, sample). It also evaluates the true cost along
// each sample.
func (r *Run) Sample() error {
	t0, err := r.begin(PhaseSample)
	if err != nil {
		return err
	}
	cfg := r.st.Config
	M := len(r.st.Conds)
	conds := make([]int, M)
	pols := make([]envs.Policy, M)
	for m, c := range r.st.Conds {
		conds[m] = m
		pols[m] = c.Local
		if cfg.Sampling == OnPolicy && r.st.Iter > 0 {
			pols[m] = r.Global()
		}
	}
	runner := &envs.Runner{Env: r.env, Noise: cfg.Noise, Workers: cfg.Workers}
	samples, err := runner.Run(envs.Jobs(conds, pols, cfg.Samples, cfg.Seed, r.st.Iter))
	if err != nil {
		return fmt.Errorf("mdgps: sampling: %w", err)
	}
	for m, c := range r.st.Conds {
		c.Samples = samples[m*cfg.Samples : (m+1)*cfg.Samples]
		c.New, c.Lin, c.Dyn, c.Cost = nil, nil, nil, nil
		c.Search, c.Step = CStepInfo{}, StepInfo{}
	}
	return r.end(t0)
}

// sampleCost evaluates the true cost of env along the samples and its mean
// quadratic expansion (spec §3.8).
func sampleCost(env envs.Env, samples []*envs.Sample) (cs []float64, qc *lingauss.QuadCost) {
	d := env.Dims()
	T := env.T()
	ins := make([]*cost.Input, len(samples))
	ds := make([]*cost.Derivs, len(samples))
	cs = make([]float64, len(samples)*T)
	for n, s := range samples {
		ds[n] = cost.NewDerivs(T, d.X, d.U)
		envs.EvalCost(env, s, ds[n])
		ins[n] = s.CostInput()
		copy(cs[n*T:], ds[n].L)
	}
	e := cost.NewExpansion(T, d.X, d.U)
	cost.Expand(e, ins, ds)
	return cs, &lingauss.QuadCost{T: T, DX: d.X, DU: d.U, C: e.C, Cv: e.Cv, Cc: e.Cc}
}

func batchOf(samples []*envs.Sample, T int, d envs.Dims) fit.Batch {
	b := fit.Batch{N: len(samples), T: T, DX: d.X, DU: d.U}
	for _, s := range samples {
		b.X = append(b.X, s.X...)
		b.U = append(b.U, s.U...)
	}
	return b
}

// FitDynamics updates each condition's GMM prior with the samples and fits the
// time-varying linear-Gaussian dynamics (spec §4), and expands the cost around
// the samples (spec §3.8).
func (r *Run) FitDynamics() error {
	t0, err := r.begin(PhaseFitDynamics)
	if err != nil {
		return err
	}
	cfg := r.st.Config
	err = r.parallel(func(m int) error {
		c := r.st.Conds[m]
		c.SampleCst, c.Cost = sampleCost(r.env, c.Samples)
		b := batchOf(c.Samples, r.T, r.dims)
		if cfg.FitExecutedActions {
			r.clipActions(b.U)
		}
		if _, err := c.DynPrior.Update(b, fit.Init{Rand: r.stream(streamDynPrior, m)}); err != nil {
			return fmt.Errorf("mdgps: condition %d: dynamics prior: %w", m, err)
		}
		dyn, err := fit.Dynamics(b, c.DynPrior, cfg.Dynamics)
		if err != nil {
			return fmt.Errorf("mdgps: condition %d: dynamics fit: %w", m, err)
		}
		c.Dyn = dyn
		return nil
	})
	if err != nil {
		return err
	}
	return r.end(t0)
}

// clipActions clips actions (rows of dU) to the task's control limits
// (envs.ControlLimiter; unchanged without): the actions the actuators executed.
func (r *Run) clipActions(u []float64) {
	lim, ok := r.env.(envs.ControlLimiter)
	if !ok {
		return
	}
	lo, hi := lim.ControlLimits()
	dU := len(lo)
	for i := range u {
		u[i] = math.Max(lo[i%dU], math.Min(hi[i%dU], u[i]))
	}
}

// stack concatenates the samples' states and observations (row n·T + t).
func stack(samples []*envs.Sample) (X, obs []float64) {
	for _, s := range samples {
		X = append(X, s.X...)
		obs = append(obs, s.Obs...)
	}
	return X, obs
}

// dataset builds the S-step targets (spec §7.4): for every condition, sample and
// step, the observation, the controller's mean action K_t x + k_t, its precision,
// and the weight 0.01 (normalised away).
func (r *Run) dataset(ctrl func(m int) *lingauss.Policy) *nn.Dataset {
	ds := &nn.Dataset{}
	for m, c := range r.st.Conds {
		X, obs := stack(c.Samples)
		ds.AddSamples(ctrl(m), X, obs, len(c.Samples), 0.01)
	}
	return ds
}

// Imitate is the first iteration's extra S-step: the global policy learns to
// imitate the initial controllers on their samples before the first C-step
// (spec §7.3 step 3).
func (r *Run) Imitate() error {
	t0, err := r.begin(PhaseImitate)
	if err != nil {
		return err
	}
	if _, err := r.Global().SStep(r.dataset(func(m int) *lingauss.Policy { return r.st.Conds[m].Local })); err != nil {
		return fmt.Errorf("mdgps: imitation S-step: %w", err)
	}
	return r.end(t0)
}

// FitPolicy linearises the global policy around each condition's samples: the
// policy prior is updated and π̄_i(u|x) = N(K̄_t x + k̄_t, S̄_t) fitted (spec §5).
func (r *Run) FitPolicy() error {
	t0, err := r.begin(PhaseFitPolicy)
	if err != nil {
		return err
	}
	// In a C/S round of the submission order the refit only re-labels the
	// policy prior's buffer with the trained network (spec §15.2).
	if err := r.linearise(r.st.Round == 0); err != nil {
		return err
	}
	return r.end(t0)
}

// linearise updates each condition's policy prior — with the current samples
// (newData, in Config.PolicyMode), or only re-labelling its buffer with the
// current network (BADMM's inner rounds) — and refits π̄_i around the samples.
func (r *Run) linearise(newData bool) error {
	cfg := r.st.Config
	g := r.Global()
	d, T := r.dims, r.T
	mean := func(obs []float64, n int) []float64 {
		out := make([]float64, n*d.U)
		g.Prob(obs, T, out, nil)
		return out
	}
	return r.parallel(func(m int) error {
		c := r.st.Conds[m]
		N := len(c.Samples)
		X, obs := stack(c.Samples)
		var err error
		if newData {
			_, err = c.PolPrior.Update(X, obs, N, cfg.PolicyMode, mean, fit.Init{Rand: r.stream(streamPolPrior, m)})
		} else {
			// Re-label the buffer only (AddSamples and KeepSamples keep it as it is).
			mode := fit.AddSamples
			if cfg.PolicyMode == fit.KeepSamples {
				mode = fit.KeepSamples
			}
			_, err = c.PolPrior.Update(nil, nil, 0, mode, mean, fit.Init{Rand: r.stream(streamPolPrior+8, m)})
		}
		if err != nil {
			return fmt.Errorf("mdgps: condition %d: policy prior: %w", m, err)
		}
		mu, cov := r.networkOn(c)
		lin, err := fit.LinearisePolicy(fit.Batch{N: N, T: T, DX: d.X, DU: d.U, X: X, U: mu}, cov, c.PolPrior, cfg.PolicyFit)
		if err != nil {
			return fmt.Errorf("mdgps: condition %d: policy linearisation: %w", m, err)
		}
		c.Lin = lin
		return nil
	})
}

// AdjustStep updates the step multipliers by the configured rule (paper §4.2; spec
// §7.6–7.7, §11.7, §15.1). Per-condition rules (classic, global; BADMM's own)
// give each condition its own multiplier unless Config.SharedMult; laplace and mc
// average over conditions. Every rule ends in the same update, NewMult.
func (r *Run) AdjustStep() error {
	t0, err := r.begin(PhaseAdjustStep)
	if err != nil {
		return err
	}
	cfg := r.st.Config
	if cfg.StepRule != FixedStep {
		steps, err := r.improvements()
		if err != nil {
			return err
		}
		for m, c := range r.st.Conds {
			s := steps[m]
			s.OldMult = c.StepMult
			s.NewMult = NewMult(s.Pred, s.Actual, c.StepMult, cfg.MinMult, cfg.MaxMult, cfg.Compat)
			if math.IsNaN(s.NewMult) || math.IsInf(s.NewMult, 0) {
				// Non-finite expected costs (a model that blew up): the
				// condition keeps its multiplier and the evidence is recorded.
				s.Failure = &StepRuleError{Cond: m, Pred: s.Pred, Actual: s.Actual, Costs: s.Costs}
				s.NewMult = c.StepMult
			}
			c.Step, c.StepMult = s, s.NewMult
		}
	}
	return r.end(t0)
}

// improvements returns each condition's predicted and actual improvement
// (with the expected costs they come from) under the configured rule.
func (r *Run) improvements() ([]StepInfo, error) {
	cfg := r.st.Config
	M := len(r.st.Conds)
	out := make([]StepInfo, M)
	if cfg.Algorithm == BADMM {
		// BADMM's own rule, per condition (spec §11.7).
		for m, c := range r.st.Conds {
			prev, predicted, actual := r.badmmStepCosts(c)
			out[m] = StepInfo{Pred: prev - predicted, Actual: prev - actual}
		}
		return out, nil
	}
	costs := make([]StepCosts, M)
	err := r.parallel(func(m int) error {
		c := r.st.Conds[m]
		w := lingauss.NewWorkspace(r.T, r.dims.X, r.dims.U)
		mg := lingauss.NewMarginal(r.T, r.dims.X, r.dims.U)
		prev := StepModel{Dyn: c.PrevDyn, Cost: c.PrevCost}
		cur := StepModel{Dyn: c.Dyn, Cost: c.Cost}
		prevRef, curRef := c.PrevLin, c.Lin
		if cfg.StepQuantities == SubmissionEra && cfg.Algorithm == MDGPS {
			// The submission's use_lg_covar = False (spec §15.1): the
			// linearisations carry the covariances of the controllers sampled
			// in their iterations.
			prevRef, curRef = withCovOf(c.PrevLin, c.PrevLoc), withCovOf(c.Lin, c.Local)
		}
		if cfg.Algorithm == TrajOpt {
			// The local rule (paper §4.2 "prior rule"): the previous local
			// controller takes the place of the global policy.
			prevRef, curRef = c.PrevLoc, c.Local
		}
		costs[m] = EstimateStepCosts(w, mg, prev, cur, prevRef, c.Local, curRef)
		costs[m].PrevMC = c.PrevMC
		costs[m].CurMC = meanTotal(c.SampleCst, len(c.Samples), r.T)
		return nil
	})
	if err != nil {
		return nil, err
	}
	shared := cfg.StepRule.Shared() || cfg.SharedMult
	var pred, act float64
	if shared {
		pred, act = cfg.StepRule.Improvement(MeanStepCosts(costs))
	}
	for m := range out {
		if !shared {
			pred, act = cfg.StepRule.Improvement(costs[m])
		}
		out[m] = StepInfo{Costs: costs[m], Pred: pred, Actual: act}
	}
	return out, nil
}

// withCovOf returns p's gains and offsets with q's covariances.
func withCovOf(p, q *lingauss.Policy) *lingauss.Policy {
	out := p.Clone()
	copy(out.Cov, q.Cov)
	copy(out.Chol, q.Chol)
	copy(out.Prec, q.Prec)
	return out
}

func meanTotal(cs []float64, N, T int) float64 {
	s := 0.0
	for _, v := range cs[:N*T] {
		s += v
	}
	return s / float64(N)
}

// CStep runs the KL-constrained trajectory optimisation of every condition in
// parallel (spec §6.7): against π̄_i (MDGPS), the previous controller (trajopt),
// or the previous controller with BADMM's weighted KL to π̄_i and multipliers
// (BADMM, inside its inner rounds), with budget ε·T, ε = KLStep·StepMult. A
// numerical failure (η limit, non-PD, NaN) is recorded with its evidence
// (CStepInfo.Failure) and the condition keeps its controller; a search that does
// not converge is recorded and its result used.
func (r *Run) CStep() error {
	t0, err := r.begin(PhaseCStep)
	if err != nil {
		return err
	}
	if r.st.Config.Algorithm == BADMM {
		err = r.badmmCStep()
	} else {
		err = r.cstepAll()
	}
	if err != nil {
		return err
	}
	return r.end(t0)
}

// cstepAll runs the C-step of every condition on the run's workers.
func (r *Run) cstepAll() error {
	return r.parallel(func(m int) error {
		r.cstep(m)
		return nil
	})
}

// problem is condition m's C-step problem for the configured algorithm.
func (r *Run) problem(c *condState) *trajopt.Problem {
	cfg := r.st.Config
	pr := &trajopt.Problem{Dyn: c.Dyn, Cost: c.Cost, MaxEnt: cfg.MaxEnt}
	switch cfg.Algorithm {
	case TrajOpt:
		pr.Kind, pr.Ref = trajopt.AgainstPrevious, c.Local
	case BADMM:
		b := c.BADMM
		pr.Kind, pr.Ref = trajopt.BADMM, c.Local
		pr.Lin, pr.PolWt, pr.LambdaK, pr.Lambdak = c.Lin, b.PolWt, b.LambdaK, b.Lambdak
	default:
		pr.Kind, pr.Ref = trajopt.AgainstPolicy, c.Lin
		if cfg.CStepControllerCov {
			// The reference's use_lg_covar = True: the KL's reference keeps
			// π̄'s gains with the sampled controller's covariance.
			pr.Ref = withCovOf(c.Lin, c.Local)
		}
	}
	return pr
}

// cstep is the one C-step call of every algorithm: condition m's dual search on
// η with the budget ε·T, its outcome stored in the condition's state.
func (r *Run) cstep(m int) {
	cfg := r.st.Config
	c := r.st.Conds[m]
	eps := r.epsilon(c)
	set := cfg.TrajOpt
	if cfg.Algorithm == TrajOpt || (cfg.Algorithm == MDGPS && cfg.StepRule == ClassicStep) {
		set.CovAdd += cfg.CStepCovAdd
	}
	s := trajopt.NewSolver(r.T, r.dims.X, r.dims.U, set)
	s.Rand = r.stream(streamEta+uint64(r.st.Round), m) // the old line search's coin (spec §15.3)
	res, err := s.Search(r.problem(c), c.Eta, eps*float64(r.T))
	if err != nil {
		c.Search = CStepInfo{Epsilon: eps, Eta: c.Eta, Failure: newCStepError(m, err)}
		c.New = c.Local.Clone()
		return
	}
	c.New, c.Eta = res.Policy, res.Eta
	c.Search = CStepInfo{Eta: res.Eta, UsedEta: res.UsedEta, Epsilon: eps, KL: res.KL, KLStep: res.KL / float64(r.T),
		KLPerT: res.KLPerT, Converged: res.Converged, Iterations: res.Iterations, Trace: res.Trace}
}

// SStep trains the global policy on the new local controllers' targets at the
// sampled states (spec §7.4, §10): min_θ Σ KL(π_θ(u|o_{t,i,j}) ‖ p_i(u|x_{t,i,j})).
func (r *Run) SStep() error {
	t0, err := r.begin(PhaseSStep)
	if err != nil {
		return err
	}
	// The targets: the new controllers, or in a round of the submission order
	// the controllers the iteration's samples came from (spec §15.2).
	target := func(m int) *lingauss.Policy { return r.st.Conds[m].New }
	if r.st.Round > 0 {
		target = func(m int) *lingauss.Policy { return r.st.Conds[m].Local }
	}
	st, err := r.Global().SStep(r.dataset(target))
	if err != nil {
		return fmt.Errorf("mdgps: S-step: %w", err)
	}
	r.st.SStepLoss = st.MeanLoss
	return r.end(t0)
}

// Finish evaluates the policy of this iteration (the global policy; the local
// controllers for trajopt) with one noiseless and EvalSamples noisy rollouts per
// condition, computes the diagnostics, appends the Iteration record, advances to
// the next iteration and checkpoints.
func (r *Run) Finish() (Iteration, error) {
	t0, err := r.begin(PhaseFinish)
	if err != nil {
		return Iteration{}, err
	}
	cfg := r.st.Config
	M := len(r.st.Conds)
	n := 1 + cfg.EvalSamples
	jobs := make([]envs.Job, 0, M*n)
	for m, c := range r.st.Conds {
		var pol envs.Policy = r.Global()
		if cfg.Algorithm == TrajOpt {
			pol = c.New
		}
		for j := 0; j < n; j++ {
			jobs = append(jobs, envs.Job{Cond: m, Policy: pol, Noiseless: j == 0,
				Key: envs.Key{Seed: cfg.Seed, Iteration: r.st.Iter, Cond: m, Sample: evalSampleBase + j}})
		}
	}
	runner := &envs.Runner{Env: r.env, Noise: cfg.Noise, Workers: cfg.Workers}
	evals, err := runner.Run(jobs)
	if err != nil {
		return Iteration{}, fmt.Errorf("mdgps: evaluation rollouts: %w", err)
	}
	rec := r.record(evals, n)
	rec.WallSeconds = r.st.Wall + time.Since(t0).Seconds()
	r.st.History = append(r.st.History, rec)
	// Advance (spec §7.3 step 8).
	for _, c := range r.st.Conds {
		c.PrevDyn, c.PrevCost, c.PrevLin, c.PrevLoc = c.Dyn, c.Cost, c.Lin, c.Local
		c.PrevMC = meanTotal(c.SampleCst, len(c.Samples), r.T)
		c.Local = c.New
		c.New = nil
	}
	r.st.Iter++
	r.st.Wall = 0
	r.st.Phase, r.st.Round = PhaseSample, 0
	if err := r.checkpoint(); err != nil {
		return rec, err
	}
	return rec, nil
}

// Run runs iterations until Config.Iterations are done, calling progress (may be
// nil) after each.
func (r *Run) Run(progress func(Iteration)) error {
	for !r.Done() {
		it, err := r.Step()
		if err != nil {
			return err
		}
		if progress != nil {
			progress(it)
		}
	}
	return nil
}
