//go:build cgo && !nomujoco && unix

package peg

import (
	"math"
	"syscall"
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
	cpu0 := cpuSeconds()
	for range b.N {
		if err := envs.Rollout(si, pol, 4, nil, s); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := cpuSeconds() - cpu0
	if !e.Evaluate(s).Success || si.(*sim).d.NCon() == 0 {
		b.Fatal("the benchmark rollout did not end with the peg in the hole")
	}
	reportSteps(b, 1, cpu)
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
	cpu0 := cpuSeconds()
	for range b.N {
		if _, err := r.Run(jobs); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportSteps(b, len(jobs), cpuSeconds()-cpu0)
}

// reportSteps reports physics steps per wall-clock second and per CPU second of this
// process. On a machine shared with other work the wall-clock speed-up of parallel
// rollouts is capped by the cores actually free; steps per CPU second show whether
// the parallel runner itself wastes work (it should equal the one-worker value).
func reportSteps(b *testing.B, rollouts int, cpu float64) {
	n := float64(b.N * rollouts * (T - 1) * Substeps)
	steps := n / b.Elapsed().Seconds()
	b.ReportMetric(steps, "steps/s")
	b.ReportMetric(1e6/steps, "µs/step")
	b.ReportMetric(n/cpu, "steps/cpu-s")
}

// cpuSeconds returns the user + system CPU time of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) * 1e-9
}

// BenchmarkStepFree times one physics step of the arm in free motion (q₀, zero
// torque); tasks.md §4 measured 8.7 µs for the reference model.
func BenchmarkStepFree(b *testing.B) { benchStep(b, false) }

// BenchmarkStepInHole times one physics step with the peg pressed into the hole (the
// state and torque at the end of an inserter rollout); tasks.md §4 measured 25 µs.
func BenchmarkStepInHole(b *testing.B) { benchStep(b, true) }

func benchStep(b *testing.B, inHole bool) {
	e := mustEnv(b, PegConfig())
	si, err := e.NewSim()
	if err != nil {
		b.Fatal(err)
	}
	d := si.(*sim).d
	u := make([]float64, DU)
	if inHole {
		pol, err := newInserter(e, 4)
		if err != nil {
			b.Fatal(err)
		}
		s := envs.NewSample(e)
		if err := envs.Rollout(si, pol, 4, nil, s); err != nil {
			b.Fatal(err)
		}
		copy(u, s.Action(T-2))
	} else if err := si.Reset(4); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := d.Step(u, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if got := d.NCon() > 0; got != inHole {
		b.Fatalf("in contact = %v, want %v", got, inHole)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}
