package mdgps

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mirrorgps/mirrorgps/envs/obstacle"
	"github.com/mirrorgps/mirrorgps/mdgps/fit"
	"github.com/mirrorgps/mirrorgps/mdgps/trajopt"
)

func phaseNames(ps []step) []Phase {
	out := make([]Phase, len(ps))
	for i, p := range ps {
		out[i] = p.Phase
	}
	return out
}

// shortSubmission is the obstacle task in the submission era with a short S-step.
func shortSubmission(iters int) Config {
	cfg := shortObstacle(iters)
	cfg.SetEra(SubmissionEra)
	cfg.NN.Iterations = 200
	return cfg
}

// TestSetEraCurrentIsDefault: the current era is what the paper constructors
// give, field for field, so SetEra(CurrentEra) changes nothing; SubmissionEra
// sets every behaviour and back again restores the constructor's config.
func TestSetEraCurrentIsDefault(t *testing.T) {
	for _, mk := range []func() Config{PaperObstacle, PaperPeg, PaperBlindPeg, LinearDefault} {
		base := mk()
		c := base
		c.SetEra(CurrentEra)
		if !configEqual(c.normalized(), base.normalized()) {
			t.Errorf("%s: SetEra(current) changed the config:\n%+v\n%+v", base.Task, c, base)
		}
		c.SetEra(SubmissionEra)
		if c.Era != SubmissionEra || c.InnerRounds != 4 || c.TrajOpt.EtaSearch != trajopt.OldLineSearch ||
			c.StepQuantities != SubmissionEra || c.CStepCovAdd != 1e-6 || !reflect.DeepEqual(c.NN.Hidden, []int{42, 42}) ||
			!c.DynPrior.SwapLimits || !c.Dynamics.UnbiasedPinv || !c.NN.WhitenNoFloor || c.PolicyMode != fit.KeepSamples || !c.BADMM.UnweightedShift ||
			c.DynPrior.Stop != fit.StopRuleAFC2519 || c.PolPrior.Stop != fit.StopRuleAFC2519 {
			t.Errorf("%s: submission config %+v", base.Task, c)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s submission: %v", base.Task, err)
		}
		c.SetEra(CurrentEra)
		if !configEqual(c.normalized(), base.normalized()) {
			t.Errorf("%s: current → submission → current differs from the constructor", base.Task)
		}
	}
	c := PaperObstacle()
	if err := c.SetBehaviour("warp-drive", SubmissionEra); err == nil {
		t.Error("unknown behaviour accepted")
	}
}

