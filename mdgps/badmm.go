package mdgps

import (
	"fmt"
	"math"

	"github.com/mirrorgps/mirrorgps/mdgps/internal/dense"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
	"github.com/mirrorgps/mirrorgps/mdgps/nn"
)

// BADMMConfig holds the settings of the BADMM baseline (spec §11.1; reference
// defaults in parentheses).
type BADMMConfig struct {
	InnerIterations int       // C/S rounds per iteration (4)
	DualRate        float64   // policy_dual_rate: step of the multipliers λ_k (0.1)
	DualRateCovar   float64   // policy_dual_rate_covar: step of λ_K (0)
	LGStepSchedule  []float64 // lg_step over the run, log-linearly interpolated (10)
	EntRegSchedule  []float64 // the network's entropy regulariser over the run (0)
	InitPolWt       float64   // initial policy weight w_t (0.01)
	// WeightRule is the reference's fixed_lg_step: how w_t changes on the last
	// inner round: 0 dual gradient w += lg_step·kl_t; 1 w += lg_step; 2 the KL
	// ratio rule (halve below 0.8, double from 0.95; the first call keeps w, where
	// the reference crashed, quirk Q17); 3 (all reference configs) multiply by
	// ExpStepDecrease where kl_t < mean − ExpStepLower·std and by ExpStepIncrease
	// where kl_t ≥ mean + ExpStepUpper·std.
	WeightRule                       int
	ExpStepIncrease, ExpStepDecrease float64 // (2, 0.5)
	ExpStepUpper, ExpStepLower       float64 // (0.5, 1)
	// UnweightedShift shifts the S-step targets by Σ_t λ instead of w_t Σ_t λ
	// (spec §15.4: the submission's target precision P_t where the later code
	// has P_t / w_t).
	UnweightedShift bool
}

// DefaultBADMM returns the reference's BADMM defaults with the rule of its configs.
func DefaultBADMM() BADMMConfig {
	return BADMMConfig{InnerIterations: 4, DualRate: 0.1, LGStepSchedule: []float64{10}, EntRegSchedule: []float64{0},
		InitPolWt: 0.01, WeightRule: 3, ExpStepIncrease: 2, ExpStepDecrease: 0.5, ExpStepUpper: 0.5, ExpStepLower: 1}
}

// Validate reports the first bad field.
func (b *BADMMConfig) Validate() error {
	bad := func(f string, v any, want string) error {
		return fmt.Errorf("mdgps: Config.BADMM.%s = %v, want %s", f, v, want)
	}
	nonneg := func(x float64) bool { return x >= 0 && !math.IsInf(x, 0) }
	switch {
	case b.InnerIterations < 1:
		return bad("InnerIterations", b.InnerIterations, "≥ 1")
	case !nonneg(b.DualRate):
		return bad("DualRate", b.DualRate, "a finite value ≥ 0")
	case !nonneg(b.DualRateCovar):
		return bad("DualRateCovar", b.DualRateCovar, "a finite value ≥ 0")
	case len(b.LGStepSchedule) == 0:
		return bad("LGStepSchedule", b.LGStepSchedule, "at least one value")
	case len(b.EntRegSchedule) == 0:
		return bad("EntRegSchedule", b.EntRegSchedule, "at least one value")
	case !(b.InitPolWt > 0) || math.IsInf(b.InitPolWt, 0):
		return bad("InitPolWt", b.InitPolWt, "a finite value > 0")
	case b.WeightRule < 0 || b.WeightRule > 3:
		return bad("WeightRule", b.WeightRule, "0, 1, 2 or 3")
	case !(b.ExpStepIncrease > 0) || !(b.ExpStepDecrease > 0) || !nonneg(b.ExpStepUpper) || !nonneg(b.ExpStepLower):
		return bad("ExpStep*", []float64{b.ExpStepIncrease, b.ExpStepDecrease, b.ExpStepUpper, b.ExpStepLower}, "increase, decrease > 0 and upper, lower ≥ 0")
	}
	for _, s := range [][]float64{b.LGStepSchedule, b.EntRegSchedule} {
		for _, v := range s {
			if !nonneg(v) {
				return bad("schedule", s, "finite values ≥ 0")
			}
		}
	}
	return nil
}

// schedule evaluates a schedule at progress s ∈ [0, 1] (spec §11.2): a single value
// as is, several values log-linearly interpolated on an even grid (zeros stay 0).
func schedule(sch []float64, s float64) float64 {
	if len(sch) == 1 {
		return sch[0]
	}
	pos := s * float64(len(sch)-1)
	i := min(int(pos), len(sch)-2)
	f := pos - float64(i)
	a, b := sch[i], sch[i+1]
	if a <= 0 || b <= 0 {
		return a + f*(b-a)
	}
	return math.Exp(math.Log(a) + f*(math.Log(b)-math.Log(a)))
}

