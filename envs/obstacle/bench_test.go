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
