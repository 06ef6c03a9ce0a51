package mdgps

import (
	"fmt"
	"math"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// StepRule selects how the KL step ε is adapted between iterations (paper §4.2,
// spec §7.6, §15.1; shared/reference/paper-notes.md "Step size").
type StepRule string

const (
	// ClassicStep (paper "classic", per condition): the actual improvement is the
	// new local controller's expected cost under the new dynamics fit.
	ClassicStep StepRule = "classic"
	// GlobalStep (paper "global", per condition): the actual improvement is the
	// new global policy's (its linearisation's) expected cost: ε shrinks when the
	// S-step fails to reproduce the local controllers.
	GlobalStep StepRule = "global"
	// FixedStep keeps ε at kl_step (multiplier 1) for ever: a baseline.
	FixedStep StepRule = "fixed"
	// LaplaceStep is the later reference's rule (HEAD "laplace"): GlobalStep with
	// the quantities averaged over conditions before the ratio is taken.
	LaplaceStep StepRule = "laplace"
	// MCStep is the later reference's "mc" rule: like LaplaceStep with the
	// previous and current costs measured by the mean sample cost.
	MCStep StepRule = "mc"
)

// Valid reports whether r names a known rule.
func (r StepRule) Valid() bool {
	switch r {
	case ClassicStep, GlobalStep, FixedStep, LaplaceStep, MCStep:
		return true
	}
	return false
}

// Shared reports whether the rule computes one improvement for all conditions
// (laplace, mc) rather than one per condition (classic, global).
func (r StepRule) Shared() bool { return r == LaplaceStep || r == MCStep }

// NewMult is the multiplier update of the reference's _set_new_mult (spec §7.7):
// the cost change is modelled as quadratic in ε and re-optimised,
//
//	r = pred / (2·max(1e-4, pred − actual)),   mult' = clip(r·mult, min, max).
//
// With compat (the reference, quirk of an undocumented clamp) r is first clipped
// to [0.1, 5]; without it, only the configured [min, max] applies (ARCHITECTURE.md
// "Decisions": no hidden clamp). The max(1e-4, ·) guard is part of the rule.
func NewMult(pred, actual, mult, minMult, maxMult float64, compat bool) float64 {
	r := pred / (2 * math.Max(1e-4, pred-actual))
	if compat {
		r = math.Max(math.Min(r, 5), 0.1)
	}
	return math.Max(math.Min(r*mult, maxMult), minMult)
}

// StepCosts are the expected costs (sums over t of the quadratic model's
// E[ℓ_t], spec §6.3) that the step rules compare for one condition. "prev" is the
// previous iteration (its dynamics fit, cost expansion and linearisation π̄_{k−1}),
// "cur" the current one; the local controller is the previous C-step's output.
type StepCosts struct {
	PrevLaplace   float64 // ℓ^{k−1,π}_{k−1}: π̄_{k−1} under the previous fit
	PrevPredicted float64 // ℓ^{k}_{k−1}: the local controller under the previous fit (what the C-step predicted)
	CurLocal      float64 // ℓ^{k}_{k}: the local controller under the current fit
	CurLaplace    float64 // ℓ^{k,π}_{k}: π̄_k (the new global policy's linearisation) under the current fit
	PrevMC        float64 // mean total cost of the previous iteration's samples
	CurMC         float64 // mean total cost of the current samples
}

// StepModel is one iteration's model of a condition (dynamics fit and local cost).
type StepModel struct {
	Dyn  *lingauss.Dynamics
	Cost *lingauss.QuadCost
}

// EstimateStepCosts computes the model-based entries of StepCosts:
// prevRef = π̄_{k−1}, local = the previous C-step's controller, curRef = π̄_k.
func EstimateStepCosts(w *lingauss.Workspace, m *lingauss.Marginal, prev, cur StepModel, prevRef, local, curRef *lingauss.Policy) StepCosts {
	cost := func(p *lingauss.Policy, sm StepModel) float64 {
		w.Forward(m, p, sm.Dyn)
		return w.ExpectedCost(nil, m, sm.Cost)
	}
	return StepCosts{
		PrevLaplace:   cost(prevRef, prev),
		PrevPredicted: cost(local, prev),
		CurLocal:      cost(local, cur),
		CurLaplace:    cost(curRef, cur),
	}
}

// Improvement returns the predicted and actual cost improvements the rule feeds to
// NewMult (paper §4.2; golden README "step_adjust"):
//
//	classic: pred = ℓ^{k−1,π}_{k−1} − ℓ^k_{k−1},  actual = ℓ^{k−1,π}_{k−1} − ℓ^k_k
//	global:  pred as classic,                     actual = ℓ^{k−1,π}_{k−1} − ℓ^{k,π}_k
//	laplace: as global, on costs averaged over conditions (pass the average)
//	mc:      pred = PrevMC − ℓ^k_{k−1},           actual = PrevMC − CurMC
//
// It panics for FixedStep, which has no improvement model.
func (r StepRule) Improvement(c StepCosts) (pred, actual float64) {
	switch r {
	case ClassicStep:
		return c.PrevLaplace - c.PrevPredicted, c.PrevLaplace - c.CurLocal
	case GlobalStep, LaplaceStep:
		return c.PrevLaplace - c.PrevPredicted, c.PrevLaplace - c.CurLaplace
	case MCStep:
		return c.PrevMC - c.PrevPredicted, c.PrevMC - c.CurMC
	}
	panic(fmt.Sprintf("mdgps: step rule %q has no improvement model", r))
}

// MeanStepCosts averages StepCosts over conditions (the HEAD rules' first step).
func MeanStepCosts(cs []StepCosts) StepCosts {
	var m StepCosts
	for _, c := range cs {
		m.PrevLaplace += c.PrevLaplace
		m.PrevPredicted += c.PrevPredicted
		m.CurLocal += c.CurLocal
		m.CurLaplace += c.CurLaplace
		m.PrevMC += c.PrevMC
		m.CurMC += c.CurMC
	}
	n := float64(len(cs))
	m.PrevLaplace /= n
	m.PrevPredicted /= n
	m.CurLocal /= n
	m.CurLaplace /= n
	m.PrevMC /= n
	m.CurMC /= n
	return m
}
