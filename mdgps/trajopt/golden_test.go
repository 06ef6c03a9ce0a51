package trajopt_test

import (
	"fmt"
	"testing"

	_ "github.com/mirrorgps/mirrorgps/internal/blasimpl"
	"github.com/mirrorgps/mirrorgps/internal/golden"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
	"github.com/mirrorgps/mirrorgps/mdgps/trajopt"
)

// tol is the golden README's check for lqr_bwd_fwd_*, dual_search_* and
// traj_distr_kl: perturbing the inputs by a few ulps moved the outputs by up to
// 9e-13 normwise (3e-10 for trajopt_unreachable_kl, where η ≈ 1e-8).
const tol = 1e-9

// caseInputs are the inputs shared by the LQR and dual-search golden cases.
type caseInputs struct {
	Algorithm  string
	Eta        float64
	Eta0       float64
	MaxEnt     float64          `json:"max_ent_traj"`
	BaseKLStep float64          `json:"base_kl_step"`
	StepMult   float64          `json:"step_mult"`
	KLStepTot  float64          `json:"kl_step_total"`
	TrajInfo   golden.TrajInfo  `json:"traj_info"`
	PolInfo    *golden.PolInfo  `json:"pol_info"`
	Prev       *golden.LGPolicy `json:"prev_traj_distr"`
	TrajOpt    struct {
		Del0   float64 `json:"del0"`
		MinEta float64 `json:"min_eta"`
		MaxEta float64 `json:"max_eta"`
	} `json:"traj_opt"`
	MaxIter int `json:"DGD_MAX_ITER"`
}

// problem builds the C-step problem of a golden case: the MDGPS cases constrain
// against pol_info.traj_distr(), the trajopt cases against prev_traj_distr.
func (in *caseInputs) problem(t testing.TB) *trajopt.Problem {
	pr := &trajopt.Problem{Dyn: in.TrajInfo.Dynamics(), Cost: in.TrajInfo.Cost(), MaxEnt: in.MaxEnt}
	switch in.Algorithm {
	case "mdgps":
		pr.Kind, pr.Ref = trajopt.AgainstPolicy, in.PolInfo.Policy()
	case "trajopt":
		pr.Kind, pr.Ref = trajopt.AgainstPrevious, in.Prev.Policy()
	default:
		panic("unknown algorithm " + in.Algorithm)
	}
	return pr
}

func (in *caseInputs) settings() trajopt.Settings {
	return trajopt.Settings{Del0: in.TrajOpt.Del0, MinEta: in.TrajOpt.MinEta, MaxEta: in.TrajOpt.MaxEta, MaxIter: in.MaxIter}
}

func closeScalar(t *testing.T, what string, got, want float64) {
	t.Helper()
	golden.Close(t, what, []float64{got}, []float64{want}, tol)
}

func checkIncreases(t *testing.T, what string, got []trajopt.EtaIncrease, want [][2]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d eta increases, want %d", what, len(got), len(want))
		return
	}
	for i := range want {
		closeScalar(t, fmt.Sprintf("%s.eta_increases[%d].from", what, i), got[i].From, want[i][0])
		closeScalar(t, fmt.Sprintf("%s.eta_increases[%d].to", what, i), got[i].To, want[i][1])
	}
}

func TestGoldenBackwardForward(t *testing.T) {
	type file struct {
		Cases []struct {
			Name    string
			Inputs  caseInputs
			Outputs struct {
				Eta          float64
				EtaIncreases [][2]float64 `json:"eta_increases"`
				FCm          golden.Array
				Fcv          golden.Array
				New          golden.LGPolicy `json:"new_traj_distr"`
				Mu           golden.Array    `json:"mu"`
				Sigma        golden.Array    `json:"sigma"`
				KLPerT       golden.Array    `json:"kl_per_t"`
				KLTotal      float64         `json:"kl_total"`
			}
		}
	}
	for _, name := range []string{"lqr_bwd_fwd_small.json", "lqr_bwd_fwd_pointmass.json"} {
		for _, path := range golden.Sources(t, name) {
			var f file
			golden.Load(t, path, &f)
			if len(f.Cases) == 0 {
				t.Fatalf("%s: no cases", path)
			}
			for _, c := range f.Cases {
				in, out := &c.Inputs, &c.Outputs
				pr := in.problem(t)
				T, dX, dU := in.TrajInfo.Dims()
				s := trajopt.NewSolver(T, dX, dU, in.settings())
				p := lingauss.NewPolicy(T, dX, dU)
				info, err := s.Backward(p, pr, in.Eta)
				if err != nil {
					t.Fatalf("%s/%s: %v", name, c.Name, err)
				}
				closeScalar(t, c.Name+".eta", info.Eta, out.Eta)
				checkIncreases(t, c.Name, info.Increases, out.EtaIncreases)
				aug := lingauss.NewQuadCost(T, dX, dU)
				s.AugmentedCost(aug, pr, info.Eta)
				golden.Close(t, c.Name+".fCm", aug.C, out.FCm.Data, tol)
				golden.Close(t, c.Name+".fcv", aug.Cv, out.Fcv.Data, tol)
				golden.ComparePolicy(t, c.Name+".new_traj_distr", p, &out.New, tol)
				m := lingauss.NewMarginal(T, dX, dU)
				s.Forward(m, p, pr.Dyn)
				golden.Close(t, c.Name+".mu", m.Mu, out.Mu.Data, tol)
				golden.Close(t, c.Name+".sigma", m.Sigma, out.Sigma.Data, tol)
				per := make([]float64, T)
				kl := s.KL(per, m, p, pr.Ref)
				golden.Close(t, c.Name+".kl_per_t", per, out.KLPerT.Data, tol)
				closeScalar(t, c.Name+".kl_total", kl, out.KLTotal)
			}
		}
	}
}

