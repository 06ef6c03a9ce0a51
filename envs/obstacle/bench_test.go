package obstacle

import (
	"testing"

	"github.com/mirrorgps/mirrorgps/envs"
)

// rolloutBench times full T-step rollouts of the paper's initial controller
// (init_lqr, condition 0) with smoothed noise; withNoise includes generating
// the noise of each rollout. It reports physics steps per second: (T−1)·5 per
// rollout (the last action is not executed).
func rolloutBench(b *testing.B, withNoise bool) {
	env := New()
	pol := paperInit(b, env, 0)
	sim, _ := env.NewSim()
	s := envs.NewSample(env)
	noise := make([]float64, env.T()*2)
	cfg := envs.DefaultNoise()
	key := envs.Key{Seed: 1}
	cfg.Generate(noise, env.T(), 2, key.Rand())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if withNoise {
			key.Sample = i
			cfg.Generate(noise, env.T(), 2, key.Rand())
		}
		if err := envs.Rollout(sim, pol, 0, noise, s); err != nil {
			b.Fatal(err)
		}
	}
	steps := float64((env.T() - 1) * Substeps)
	b.ReportMetric(steps*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

func BenchmarkRolloutObstacle(b *testing.B)          { rolloutBench(b, false) }
func BenchmarkRolloutObstacleWithNoise(b *testing.B) { rolloutBench(b, true) }

// runnerBench times one sampling phase of the paper's obstacle setting: 5
// conditions × 5 noisy samples of the initial controllers through envs.Runner
// with the given number of workers (noise generation included).
func runnerBench(b *testing.B, workers int) {
	env := New()
	conds := []int{0, 1, 2, 3, 4}
	pols := make([]envs.Policy, len(conds))
	for i, c := range conds {
		pols[i] = paperInit(b, env, c)
	}
	r := &envs.Runner{Env: env, Noise: envs.DefaultNoise(), Workers: workers}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := r.Run(envs.Jobs(conds, pols, 5, 1, i)); err != nil {
			b.Fatal(err)
		}
	}
	steps := float64(25 * (env.T() - 1) * Substeps)
	b.ReportMetric(steps*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

func BenchmarkRunnerObstacle25x1(b *testing.B) { runnerBench(b, 1) }
func BenchmarkRunnerObstacle25x2(b *testing.B) { runnerBench(b, 2) }
