package trajopt

import (
	"fmt"
	"math"
)

// EtaSearch names the dual search on η that Solver.Search runs (Settings.EtaSearch).
type EtaSearch string

const (
	// Bisection is the later reference's log-space bisection on the bracket
	// [MinEta, MaxEta] (spec §6.7, HEAD's TrajOptLQRPython). The default; the empty
	// string means Bisection.
	Bisection EtaSearch = "bisection"
	// OldLineSearch is the submission-era bracketing line search (spec §15.3: the
	// reference's LineSearch.bracketing_line_search at afc2519 and ce5fc0e,
	// replaced by Bisection in 5277c6a). Its MinEta defaults to 1e-4 (the era's
	// min_eta), it has no upper end, and it flips a coin: Search draws it from
	// Solver.Rand, which must be set. See Solver.Search.
	OldLineSearch EtaSearch = "old"
)

// Stop says which rule ended a dual search (Result.Stop).
type Stop int

const (
	// StopMaxIter: MaxIter iterations ran without another rule firing.
	StopMaxIter Stop = iota
	// StopConverged: |KL − ε| < Tol·ε.
	StopConverged
	// StopLateFeasible (OldLineSearch): from iteration 20 on (counting from 0), any
	// KL below the budget ends the search.
	StopLateFeasible
	// StopEtaFloor (OldLineSearch): the line search returned η = max(PD floor,
	// MinEta), less than 1e-4 away from the η just tried.
	StopEtaFloor
	// StopKLStalled (OldLineSearch): after iteration 2 the KL changed by less than
	// 1e-3 and is below the budget.
	StopKLStalled
)

func (s Stop) String() string {
	switch s {
	case StopMaxIter:
		return "max_iter"
	case StopConverged:
		return "converged"
	case StopLateFeasible:
		return "late_feasible"
	case StopEtaFloor:
		return "eta_floor"
	case StopKLStalled:
		return "kl_stalled"
	}
	return fmt.Sprintf("Stop(%d)", int(s))
}

// Constants of the old line search (spec §15.3; the reference's traj_opt_utils.py
// at afc2519).
const (
	oldLateIter     = 20    // from this iteration on, a feasible KL stops the search
	oldEtaStopTol   = 1e-4  // THRESHA: η change at the lower bound that stops the search
	oldKLStallTol   = 1e-3  // THRESHB: KL change that counts as stalled (after iteration 2)
	oldFirstRate    = 0.01  // first call with con ≥ 0: η + 0.01·con
	oldFlatRatio    = 1e-2  // |Δcon| / (|con|·|Δlog η|) below this: KL insensitive to η
	oldMaxLogStep   = 4.0   // |Δ log η| limit unless the points bracket the root
	oldClipLogStep  = 5.0   // clip of the fallback log step sign(con)
	oldEtaLogFloor  = 1e-50 // floor of the original-space root before its log
	oldSameConRelTo = 1e-16 // stored and new con "numerically equal"
)

// lsCase names the branch one line-search step took (for tests and diagnostics).
type lsCase int

const (
	lsFirst     lsCase = iota // first call (or both stored cons equal con): a fixed step
	lsMid                     // the stored points bracket the root: unlimited step
	lsJump                    // KL insensitive to η: jump to max(floor, MinEta)
	lsNoMid                   // closer stored point paired with the new one; step ≤ 4 in log space
	lsNotConvex               // the fit in both spaces is not concave: log η + sign(con)
)

// lineSearch is the state of the old bracketing line search (spec §15.3): two
// points (c1, e1), (c2, e2) of the constraint violation con = KL − ε against η.
// It is fresh for every Search, so nothing of it persists between iterations.
type lineSearch struct {
	minEta         float64     // the era's min_eta (1e-4)
	coin           func() bool // true with probability ½ (rand() < 0.5)
	has            bool
	c1, c2, e1, e2 float64
	last           lsCase // branch of the last step
	orig           bool   // the last step solved in the original space by the coin
	flipped        bool   // the last step drew the coin
}