type searchOutputs struct {
	Eta       float64
	New       golden.LGPolicy `json:"new_traj_distr"`
	Mu        golden.Array    `json:"mu"`
	Sigma     golden.Array    `json:"sigma"`
	KLPerT    golden.Array    `json:"kl_per_t"`
	KLTotal   float64         `json:"kl_total"`
	Converged bool
	NIter     int `json:"n_iterations"`
	Trace     []struct {
		Itr          int
		MinEta       float64 `json:"min_eta"`
		Eta          float64
		MaxEta       float64 `json:"max_eta"`
		KLDiv        float64 `json:"kl_div"`
		Result       string
		NewEta       *float64     `json:"new_eta"`
		EtaIncreases [][2]float64 `json:"eta_increases"`
	}
	FirstPass *struct {
		Eta     float64
		New     golden.LGPolicy `json:"new_traj_distr"`
		Mu      golden.Array    `json:"mu"`
		Sigma   golden.Array    `json:"sigma"`
		KLTotal float64         `json:"kl_total"`
	} `json:"first_pass_at_eta0"`
}

func TestGoldenDualSearch(t *testing.T) {
	type file struct {
		Cases []struct {
			Name    string
			Inputs  caseInputs
			Outputs searchOutputs
		}
	}
	for _, name := range []string{"dual_search_small.json", "dual_search_pointmass.json", "dual_search_mdgps_arm.json"} {
		for _, path := range golden.Sources(t, name) {
			var f file
			golden.Load(t, path, &f)
			if len(f.Cases) == 0 {
				t.Fatalf("%s: no cases", path)
			}
			for _, c := range f.Cases {
				in, out := &c.Inputs, &c.Outputs
				pr := in.problem(t)
				T, dX, dU := in.TrajInfo.Dims()
				s := trajopt.NewSolver(T, dX, dU, in.settings())
				budget := in.BaseKLStep * in.StepMult * float64(T)
				closeScalar(t, c.Name+".kl_step_total", budget, in.KLStepTot)
				res, err := s.Search(pr, in.Eta0, budget)
				if err != nil {
					t.Fatalf("%s/%s: %v", name, c.Name, err)
				}
				// Discrete outputs are exact.
				if res.Converged != out.Converged || res.Iterations != out.NIter || len(res.Trace) != len(out.Trace) {
					t.Fatalf("%s/%s: converged=%v iterations=%d trace=%d, want %v %d %d", name, c.Name,
						res.Converged, res.Iterations, len(res.Trace), out.Converged, out.NIter, len(out.Trace))
				}
				for i, w := range out.Trace {
					g := res.Trace[i]
					what := fmt.Sprintf("%s.trace[%d]", c.Name, i)
					if g.Iter != w.Itr || g.Outcome.String() != w.Result {
						t.Errorf("%s: itr %d result %v, want %d %s", what, g.Iter, g.Outcome, w.Itr, w.Result)
					}
					closeScalar(t, what+".min_eta", g.MinEta, w.MinEta)
					closeScalar(t, what+".max_eta", g.MaxEta, w.MaxEta)
					closeScalar(t, what+".eta", g.Eta, w.Eta)
					closeScalar(t, what+".kl_div", g.KL, w.KLDiv)
					if w.NewEta != nil {
						closeScalar(t, what+".new_eta", g.NewEta, *w.NewEta)
					}
					checkIncreases(t, what, g.Increases, w.EtaIncreases)
				}
				closeScalar(t, c.Name+".eta", res.Eta, out.Eta)
				golden.ComparePolicy(t, c.Name+".new_traj_distr", res.Policy, &out.New, tol)
				golden.Close(t, c.Name+".mu", res.Marginal.Mu, out.Mu.Data, tol)
				golden.Close(t, c.Name+".sigma", res.Marginal.Sigma, out.Sigma.Data, tol)
				golden.Close(t, c.Name+".kl_per_t", res.KLPerT, out.KLPerT.Data, tol)
				closeScalar(t, c.Name+".kl_total", res.KL, out.KLTotal)
				if fp := out.FirstPass; fp != nil {
					p := lingauss.NewPolicy(T, dX, dU)
					info, err := s.Backward(p, pr, in.Eta0)
					if err != nil {
						t.Fatal(err)
					}
					closeScalar(t, c.Name+".first_pass.eta", info.Eta, fp.Eta)
					golden.ComparePolicy(t, c.Name+".first_pass", p, &fp.New, tol)
					m := lingauss.NewMarginal(T, dX, dU)
					s.Forward(m, p, pr.Dyn)
					golden.Close(t, c.Name+".first_pass.mu", m.Mu, fp.Mu.Data, tol)
					golden.Close(t, c.Name+".first_pass.sigma", m.Sigma, fp.Sigma.Data, tol)
					closeScalar(t, c.Name+".first_pass.kl_total", s.KL(nil, m, p, pr.Ref), fp.KLTotal)
				}
			}
		}
	}
}
