package fit

import (
	"strconv"
	"testing"

	"github.com/mirrorgps/mirrorgps/internal/golden"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

func batchOf(X, U golden.Array) Batch {
	return Batch{N: X.Shape[0], T: X.Shape[1], DX: X.Shape[2], DU: U.Shape[2], X: X.Data, U: U.Data}
}

type goldenDyn struct {
	Fm       golden.Array `json:"Fm"`
	Fv       golden.Array `json:"fv"`
	DynCovar golden.Array `json:"dyn_covar"`
	X0Mu     golden.Array `json:"x0mu"`
	X0Sigma  golden.Array `json:"x0sigma"`
}

func checkDynamics(t *testing.T, what string, d *lingauss.Dynamics, want goldenDyn, tol float64) {
	t.Helper()
	golden.Close(t, what+".Fm", d.F, want.Fm.Data, tol)
	golden.Close(t, what+".fv", d.Bias, want.Fv.Data, tol)
	golden.Close(t, what+".dyn_covar", d.Cov, want.DynCovar.Data, tol)
	golden.Close(t, what+".x0mu", d.X0Mu, want.X0Mu.Data, tol)
	golden.Close(t, what+".x0sigma", d.X0Cov, want.X0Sigma.Data, tol)
}

// TestDynamicsLRGolden: DynamicsLR.fit plus x0 (no prior), Compat on.
func TestDynamicsLRGolden(t *testing.T) {
	var file struct {
		Cases []struct {
			Name   string
			Inputs struct {
				X, U            golden.Array
				Regularization  float64 `json:"regularization"`
				InitialStateVar float64 `json:"initial_state_var"`
			}
			Outputs goldenDyn
		}
	}
	forEachSource(t, "dynamics_lr.json", &file, func(t *testing.T) {
		if len(file.Cases) == 0 {
			t.Fatal("no cases")
		}
		for _, c := range file.Cases {
			cfg := DynamicsConfig{Regularization: c.Inputs.Regularization, InitialStateVar: c.Inputs.InitialStateVar, Compat: true}
			d, err := Dynamics(batchOf(c.Inputs.X, c.Inputs.U), nil, cfg)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			checkDynamics(t, c.Name, d, c.Outputs, tolSmall)
		}
	})
}

type dynPriorFile struct {
	Config struct {
		Dynamics struct {
			Regularization float64 `json:"regularization"`
			Prior          struct {
				MaxClusters          int     `json:"max_clusters"`
				MinSamplesPerCluster int     `json:"min_samples_per_cluster"`
				MaxSamples           int     `json:"max_samples"`
				Strength             float64 `json:"strength"`
			} `json:"prior"`
		} `json:"dynamics"`
		InitialStateVar  float64 `json:"initial_state_var"`
		GMMMaxIterations int     `json:"gmm_max_iterations"`
		GMMWarmstart     *bool   `json:"gmm_warmstart"`
	}
	Rounds []struct {
		Inputs struct {
			X, U golden.Array
		}
		Outputs struct {
			goldenDyn
			InitIdx       []golden.Array `json:"gmm_init_cidx"`
			Reinitialised bool           `json:"gmm_reinitialized"`
			PriorDataN    int            `json:"prior_data_N"`
			PriorK        int            `json:"prior_K"`
			GMM           goldenGMM      `json:"gmm"`
			LogLik        golden.Array   `json:"gmm_em_loglik_trace"`
			InitialState  struct {
				Mu0   golden.Array `json:"mu0"`
				Phi   golden.Array `json:"Phi"`
				M, N0 float64
			} `json:"initial_state"`
			PerT []struct {
				Mu0   golden.Array `json:"mu0"`
				Phi   golden.Array `json:"Phi"`
				M, N0 float64
			} `json:"prior_eval_per_t"`
		}
	}
}

func (f *dynPriorFile) configs() (PriorConfig, DynamicsConfig) {
	c := f.Config
	pc := PriorConfig{
		MaxClusters:          c.Dynamics.Prior.MaxClusters,
		MinSamplesPerCluster: c.Dynamics.Prior.MinSamplesPerCluster,
		MaxSamples:           c.Dynamics.Prior.MaxSamples,
		Strength:             c.Dynamics.Prior.Strength,
		MaxIter:              c.GMMMaxIterations,
		Compat:               true,
	}
	dc := DynamicsConfig{Regularization: c.Dynamics.Regularization, InitialStateVar: c.InitialStateVar, Compat: true}
	return pc, dc
}

// runDynPriorGolden replays DynamicsLRPrior.update_prior + fit + x0 round by round
// on one prior, Compat on.
func runDynPriorGolden(t *testing.T, name string, tol float64) {
	var file dynPriorFile
	forEachSource(t, name, &file, func(t *testing.T) {
		if len(file.Rounds) == 0 {
			t.Fatal("no rounds")
		}
		if file.Config.GMMWarmstart != nil && !*file.Config.GMMWarmstart {
			t.Fatal("golden file without warm start: not covered")
		}
		pc, dc := file.configs()
		r0 := file.Rounds[0].Inputs
		prior, err := NewDynamicsPrior(pc, r0.X.Shape[1], r0.X.Shape[2], r0.U.Shape[2])
		if err != nil {
			t.Fatal(err)
		}
		for ri, r := range file.Rounds {
			what := "round" + strconv.Itoa(ri)
			out := r.Outputs
			b := batchOf(r.Inputs.X, r.Inputs.U)
			var init Init
			if len(out.InitIdx) > 1 {
				t.Fatalf("%s: %d re-initialisations recorded; GMM.update makes at most one", what, len(out.InitIdx))
			}
			if len(out.InitIdx) == 1 {
				init.Assign = ints(out.InitIdx[0])
			}
			res, err := prior.Update(b, init)
			if err != nil {
				t.Fatalf("%s: update: %v", what, err)
			}
			if res.Reinitialised != out.Reinitialised || res.K != out.PriorK || prior.NBuf != out.PriorDataN {
				t.Errorf("%s: reinitialised=%v K=%d NBuf=%d, want %v %d %d", what, res.Reinitialised, res.K, prior.NBuf,
					out.Reinitialised, out.PriorK, out.PriorDataN)
			}
			// EM iteration counts exact; none of these traces plateaus (all end
			// by the convergence test with ll > 0, far from a 1-ulp tie).
			if len(res.LogLik) != out.LogLik.Len() {
				t.Errorf("%s: %d E-steps (stop %v), want %d", what, len(res.LogLik), res.Stop, out.LogLik.Len())
			} else {
				golden.Close(t, what+".loglik", res.LogLik, out.LogLik.Data, tol)
			}
			checkGMM(t, what+".gmm", &prior.GMM, out.GMM, tol)
			is := prior.InitialState()
			golden.Close(t, what+".initial_state.mu0", is.Mu0, out.InitialState.Mu0.Data, tol)
			golden.Close(t, what+".initial_state.Phi", is.Phi, out.InitialState.Phi.Data, tol)
			if is.M != out.InitialState.M || is.N0 != out.InitialState.N0 {
				t.Errorf("%s: initial state m=%v n0=%v, want %v %v", what, is.M, is.N0, out.InitialState.M, out.InitialState.N0)
			}
			d, err := Dynamics(b, prior, dc)
			if err != nil {
				t.Fatalf("%s: fit: %v", what, err)
			}
			checkDynamics(t, what, d, out.goldenDyn, tol)
			T, dX, dU := b.T, b.DX, b.DU
			D := 2*dX + dU
			for ti, pe := range out.PerT {
				ys := make([]float64, 0, b.N*D)
				for n := 0; n < b.N; n++ {
					ys = append(ys, b.X[(n*T+ti)*dX:(n*T+ti+1)*dX]...)
					ys = append(ys, b.U[(n*T+ti)*dU:(n*T+ti+1)*dU]...)
					ys = append(ys, b.X[(n*T+ti+1)*dX:(n*T+ti+2)*dX]...)
				}
				var niw NIW
				if err := prior.EvalTo(&niw, ys); err != nil {
					t.Fatal(err)
				}
				w := what + ".prior_eval_t" + strconv.Itoa(ti)
				golden.Close(t, w+".mu0", niw.Mu0, pe.Mu0.Data, tol)
				golden.Close(t, w+".Phi", niw.Phi, pe.Phi.Data, tol)
				if niw.M != pe.M || niw.N0 != pe.N0 {
					t.Errorf("%s: m=%v n0=%v, want %v %v", w, niw.M, niw.N0, pe.M, pe.N0)
				}
			}
		}
	})
}

func TestDynamicsPriorGoldenSmall(t *testing.T) {
	runDynPriorGolden(t, "dynamics_gmm_prior_small.json", tolSmall)
}

func TestDynamicsPriorGoldenPointmass(t *testing.T) {
	runDynPriorGolden(t, "dynamics_gmm_prior_pointmass.json", tolSmall)
}

// The arm file (4.6 MB) is not committed: it runs from $MDGPS_GOLDEN_DIR only.
func TestDynamicsPriorGoldenArm(t *testing.T) {
	runDynPriorGolden(t, "dynamics_gmm_prior_arm.json", tolArm)
}
