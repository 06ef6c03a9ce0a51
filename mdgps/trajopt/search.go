package trajopt

import (
	"fmt"
	"math"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// Outcome is the verdict of one dual iteration.
type Outcome int

const (
	Converged   Outcome = iota // |KL − budget| < Tol·budget
	EtaTooBig                  // KL below the budget: η was too large, the bracket's top moves down
	EtaTooSmall                // KL above the budget: η was too small, the bracket's bottom moves up
)

func (o Outcome) String() string {
	switch o {
	case Converged:
		return "converged"
	case EtaTooBig:
		return "eta_too_big"
	case EtaTooSmall:
		return "eta_too_small"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Step is one iteration of the dual search, recorded for diagnostics.
type Step struct {
	Iter           int
	MinEta, MaxEta float64 // bracket at the start of the iteration
	Eta            float64 // η handed to the backward pass
	UsedEta        float64 // η after any PD increases
	KL             float64 // realised KL of the resulting controller
	Outcome        Outcome
	NewEta         float64 // next η (equal to UsedEta when converged)
	Increases      []EtaIncrease
}

// Result of the dual search on η.
type Result struct {
	Policy   *lingauss.Policy   // the new local controller p_i
	Marginal *lingauss.Marginal // its state-action marginals under the dynamics
	// Eta is the η the reference returns and carries to the next iteration. After a
	// search that did not converge it is the next, untried value (quirk Q14,
	// replicated); UsedEta is the η that produced Policy.
	Eta, UsedEta float64
	KL           float64   // Σ_t KL_t(Policy ‖ Ref)
	KLPerT       []float64 // per time step, clamped at 0 (quirk Q26)
	Budget       float64   // the KL budget ε (total over the horizon)
	Converged    bool
	Iterations   int // backward passes run (not counting PD restarts)
	Trace        []Step
	Stop         Stop // the rule that ended the search
}

// Search runs the dual search on η selected by Settings.EtaSearch. By default
// (Bisection) it is the one of the reference (spec §6.7): bisection in log
// space on the bracket [MinEta, MaxEta], at most a factor 10 per step, until the
// realised KL is within Tol·budget of budget:
//
//	KL < budget:  max_η = η, η ← max(√(min_η·max_η), 0.1·max_η)
//	KL > budget:  min_η = η, η ← min(√(min_η·max_η), 10·min_η)
//
// budget is the total KL ε = kl_step·step_mult·T. A search that does not converge
// in MaxIter iterations is not an error: the result says Converged = false. Errors
// are bad input (sizes, NaN/Inf: *lingauss.NonFiniteError), a *NotPDError when η
// reaches its limit, or a *NonFiniteResultError.
//
// With OldLineSearch it runs the submission era's bracketing line search instead
// (spec §15.3, see searchOld in oldsearch.go): it needs Solver.Rand, draws from it
// only when the line search flips its coin, and records in the Trace MinEta =
// max(PD floor, Settings.MinEta) and MaxEta = 0 (it has no upper end). Converged
// then means |KL − budget| < Tol·budget, whichever stopping rule (Result.Stop)
// ended the search.
func (s *Solver) Search(pr *Problem, eta0, budget float64) (*Result, error) {
	if err := pr.Check(); err != nil {
		return nil, err
	}
	if err := s.Settings.Validate(); err != nil {
		return nil, err
	}
	s.checkSize(pr.Ref.T, pr.Ref.DX, pr.Ref.DU)
	if !(budget > 0) || math.IsInf(budget, 0) {
		return nil, fmt.Errorf("trajopt: KL budget = %v, need a finite value > 0", budget)
	}
	if !(eta0 > 0) || math.IsInf(eta0, 0) {
		return nil, fmt.Errorf("trajopt: initial eta = %v, need a finite value > 0", eta0)
	}
	st := s.Settings
	coin := s.coin
	if st.EtaSearch == OldLineSearch && coin == nil {
		if s.Rand == nil {
			return nil, fmt.Errorf("trajopt: Settings.EtaSearch = %q needs Solver.Rand (the seeded stream of its coin flip)", OldLineSearch)
		}
		rng := s.Rand
		coin = func() bool { return rng.Float64() < 0.5 }
	}
	s.prepare(pr)
	res := &Result{
		Policy:   lingauss.NewPolicy(s.T, s.DX, s.DU),
		Marginal: lingauss.NewMarginal(s.T, s.DX, s.DU),
		KLPerT:   make([]float64, s.T),
		Budget:   budget,
	}
	if st.EtaSearch == OldLineSearch {
		if err := s.searchOld(pr, eta0, budget, res, coin); err != nil {
			return nil, err
		}
		return res, nil
	}
	lo, hi := st.MinEta, st.MaxEta
	eta := eta0
	for itr := 0; itr < st.MaxIter; itr++ {
		step := Step{Iter: itr, MinEta: lo, MaxEta: hi, Eta: eta}
		info, err := s.backward(res.Policy, pr, eta)
		if err != nil {
			return nil, err
		}
		step.Increases = append([]EtaIncrease(nil), info.Increases...)
		eta = info.Eta
		step.UsedEta = eta
		s.lg.Forward(res.Marginal, res.Policy, pr.Dyn)
		kl := s.lg.KL(res.KLPerT, res.Marginal, res.Policy, pr.Ref)
		step.KL = kl
		res.KL, res.UsedEta, res.Iterations = kl, eta, itr+1
		con := kl - budget
		if math.Abs(con) < st.Tol*budget {
			step.Outcome, step.NewEta = Converged, eta
			res.Trace = append(res.Trace, step)
			res.Converged, res.Stop = true, StopConverged
			break
		}
		if con < 0 {
			hi = eta
			eta = math.Max(math.Sqrt(lo*hi), 0.1*hi)
			step.Outcome = EtaTooBig
		} else {
			lo = eta
			eta = math.Min(math.Sqrt(lo*hi), 10*lo)
			step.Outcome = EtaTooSmall
		}
		step.NewEta = eta
		res.Trace = append(res.Trace, step)
	}
	res.Eta = eta
	return res, nil
}
