//go:build pegevidence

package fit_test

// Evidence for the EM stopping rules on peg buffers (issue 12, item 2). Not
// part of the default test run (it needs MuJoCo and a few minutes):
//
//	go test -tags 'openblas pegevidence' -run PegStopRules -v -timeout 30m ./mdgps/fit/
//
// A peg run with the paper's settings (PaperPeg, seed 0, 2 workers) runs
// pegTraceIters iterations once and its training samples are cached in
// $MDGPS_PEG_TRACE (default $TMPDIR/mirrorgps-pegtrace.gob). Then, for every
// condition, a dynamics prior is fed the iterations' batches in order, as a run
// does (buffer of 39 trajectories, warm starts), once per stopping rule. For each
// iteration i it records the EM steps, the final log-likelihood per point, and
// the one-step prediction error of the dynamics fitted at iteration i on the
// held-out transitions of iteration i+1's samples (same condition, the next
// controller):
//
//	e = mean over samples and t of ‖x_{t+1} − F_t [x_t; u_t] − f_t‖².

import (
	"encoding/gob"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mirrorgps/mirrorgps/envs/peg"
	_ "github.com/mirrorgps/mirrorgps/internal/blasimpl"
	"github.com/mirrorgps/mirrorgps/mdgps"
	"github.com/mirrorgps/mirrorgps/mdgps/fit"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

const pegTraceIters = 10

type pegTrace struct {
	T, DX, DU int
	Iters     [][]fit.Batch // [iteration][condition]
}

func loadPegTrace(t *testing.T) *pegTrace {
	path := os.Getenv("MDGPS_PEG_TRACE")
	if path == "" {
		path = filepath.Join(os.TempDir(), "mirrorgps-pegtrace.gob")
	}
	if f, err := os.Open(path); err == nil {
		defer f.Close()
		var tr pegTrace
		if err := gob.NewDecoder(f).Decode(&tr); err == nil && len(tr.Iters) == pegTraceIters {
			return &tr
		}
	}
	env, err := peg.New()
	if err != nil {
		t.Skip(err)
	}
	cfg := mdgps.PaperPeg()
	cfg.Iterations, cfg.Workers = pegTraceIters, 2
	r, err := mdgps.New(env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := env.Dims()
	tr := &pegTrace{T: env.T(), DX: d.X, DU: d.U}
	for !r.Done() {
		it, err := r.Step()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("peg iteration %d: distance %.3f", it.Iteration, it.DistanceMean)
		var bs []fit.Batch
		for m := 0; m < env.Conditions(); m++ {
			b := fit.Batch{T: tr.T, DX: tr.DX, DU: tr.DU}
			for _, s := range r.Samples(m) {
				b.X = append(b.X, s.X...)
				b.U = append(b.U, s.U...)
				b.N++
			}
			bs = append(bs, b)
		}
		tr.Iters = append(tr.Iters, bs)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := gob.NewEncoder(f).Encode(tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

// ruleOutcome is one (condition, iteration) fit.
type ruleOutcome struct {
	steps  int     // E-steps
	llPt   float64 // final log-likelihood per point
	predSq float64 // held-out one-step squared prediction error (NaN for the last iteration)
}

// predError is the mean squared one-step prediction error of dyn on b.
func predError(dyn *lingauss.Dynamics, b fit.Batch) float64 {
	T, dX, dU := b.T, b.DX, b.DU
	sum, cnt := 0.0, 0
	for n := 0; n < b.N; n++ {
		for t := 0; t < T-1; t++ {
			x := b.X[(n*T+t)*dX : (n*T+t+1)*dX]
			u := b.U[(n*T+t)*dU : (n*T+t+1)*dU]
			x1 := b.X[(n*T+t+1)*dX : (n*T+t+2)*dX]
			F := dyn.F[t*dX*(dX+dU) : (t+1)*dX*(dX+dU)]
			for i := 0; i < dX; i++ {
				p := dyn.Bias[t*dX+i]
				row := F[i*(dX+dU) : (i+1)*(dX+dU)]
				for j := 0; j < dX; j++ {
					p += row[j] * x[j]
				}
				for j := 0; j < dU; j++ {
					p += row[dX+j] * u[j]
				}
				d := x1[i] - p
				sum += d * d
			}
			cnt++
		}
	}
	return sum / float64(cnt)
}

// runRule replays the trace through one dynamics prior per condition.
func runRule(t *testing.T, tr *pegTrace, stop fit.StopRule, tol float64, seed uint64) [][]ruleOutcome {
	cfg := mdgps.PaperPeg()
	pc := cfg.DynPrior
	pc.Stop, pc.StopTol = stop, tol
	conds := len(tr.Iters[0])
	out := make([][]ruleOutcome, conds)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 2)
	for m := 0; m < conds; m++ {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			prior, err := fit.NewDynamicsPrior(pc, tr.T, tr.DX, tr.DU)
			if err == nil {
				rng := rand.New(rand.NewPCG(seed, uint64(m)))
				for i, its := range tr.Iters {
					var res fit.EMResult
					res, err = prior.Update(its[m], fit.Init{Rand: rng})
					if err != nil {
						break
					}
					var dyn *lingauss.Dynamics
					dyn, err = fit.Dynamics(its[m], prior, cfg.Dynamics)
					if err != nil {
						break
					}
					o := ruleOutcome{steps: len(res.LogLik), llPt: res.LogLik[len(res.LogLik)-1] / float64(prior.NBuf*(tr.T-1)), predSq: math.NaN()}
					if i+1 < len(tr.Iters) {
						o.predSq = predError(dyn, tr.Iters[i+1][m])
					}
					out[m] = append(out[m], o)
				}
			}
			if err != nil {
				mu.Lock()
				firstErr = fmt.Errorf("condition %d: %w", m, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	return out
}

// TestPegStopRules compares the stopping rules with the relative rule (the
// default before issue 12) and checks the per-point rule at DefaultStopTol
// against the criteria: log-likelihood per point within 1 % and held-out
// one-step prediction error within 2 %, averaged over all conditions and
// iterations (per fit, two equally good EM runs differ by more; see the
// "relative seed2" line). MDGPS_PEG_RULES="per-point 1e-2,relative seed2"
// selects variants.
func TestPegStopRules(t *testing.T) {
	tr := loadPegTrace(t)
	type variant struct {
		name string
		stop fit.StopRule
		tol  float64
		seed uint64 // of the initial assignments
	}
	// The second relative run differs only in the random initial assignments
	// (iterations 1 and 2, when K changes): it measures how far two equally
	// good fits lie apart, the scale against which the rules' differences are
	// judged.
	variants := []variant{
		{"relative", fit.StopRuleRelative, 0, 2016},
		{"relative seed2", fit.StopRuleRelative, 0, 7},
		{"per-point 1e-3", fit.StopRulePerPoint, 1e-3, 2016},
		{"per-point 3e-3", fit.StopRulePerPoint, 3e-3, 2016},
		{"per-point 1e-2", fit.StopRulePerPoint, 1e-2, 2016},
		{"per-point 3e-2", fit.StopRulePerPoint, 3e-2, 2016},
		{"reference", fit.StopRuleReference, 0, 2016},
		{"afc2519", fit.StopRuleAFC2519, 0, 2016},
		{"ce5fc0e", fit.StopRuleCE5FC0E, 0, 2016},
	}
	if v := os.Getenv("MDGPS_PEG_RULES"); v != "" {
		var keep []variant
		for _, x := range variants {
			if x.name == "relative" || strings.Contains(v, x.name) {
				keep = append(keep, x)
			}
		}
		variants = keep
	}
	base := runRule(t, tr, variants[0].stop, variants[0].tol, variants[0].seed)
	for _, v := range variants {
		res := base
		if v != variants[0] {
			res = runRule(t, tr, v.stop, v.tol, v.seed)
		}
		steps, baseSteps, fits := 0, 0, 0
		maxLL, sumLL, sumBaseLL, maxPred := 0.0, 0.0, 0.0, 0.0
		sumPred, sumBasePred := 0.0, 0.0
		for m := range res {
			for i, o := range res[m] {
				b := base[m][i]
				steps += o.steps
				baseSteps += b.steps
				fits++
				maxLL = math.Max(maxLL, math.Abs(o.llPt-b.llPt)/math.Abs(b.llPt))
				sumLL += o.llPt
				sumBaseLL += b.llPt
				if !math.IsNaN(o.predSq) {
					maxPred = math.Max(maxPred, math.Abs(o.predSq-b.predSq)/b.predSq)
					sumPred += o.predSq
					sumBasePred += b.predSq
				}
			}
		}
		t.Logf("%-15s EM steps %5d (%.2f× relative's %d, %.1f per fit); ll/point mean %+.3f%% (max per fit %.2f%%); held-out pred. error mean %+.2f%% (max per fit %.1f%%)",
			v.name, steps, float64(steps)/float64(baseSteps), baseSteps, float64(steps)/float64(fits),
			100*(sumLL/sumBaseLL-1), 100*maxLL, 100*(sumPred/sumBasePred-1), 100*maxPred)
		if v.stop == fit.StopRulePerPoint && v.tol == fit.DefaultStopTol {
			if math.Abs(sumLL/sumBaseLL-1) > 0.01 || math.Abs(sumPred/sumBasePred-1) > 0.02 {
				t.Errorf("%s: mean ll/point differs by %.2f%% (want ≤ 1%%), mean prediction error by %.2f%% (want ≤ 2%%)",
					v.name, 100*(sumLL/sumBaseLL-1), 100*(sumPred/sumBasePred-1))
			}
		}
	}
	for m := range base {
		var s []int
		var ll []string
		for _, o := range base[m] {
			s = append(s, o.steps)
			ll = append(ll, fmt.Sprintf("%.1f", o.llPt))
		}
		t.Logf("relative, condition %d: E-steps per iteration %v, ll/point %v", m, s, ll)
	}
}
