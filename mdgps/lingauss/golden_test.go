package lingauss_test

import (
	"testing"

	_ "github.com/mirrorgps/mirrorgps/internal/blasimpl"
	"github.com/mirrorgps/mirrorgps/internal/golden"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// Tolerances from shared/golden/README.md (normwise per array): perturbing the
// inputs by a few ulps moved init_lqr by 2e-14 and the LQR/KL outputs by 9e-13.
const (
	tolInitLQR = 1e-11
	tolLQR     = 1e-9
)

func TestGoldenInitLQR(t *testing.T) {
	type file struct {
		Cases []struct {
			Name   string
			Inputs struct {
				InitVar      float64      `json:"init_var"`
				Stiffness    float64      `json:"stiffness"`
				StiffnessVel float64      `json:"stiffness_vel"`
				FinalWeight  float64      `json:"final_weight"`
				InitAcc      golden.Array `json:"init_acc"`
				InitGains    golden.Array `json:"init_gains"`
				X0           golden.Array `json:"x0"`
				DX, DU, T    int
				Dt           float64
			}
			Outputs golden.LGPolicy
		}
	}
	for _, path := range golden.Sources(t, "init_lqr.json") {
		var f file
		golden.Load(t, path, &f)
		if len(f.Cases) == 0 {
			t.Fatalf("%s: no cases", path)
		}
		for _, c := range f.Cases {
			in := c.Inputs
			p, err := lingauss.InitLQR(lingauss.InitLQRConfig{
				T: in.T, DX: in.DX, DU: in.DU, Dt: in.Dt, X0: in.X0.Data,
				InitVar: in.InitVar, Stiffness: in.Stiffness, StiffnessVel: in.StiffnessVel,
				FinalWeight: in.FinalWeight, InitAcc: in.InitAcc.Data, InitGains: in.InitGains.Data,
			})
			if err != nil {
				t.Fatalf("%s/%s: %v", path, c.Name, err)
			}
			golden.ComparePolicy(t, c.Name, p, &c.Outputs, tolInitLQR)
		}
	}
}

func TestGoldenTrajKL(t *testing.T) {
	type file struct {
		Cases []struct {
			Name   string
			Inputs struct {
				Mu    golden.Array `json:"mu"`
				Sigma golden.Array `json:"sigma"`
				New   golden.LGPolicy
				Prev  golden.LGPolicy
			}
			Outputs struct {
				KLPerT    golden.Array `json:"kl_per_t"`
				KLTotal   float64      `json:"kl_total"`
				KLAltPerT golden.Array `json:"kl_alt_per_t"`
				KLAltTot  float64      `json:"kl_alt_total"`
			}
		}
	}
	for _, path := range golden.Sources(t, "traj_distr_kl.json") {
		var f file
		golden.Load(t, path, &f)
		if len(f.Cases) == 0 {
			t.Fatalf("%s: no cases", path)
		}
		for _, c := range f.Cases {
			pn, pp := c.Inputs.New.Policy(), c.Inputs.Prev.Policy()
			m := lingauss.NewMarginal(pn.T, pn.DX, pn.DU)
			copy(m.Mu, c.Inputs.Mu.Data)
			copy(m.Sigma, c.Inputs.Sigma.Data)
			w := lingauss.NewWorkspace(pn.T, pn.DX, pn.DU)
			per := make([]float64, pn.T)
			tot := w.KL(per, m, pn, pp)
			golden.Close(t, c.Name+".kl_per_t", per, c.Outputs.KLPerT.Data, tolLQR)
			golden.Close(t, c.Name+".kl_total", []float64{tot}, []float64{c.Outputs.KLTotal}, tolLQR)
			tot = w.KLAlt(per, m, pn, pp)
			golden.Close(t, c.Name+".kl_alt_per_t", per, c.Outputs.KLAltPerT.Data, tolLQR)
			golden.Close(t, c.Name+".kl_alt_total", []float64{tot}, []float64{c.Outputs.KLAltTot}, tolLQR)
		}
	}
}

// TestGoldenForward checks the forward pass against the marginals the reference
// computed for the controllers of the LQR golden cases.
func TestGoldenForward(t *testing.T) {
	type file struct {
		Cases []struct {
			Name   string
			Inputs struct {
				TrajInfo golden.TrajInfo `json:"traj_info"`
			}
			Outputs struct {
				New   golden.LGPolicy `json:"new_traj_distr"`
				Mu    golden.Array    `json:"mu"`
				Sigma golden.Array    `json:"sigma"`
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
				p := c.Outputs.New.Policy()
				m := lingauss.Forward(p, c.Inputs.TrajInfo.Dynamics())
				golden.Close(t, c.Name+".mu", m.Mu, c.Outputs.Mu.Data, tolLQR)
				golden.Close(t, c.Name+".sigma", m.Sigma, c.Outputs.Sigma.Data, tolLQR)
			}
		}
	}
}