// step returns the next η from the violation con = KL − ε realised at eta, with
// floor the η the backward pass had to raise to (−∞ if it never did):
//
//   - first call (or both stored cons numerically equal to con): store (con, eta)
//     twice; con < 0 → η/e (a log step of −1); con ≥ 0 → η + 0.01·con (no floor);
//   - else choose two points: "mid" when c1 ≤ con < c2 with c1 < 0 < c2 (replace
//     the end of con's sign); else, when all three cons are negative, η is below
//     both stored ηs, c1 ≠ c2 and |c2 − con|/(max(|c2|,|con|)·|log e2 − log η|) <
//     0.01, store (c1, e1), (con, η) and jump to max(floor, MinEta); else pair the
//     stored point with the smaller |c| with (con, η), ordered so c1 < c2 (ties as
//     the reference: the new point first);
//   - fit c·η = a (log η)² + b log η in log space: log η* = −b/(2a) if a < 0, unless
//     c1c2 < 0, |log|lc1/lc2|| > 2|log|c1/c2|| and the coin says to solve in the
//     original space (a = (c2−c1)/(2(e2−e1)), η* = max(−b/(2a), 1e−50) if a < 0);
//     if neither fit is concave, log η* = log η + clip(sign(con), −5, 5);
//   - limit |log η* − log η| to 4 unless mid, store the pair, return
//     max(η*, max(floor, MinEta)).
func (ls *lineSearch) step(con, eta, floor float64) float64 {
	ls.orig, ls.flipped = false, false
	lower := math.Max(floor, ls.minEta)
	if !ls.has || (math.Abs(ls.c1-con) < oldSameConRelTo*math.Abs(ls.c1+con) &&
		math.Abs(ls.c2-con) < oldSameConRelTo*math.Abs(ls.c2+con)) {
		ls.has, ls.last = true, lsFirst
		ls.c1, ls.c2, ls.e1, ls.e2 = con, con, eta, eta
		if con < 0 { // too little change
			rate := math.Abs(1 / (eta * con))
			cng := clip(rate*eta*con, -oldClipLogStep, oldClipLogStep)
			return math.Exp(math.Log(eta) + cng)
		}
		return eta + con*oldFirstRate // too much change
	}
	var c1, c2, e1, e2 float64
	mid := ls.c1 <= con && ls.c2 > con && ls.c1 < 0 && ls.c2 > 0
	switch {
	case mid:
		if con < 0 {
			c1, c2, e1, e2 = con, ls.c2, eta, ls.e2
		} else {
			c1, c2, e1, e2 = ls.c1, con, ls.e1, eta
		}
	case ls.c1 < 0 && ls.c2 < 0 && con < 0 && eta <= ls.e1 && eta <= ls.e2 && ls.c1 != ls.c2 &&
		math.Abs(ls.c2-con)/(math.Max(math.Abs(ls.c2), math.Abs(con))*math.Abs(math.Log(ls.e2)-math.Log(eta))) < oldFlatRatio:
		// The rate changes very slowly: try the lowest possible η.
		ls.c2, ls.e2 = con, eta
		ls.last = lsJump
		return lower
	case math.Abs(ls.c1) <= math.Abs(ls.c2):
		if ls.c1 < con {
			c1, c2, e1, e2 = ls.c1, con, ls.e1, eta
		} else {
			c1, c2, e1, e2 = con, ls.c1, eta, ls.e1
		}
	default:
		if ls.c2 < con {
			c1, c2, e1, e2 = ls.c2, con, ls.e2, eta
		} else {
			c1, c2, e1, e2 = con, ls.c2, eta, ls.e2
		}
	}
	ls.last = lsNoMid
	if mid {
		ls.last = lsMid
	}
	// Log-space fit (may not be concave).
	lc1, lc2 := c1*e1, c2*e2
	le1, le2 := math.Log(e1), math.Log(e2)
	a := (lc2 - lc1) / (2 * (le2 - le1))
	b := 0.5 * (lc1 + lc2 - 2*a*(le1+le2))
	// Solve in the original space instead, with probability ½, when the ratio of
	// gradients is much larger in log space. The coin is drawn only when the first
	// two conditions hold, as Python's `and` evaluates it.
	if math.Abs(math.Log(math.Abs(lc1/lc2))) > 2*math.Abs(math.Log(math.Abs(c1/c2))) && c1*c2 < 0 {
		ls.flipped = true
		ls.orig = ls.coin()
	}
	var nlog float64
	if a < 0 && !ls.orig {
		nlog = -b / (2 * a)
	} else {
		a = (c2 - c1) / (2 * (e2 - e1))
		b = 0.5 * (c1 + c2 - 2*a*(e1+e2))
		if a < 0 {
			nlog = math.Log(math.Max(-b/(2*a), oldEtaLogFloor))
		} else { // the reference warns "Dual is not concave!"
			ls.last = lsNotConvex
			rate := math.Abs(1 / (con * eta))
			nlog = math.Log(eta) + clip(rate*con*eta, -oldClipLogStep, oldClipLogStep)
		}
	}
	maxStep := oldMaxLogStep
	if mid {
		maxStep = math.Inf(1)
	}
	if le := math.Log(eta); nlog > le {
		nlog = le + math.Min(nlog-le, maxStep)
	} else {
		nlog = le + math.Max(nlog-le, -maxStep)
	}
	ls.c1, ls.c2, ls.e1, ls.e2 = c1, c2, e1, e2
	return math.Max(math.Exp(nlog), lower)
}

func clip(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }

