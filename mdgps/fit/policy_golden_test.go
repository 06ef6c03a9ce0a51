package fit

import (
	"math"
	"testing"

	"github.com/mirrorgps/mirrorgps/internal/golden"
)

// TestPolicyPriorGolden replays AlgorithmMDGPS._update_policy_fit on an empty
// PolicyPriorGMM (policy_prior_gmm_fit.json), Compat on. The "network" is the
// file's synthetic stand-in μ(x) = W x + b + a·tanh(V x), observed through o = x.
func TestPolicyPriorGolden(t *testing.T) {
	var file struct {
		Cases []struct {
			Name   string
			Inputs struct {
				XRaw      golden.Array `json:"X"`
				PolMuRaw  golden.Array `json:"pol_mu"`
				PolSigRaw golden.Array `json:"pol_sig"`
				Prior     struct {
					MinSamplesPerCluster int     `json:"min_samples_per_cluster"`
					MaxClusters          int     `json:"max_clusters"`
					MaxSamples           int     `json:"max_samples"`
					Strength             float64 `json:"strength"`
				} `json:"policy_prior"`
				Mode   string `json:"policy_sample_mode"`
				Global struct {
					WRaw golden.Array `json:"W"`
					BRaw golden.Array `json:"b"`
					VRaw golden.Array `json:"V"`
					A    float64      `json:"a"`
				} `json:"global_policy"`
			}
			Outputs struct {
				InitIdx  []golden.Array `json:"gmm_init_cidx"`
				GMM      goldenGMM      `json:"gmm"`
				PolK     golden.Array   `json:"pol_K"`
				Polk     golden.Array   `json:"pol_k"`
				PolS     golden.Array   `json:"pol_S"`
				CholPolS golden.Array   `json:"chol_pol_S"`
			}
		}
	}
	forEachSource(t, "policy_prior_gmm_fit.json", &file, func(t *testing.T) {
		if len(file.Cases) == 0 {
			t.Fatal("no cases")
		}
		for _, c := range file.Cases {
			in, out := c.Inputs, c.Outputs
			N, T, dX, dU := in.XRaw.Shape[0], in.XRaw.Shape[1], in.XRaw.Shape[2], in.PolMuRaw.Shape[2]
			W, B, V, a := in.Global.WRaw.Data, in.Global.BRaw.Data, in.Global.VRaw.Data, in.Global.A
			mean := func(obs []float64, n int) []float64 {
				u := make([]float64, n*dU)
				for r := 0; r < n; r++ {
					x := obs[r*dX : (r+1)*dX]
					for i := 0; i < dU; i++ {
						wx, vx := 0.0, 0.0
						for j := 0; j < dX; j++ {
							wx += W[i*dX+j] * x[j]
							vx += V[i*dX+j] * x[j]
						}
						u[r*dU+i] = wx + B[i] + a*math.Tanh(vx)
					}
				}
				return u
			}
			// The stand-in reproduces the recorded pol_mu (up to summation order).
			golden.Close(t, c.Name+".pol_mu(stand-in)", mean(in.XRaw.Data, N*T), in.PolMuRaw.Data, 1e-14)
			if in.Mode != "add" || len(out.InitIdx) != 1 {
				t.Fatalf("%s: mode %q with %d initialisations: not covered", c.Name, in.Mode, len(out.InitIdx))
			}
			cfg := PriorConfig{MaxClusters: in.Prior.MaxClusters, MinSamplesPerCluster: in.Prior.MinSamplesPerCluster,
				MaxSamples: in.Prior.MaxSamples, Strength: in.Prior.Strength, Compat: true}
			prior, err := NewPolicyPrior(cfg, T, dX, dX, dU)
			if err != nil {
				t.Fatal(err)
			}
			res, err := prior.Update(in.XRaw.Data, in.XRaw.Data, N, AddSamples, mean, Init{Assign: ints(out.InitIdx[0])})
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if !res.Reinitialised || prior.NBuf != N {
				t.Errorf("%s: reinitialised=%v NBuf=%d, want true %d", c.Name, res.Reinitialised, prior.NBuf, N)
			}
			checkGMM(t, c.Name+".gmm", &prior.GMM, out.GMM, tolSmall)
			b := Batch{N: N, T: T, DX: dX, DU: dU, X: in.XRaw.Data, U: in.PolMuRaw.Data}
			pol, err := LinearisePolicy(b, in.PolSigRaw.Data, prior, PolicyConfig{Reg0: 1e-8, Compat: true})
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			golden.Close(t, c.Name+".pol_K", pol.K, out.PolK.Data, tolSmall)
			golden.Close(t, c.Name+".pol_k", pol.Bias, out.Polk.Data, tolSmall)
			golden.Close(t, c.Name+".pol_S", pol.Cov, out.PolS.Data, tolSmall)
			golden.Close(t, c.Name+".chol_pol_S", pol.Chol, out.CholPolS.Data, tolSmall)
			if err := pol.Check(); err != nil {
				t.Error(err)
			}
		}
	})
}
