//go:build cgo && !nomujoco

package peg

import (
	"testing"

	"github.com/mirrorgps/mirrorgps/envs"
)

// BenchmarkRolloutPeg: one full rollout (T = 100, 99 × 5 = 495 physics steps) of the
// scripted inserter in the zero-offset condition, which ends with the peg pressed
// into the hole. The policy's own MuJoCo dynamics call (computed torque) and the two
// site Jacobians per step are included. Target: ≥ 30 k physics steps/s.
func BenchmarkRolloutPeg(b *testing.B) {
	e := mustEnv(b, PegConfig())
	si, err := e.NewSim()
	if err != nil {
		b.Fatal(err)
	}
	pol, err := newInserter(e, 4)
	if err != nil {
		b.Fatal(err)
	}
	s := envs.NewSample(e)
	b.ResetTimer()
	for range b.N {
		if err := envs.Rollout(si, pol, 4, nil, s); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if !e.Evaluate(s).Success || si.(*sim).d.NCon() == 0 {
		b.Fatal("the benchmark rollout did not end with the peg in the hole")
	}
	reportSteps(b, 1)
}

// BenchmarkRolloutPeg45 runs the 45 rollouts of one peg iteration (9 conditions × 5
// noisy samples, scripted inserters, seeded smoothed noise) with envs.Runner on
// GOMAXPROCS workers. Target: ≥ 1.8× the steps/s of BenchmarkRolloutPeg45OneWorker
// on 2 cores.
func BenchmarkRolloutPeg45(b *testing.B) { benchPeg45(b, 0) }

// BenchmarkRolloutPeg45OneWorker is BenchmarkRolloutPeg45 on a single worker.
func BenchmarkRolloutPeg45OneWorker(b *testing.B) { benchPeg45(b, 1) }

func benchPeg45(b *testing.B, workers int) {
	e := mustEnv(b, PegConfig())
	conds := make([]int, e.Conditions())
	pols := make([]envs.Policy, e.Conditions())
	for c := range conds {
		p, err := newInserter(e, c)
		if err != nil {
			b.Fatal(err)
		}
		conds[c], pols[c] = c, p
	}
	jobs := envs.Jobs(conds, pols, 5, 1, 1)
	r := envs.Runner{Env: e, Noise: envs.DefaultNoise(), Workers: workers}
	b.ResetTimer()
	for range b.N {
		if _, err := r.Run(jobs); err != nil {
			b.Fatal(err)
		}
	}
	reportSteps(b, len(jobs))
}

func reportSteps(b *testing.B, rollouts int) {
	steps := float64(b.N*rollouts*(T-1)*Substeps) / b.Elapsed().Seconds()
	b.ReportMetric(steps, "steps/s")
	b.ReportMetric(1e6/steps, "µs/step")
}