// EtaError reports a non-finite or non-positive η produced by the old line search
// (possible only with degenerate KL values); it carries the bracket.
type EtaError struct {
	Iter           int
	Con, Eta       float64 // violation and η of the iteration
	NewEta         float64 // the bad value
	C1, C2, E1, E2 float64 // the line search's stored points
}

func (e *EtaError) Error() string {
	return fmt.Sprintf("trajopt: old line search produced eta=%v at iteration %d (con %v at eta %v; bracket (%v, %v), (%v, %v))",
		e.NewEta, e.Iter, e.Con, e.Eta, e.C1, e.E1, e.C2, e.E2)
}

// searchOld is Search with Settings.EtaSearch = OldLineSearch (spec §15.3): the
// loop oldLoop over backward pass, forward pass and KL.
func (s *Solver) searchOld(pr *Problem, eta0, budget float64, res *Result, coin func() bool) error {
	eval := func(eta float64) (float64, []EtaIncrease, float64, error) {
		info, err := s.backward(res.Policy, pr, eta)
		if err != nil {
			return 0, nil, 0, err
		}
		s.lg.Forward(res.Marginal, res.Policy, pr.Dyn)
		return info.Eta, info.Increases, s.lg.KL(res.KLPerT, res.Marginal, res.Policy, pr.Ref), nil
	}
	return oldLoop(s.Settings, eta0, budget, coin, eval, res)
}

// klEval runs the C-step at η: the η actually used (after PD increases), the
// increases, and the realised KL.
type klEval func(eta float64) (used float64, incs []EtaIncrease, kl float64, err error)

// oldLoop is the outer loop of the old η search (spec §15.3; the reference's
// TrajOptLQRPython(MDGPS).update at afc2519):
//
//	η_prev = eta0; floor = −∞; a fresh line search
//	loop (at most MaxIter times):
//	    (p, η_new) = backward(η_prev); if η_new > η_prev: floor = η_new
//	    kl = KL(p ‖ Ref)
//	    if |kl − ε| < Tol·ε or (itr ≥ 20 and kl < ε): η = η_prev; stop
//	    η = LS.step(kl − ε, η_new, floor)
//	    if |η_prev − η| < 1e-4 and η = max(floor, MinEta): stop
//	    if itr > 2 and |kl − kl_prev| < 1e-3 and kl < ε: stop
//	    kl_prev = kl; η_prev = η
//
// As the reference does, a converged search returns the η it passed to the
// backward pass (before any PD increase; UsedEta is the one after) and the other
// stops return the line search's next, untried η. It fills res's Eta, UsedEta,
// KL, Iterations, Trace, Stop and Converged (|KL − ε| < Tol·ε).
func oldLoop(st Settings, eta0, budget float64, coin func() bool, eval klEval, res *Result) error {
	ls := lineSearch{minEta: st.MinEta, coin: coin}
	floor := math.Inf(-1)
	prevEta, prevKL := eta0, 0.0
	eta := eta0
	res.Stop = StopMaxIter
	for itr := 0; itr < st.MaxIter; itr++ {
		step := Step{Iter: itr, MinEta: math.Max(floor, st.MinEta), Eta: prevEta}
		newEta, incs, kl, err := eval(prevEta)
		if err != nil {
			return err
		}
		step.Increases = append([]EtaIncrease(nil), incs...)
		step.UsedEta, step.KL = newEta, kl
		if newEta > prevEta {
			floor = newEta
		}
		res.KL, res.UsedEta, res.Iterations = kl, newEta, itr+1
		con := kl - budget
		if math.Abs(con) < st.Tol*budget || (itr >= oldLateIter && kl < budget) {
			eta = prevEta
			step.Outcome, step.NewEta = Converged, eta
			res.Trace = append(res.Trace, step)
			res.Stop = StopConverged
			if math.Abs(con) >= st.Tol*budget {
				res.Stop = StopLateFeasible
			}
			break
		}
		step.Outcome = EtaTooSmall
		if con < 0 {
			step.Outcome = EtaTooBig
		}
		eta = ls.step(con, newEta, floor)
		step.NewEta = eta
		res.Trace = append(res.Trace, step)
		if !(eta > 0) || math.IsInf(eta, 0) {
			return &EtaError{Iter: itr, Con: con, Eta: newEta, NewEta: eta, C1: ls.c1, C2: ls.c2, E1: ls.e1, E2: ls.e2}
		}
		if math.Abs(prevEta-eta) < oldEtaStopTol && eta == math.Max(floor, st.MinEta) {
			res.Stop = StopEtaFloor
			break
		}
		if itr > 2 && math.Abs(kl-prevKL) < oldKLStallTol && kl < budget {
			res.Stop = StopKLStalled
			break
		}
		prevKL, prevEta = kl, eta
	}
	res.Eta = eta
	res.Converged = math.Abs(res.KL-budget) < st.Tol*budget
	return nil
}