// badmmCond is the BADMM part of a condition's state.
type badmmCond struct {
	PolWt   []float64 // w_t
	LambdaK []float64 // T×dU×dX
	Lambdak []float64 // T×dU
	PrevKL  []float64 // the last policy KL per step (weight rule 2)
	InitKL  []float64 // policy KL at the start of the iteration (diagnostic)
}

// policyKL is the sample-based KL(p(u|x) ‖ π_θ(u|o)) per time step, averaged over
// the samples (spec §11.6; each sample with its own network covariance, Q18 fixed).
func (r *Run) policyKL(p *lingauss.Policy, c *condState, mu, cov []float64) []float64 {
	d, T := r.dims, r.T
	dU := d.U
	kl := make([]float64, T)
	um := make([]float64, dU)
	rr := make([]float64, dU*dU)
	prec := make([]float64, dU*dU)
	N := len(c.Samples)
	for n, s := range c.Samples {
		for t := 0; t < T; t++ {
			row := n*T + t
			pc := cov[row*dU*dU : (row+1)*dU*dU]
			if _, _, ok := dense.UpperChol(rr, pc, dU); !ok {
				kl[t] = math.Inf(1)
				continue
			}
			dense.CholInverse(prec, rr, dU)
			p.Act(t, s.State(t), nil, nil, um)
			kl[t] += gaussKL(um, p.Cov[t*dU*dU:(t+1)*dU*dU], p.LogDetCov(t), mu[row*dU:(row+1)*dU], prec, dense.LogDetChol(rr, dU), dU) / float64(N)
		}
	}
	return kl
}

// networkOn evaluates the global policy on a condition's samples.
func (r *Run) networkOn(c *condState) (mu, cov []float64) {
	d, T := r.dims, r.T
	N := len(c.Samples)
	_, obs := stack(c.Samples)
	mu = make([]float64, N*T*d.U)
	cov = make([]float64, N*T*d.U*d.U)
	r.Global().Prob(obs, T, mu, cov)
	return mu, cov
}

// badmmDataset builds the BADMM S-step targets (spec §11.4): the controller's mean
// shifted by the multipliers, μ = K_t x + k_t − w_t Σ_t (λ_K,t x + λ_k,t), its
// precision, and the weight w_t.
func (r *Run) badmmDataset(ctrl func(m int) *lingauss.Policy) *nn.Dataset {
	ds := r.dataset(ctrl)
	d, T := r.dims, r.T
	dX, dU := d.X, d.U
	lam := make([]float64, dU)
	row := 0
	for m, c := range r.st.Conds {
		p := ctrl(m)
		b := c.BADMM
		for _, s := range c.Samples {
			for t := 0; t < T; t++ {
				x := s.State(t)
				for i := 0; i < dU; i++ {
					v := b.Lambdak[t*dU+i]
					for j := 0; j < dX; j++ {
						v += b.LambdaK[t*dU*dX+i*dX+j] * x[j]
					}
					lam[i] = v
				}
				w := b.PolWt[t]
				ws := w
				if r.st.Config.BADMM.UnweightedShift {
					ws = 1
				}
				mu := ds.Mu[row*dU : (row+1)*dU]
				for i := 0; i < dU; i++ {
					sh := 0.0
					for j := 0; j < dU; j++ {
						sh += p.Cov[t*dU*dU+i*dU+j] * lam[j]
					}
					mu[i] -= ws * sh
				}
				ds.W[row] = w
				row++
			}
		}
	}
	return ds
}

// badmmProgress is the schedule position s = min((k+1)/(iterations−1), 1).
func (r *Run) badmmProgress() float64 {
	n := r.st.Config.Iterations - 1
	if n <= 0 {
		return 1
	}
	return math.Min(float64(r.st.Iter+1)/float64(n), 1)
}

// badmmStepCosts computes the BADMM step rule's objectives (spec §11.7): the
// expected cost plus Σ_t w_t·KL_t(controller ‖ linearisation) under a model, for
// (prev controller, prev model, prev π̄), (current controller, prev model, prev π̄)
// and (current controller, current model, current π̄). The KL is the exact
// expected conditional KL (the reference's +dU/2 sign slip, Q18, cancels in the
// differences and is fixed).
func (r *Run) badmmStepCosts(c *condState) (prev, predicted, actual float64) {
	w := lingauss.NewWorkspace(r.T, r.dims.X, r.dims.U)
	mg := lingauss.NewMarginal(r.T, r.dims.X, r.dims.U)
	kl := make([]float64, r.T)
	obj := func(p *lingauss.Policy, dyn *lingauss.Dynamics, qc *lingauss.QuadCost, lin *lingauss.Policy) float64 {
		w.Forward(mg, p, dyn)
		v := w.ExpectedCost(nil, mg, qc)
		w.KL(kl, mg, p, lin)
		for t, k := range kl {
			v += c.BADMM.PolWt[t] * k
		}
		return v
	}
	return obj(c.PrevLoc, c.PrevDyn, c.PrevCost, c.PrevLin), obj(c.Local, c.PrevDyn, c.PrevCost, c.PrevLin), obj(c.Local, c.Dyn, c.Cost, c.Lin)
}