// TestSubmissionPhaseOrder follows spec §15.2: no Imitate; the first
// iteration's first round has no S-step; later iterations adjust the step and
// run an S-step in every round.
func TestSubmissionPhaseOrder(t *testing.T) {
	r, err := New(obstacle.New(), shortSubmission(2))
	if err != nil {
		t.Fatal(err)
	}
	type ps = []step
	S, D, P, A, C, SS, F := PhaseSample, PhaseFitDynamics, PhaseFitPolicy, PhaseAdjustStep, PhaseCStep, PhaseSStep, PhaseFinish
	want1 := ps{{S, 0}, {D, 0}, {P, 0}, {P, 1}, {C, 1}, {SS, 2}, {P, 2}, {C, 2}, {SS, 3}, {P, 3}, {C, 3}, {SS, 4}, {P, 4}, {C, 4}, {F, 0}}
	want2 := ps{{S, 0}, {D, 0}, {P, 0}, {A, 0}, {SS, 1}, {P, 1}, {C, 1}, {SS, 2}, {P, 2}, {C, 2}, {SS, 3}, {P, 3}, {C, 3}, {SS, 4}, {P, 4}, {C, 4}, {F, 0}}
	for k, want := range []ps{want1, want2} {
		var got ps
		for {
			got = append(got, step{r.Phase(), r.Round()})
			it, finished, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if finished {
				if it.Era != "submission" || it.CStepRounds != 4 {
					t.Errorf("iteration %d: era %q, cstep_rounds %d", k+1, it.Era, it.CStepRounds)
				}
				break
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("iteration %d phases\n got %v\nwant %v", k+1, got, want)
		}
	}
}

// TestSubmissionResumeEveryPhase: a submission-era run reopened after every
// phase (between rounds too) gives the records, controllers and network of an
// uninterrupted run, bit for bit.
func TestSubmissionResumeEveryPhase(t *testing.T) {
	dir := t.TempDir()
	env := obstacle.New()
	cfg := shortSubmission(2)
	straight, err := New(env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := straight.Run(nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "s.run")
	r, err := Open(path, env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var trail []string
	for !r.Done() {
		trail = append(trail, fmt.Sprintf("%s/%d", r.Phase(), r.Round()))
		if _, _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		if err := closeRun(r); err != nil {
			t.Fatal(err)
		}
		if r, err = Open(path, env, cfg); err != nil {
			t.Fatalf("reopen after %s: %v", trail[len(trail)-1], err)
		}
	}
	defer closeRun(r)
	a, b := stripWall(straight.History()), stripWall(r.History())
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("records differ after resuming at %v:\nstraight %+v\nresumed  %+v", trail, a, b)
	}
	if !reflect.DeepEqual(straight.st.MLP.Theta, r.st.MLP.Theta) {
		t.Error("network weights differ")
	}
	for m := range straight.st.Conds {
		if !reflect.DeepEqual(straight.Local(m), r.Local(m)) || straight.Eta(m) != r.Eta(m) {
			t.Errorf("condition %d: local controller or η differs", m)
		}
	}
}

// closeRun releases a run's checkpoint (Run.Close, when the build has it).
func closeRun(r *Run) error {
	if c, ok := any(r).(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// TestFitExecutedActions: once the obstacle's controllers saturate, the
// dynamics fitted on the commanded actions see a control gain ‖F_u‖ flattened
// by the clipping; fitted on the executed (clipped) actions it stays several
// times larger (measured after 4 short iterations: 0.0055 against 0.026).
func TestFitExecutedActions(t *testing.T) {
	gain := func(fix bool) (float64, float64) {
		cfg := shortObstacle(4)
		cfg.NN.Iterations = 100
		cfg.FitExecutedActions = fix
		r, err := New(obstacle.New(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Run(nil); err != nil {
			t.Fatal(err)
		}
		h := r.History()
		return h[len(h)-1].ControlGainMean, h[len(h)-1].SaturationMean
	}
	gc, sc := gain(false)
	ge, se := gain(true)
	t.Logf("commanded: gain %.4g, saturation %.2f; executed: gain %.4g, saturation %.2f", gc, sc, ge, se)
	if sc < 0.2 {
		t.Fatalf("saturation %.2f: the test needs saturating controllers", sc)
	}
	if !(ge > 2*gc) {
		t.Errorf("fitted gain on executed actions %.4g, on commanded %.4g: want over twice the commanded", ge, gc)
	}
}

// TestCStepControllerCov: with the option, MDGPS's C-step is constrained
// against π̄'s gains with the sampled controller's covariance; without it,
// against π̄ itself.
func TestCStepControllerCov(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := shortObstacle(1)
		cfg.CStepControllerCov = on
		r, err := New(obstacle.New(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		for r.Phase() != PhaseCStep {
			if _, _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
		}
		c := r.st.Conds[0]
		ref := r.problem(c).Ref
		wantCov := c.Lin.Cov
		if on {
			wantCov = c.Local.Cov
		}
		if !reflect.DeepEqual(ref.K, c.Lin.K) || !reflect.DeepEqual(ref.Bias, c.Lin.Bias) || !reflect.DeepEqual(ref.Cov, wantCov) {
			t.Errorf("option %v: the C-step's reference does not take π̄'s gains with the expected covariance", on)
		}
		if on && reflect.DeepEqual(c.Lin.Cov, c.Local.Cov) {
			t.Fatal("π̄ and the controller have the same covariance: the test cannot tell them apart")
		}
	}
}

// TestStepRuleNonFinite: when a condition's expected costs are not finite, the
// step rule keeps its multiplier, records the evidence, and the run (and its
// checkpoint) stays valid.
func TestStepRuleNonFinite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nan.run")
	cfg := shortObstacle(2)
	cfg.NN.Iterations = 100
	r, err := Open(path, obstacle.New(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for r.Iteration() < 1 || r.Phase() != PhaseAdjustStep {
		if _, _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	before := r.StepMult(0)
	r.st.Conds[0].Cost.Cc[3] = math.NaN()
	if err := r.AdjustStep(); err != nil {
		t.Fatalf("AdjustStep: %v", err)
	}
	s := r.st.Conds[0].Step
	var sre *StepRuleError
	if s.Failure == nil || !errors.As(error(s.Failure), &sre) || sre.Cond != 0 || r.StepMult(0) != before {
		t.Fatalf("condition 0: failure %v, multiplier %v (was %v)", s.Failure, r.StepMult(0), before)
	}
	if r.st.Conds[1].Step.Failure != nil {
		t.Errorf("condition 1 has a step failure: %v", r.st.Conds[1].Step.Failure)
	}
	// The injected NaN is in the cost model, which validation refuses on load;
	// the recorded failure (with its non-finite evidence) must not be.
	r.st.Conds[0].Cost.Cc[3] = 0
	if err := r.Save(); err != nil {
		t.Fatal(err)
	}
	if err := closeRun(r); err != nil {
		t.Fatal(err)
	}
	r2, err := Open(path, obstacle.New(), cfg)
	if err != nil {
		t.Fatalf("reopen after a step failure: %v", err)
	}
	defer closeRun(r2)
	if r2.StepMult(0) != before {
		t.Errorf("reopened multiplier %v, want %v", r2.StepMult(0), before)
	}
}