// badmmCStep runs BADMM's inner C/S rounds (spec §11.3).
func (r *Run) badmmCStep() error {
	cfg := r.st.Config
	bc := cfg.BADMM
	d, T := r.dims, r.T
	dX, dU := d.X, d.U
	first := r.st.Iter == 0
	s := r.badmmProgress()
	lgStep := schedule(bc.LGStepSchedule, s)
	if r.st.MLP != nil {
		r.st.MLP.Config.EntReg = schedule(bc.EntRegSchedule, s)
	}
	for _, c := range r.st.Conds {
		mu, cov := r.networkOn(c)
		c.BADMM.InitKL = r.policyKL(c.Local, c, mu, cov)
	}
	for inner := 0; inner < bc.InnerIterations; inner++ {
		if !first || inner > 0 {
			latest := func(m int) *lingauss.Policy {
				if inner == 0 || r.st.Conds[m].New == nil {
					return r.st.Conds[m].Local
				}
				return r.st.Conds[m].New
			}
			st, err := r.Global().SStep(r.badmmDataset(latest))
			if err != nil {
				return fmt.Errorf("mdgps: BADMM S-step: %w", err)
			}
			r.st.SStepLoss = st.MeanLoss
			if err := r.linearise(false); err != nil {
				return err
			}
			last := inner == bc.InnerIterations-1
			for m, c := range r.st.Conds {
				traj := latest(m)
				mu, cov := r.networkOn(c)
				b := c.BADMM
				// Dual step (spec §11.5).
				diff := make([]float64, dU)
				um := make([]float64, dU)
				N := float64(len(c.Samples))
				for t := 0; t < T; t++ {
					for i := range diff {
						diff[i] = 0
					}
					for n, smp := range c.Samples {
						traj.Act(t, smp.State(t), nil, nil, um)
						row := n*T + t
						for i := 0; i < dU; i++ {
							diff[i] += (um[i] - mu[row*dU+i]) / N
						}
					}
					P := traj.Prec[t*dU*dU : (t+1)*dU*dU]
					w := b.PolWt[t]
					for i := 0; i < dU; i++ {
						g := 0.0
						for j := 0; j < dU; j++ {
							g += P[i*dU+j] * diff[j]
						}
						b.Lambdak[t*dU+i] -= bc.DualRate * w * g
					}
					if bc.DualRateCovar != 0 {
						for i := 0; i < dU; i++ {
							for j := 0; j < dX; j++ {
								g := 0.0
								for k := 0; k < dU; k++ {
									g += P[i*dU+k] * (traj.K[t*dU*dX+k*dX+j] - c.Lin.K[t*dU*dX+k*dX+j])
								}
								b.LambdaK[t*dU*dX+i*dX+j] -= bc.DualRateCovar * w * g
							}
						}
					}
				}
				kl := r.policyKL(c.Local, c, mu, cov)
				if last {
					updatePolWt(b, kl, bc, lgStep)
				}
				b.PrevKL = kl
			}
		}
		// C-step against the controller at the start of the iteration.
		if err := r.cstepAll(); err != nil {
			return err
		}
	}
	return nil
}

// updatePolWt applies the weight rule (spec §11.5) on the last inner round.
func updatePolWt(b *badmmCond, kl []float64, bc BADMMConfig, lgStep float64) {
	switch bc.WeightRule {
	case 0:
		for t := range b.PolWt {
			b.PolWt[t] = math.Max(b.PolWt[t]+lgStep*kl[t], 0)
		}
	case 1:
		for t := range b.PolWt {
			b.PolWt[t] = math.Max(b.PolWt[t]+lgStep, 0)
		}
	case 2:
		if b.PrevKL == nil {
			return
		}
		for t := range b.PolWt {
			switch ratio := kl[t] / b.PrevKL[t]; {
			case ratio < 0.8:
				b.PolWt[t] *= 0.5
			case ratio >= 0.95:
				b.PolWt[t] *= 2
			}
		}
	case 3:
		mean, sq := 0.0, 0.0
		for _, k := range kl {
			mean += k
		}
		mean /= float64(len(kl))
		for _, k := range kl {
			sq += (k - mean) * (k - mean)
		}
		std := math.Sqrt(sq / float64(len(kl)))
		lo, hi := mean-bc.ExpStepLower*std, mean+bc.ExpStepUpper*std
		for t, k := range kl {
			if k < lo {
				b.PolWt[t] *= bc.ExpStepDecrease
			} else if k >= hi {
				b.PolWt[t] *= bc.ExpStepIncrease
			}
		}
	}
}
