package mdgps

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/obstacle"
	"github.com/mirrorgps/mirrorgps/envs/peg"
)

// benchIteration times one full MDGPS iteration with the paper's settings in
// steady state: iteration 9, when the priors' sample buffers are full. Setup runs
// 8 iterations and keeps their checkpoint; every timed iteration starts from a
// fresh copy of it (the load is not timed; the one checkpoint write of Finish
// is, as in a CLI run). Per-phase seconds are reported as extra metrics.
func benchIteration(b *testing.B, env envs.Env, cfg Config) {
	dir := b.TempDir()
	path := filepath.Join(dir, "bench.run")
	cfg.Iterations = 8
	r, err := Open(path, env, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Run(nil); err != nil {
		b.Fatal(err)
	}
	snap, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	cfg.Iterations = 9
	phaseSec := map[Phase]float64{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := os.WriteFile(path, snap, 0o644); err != nil {
			b.Fatal(err)
		}
		r, err := Open(path, env, cfg)
		if err != nil {
			b.Fatal(err)
		}
		r.SetAutosave(false) // as the CLI runs: one checkpoint per iteration
		b.StartTimer()
		for finished := false; !finished; {
			p := r.Phase()
			t0 := time.Now()
			_, fin, err := r.Next()
			if err != nil {
				b.Fatal(err)
			}
			finished = fin
			phaseSec[p] += time.Since(t0).Seconds()
		}
	}
	for p, s := range phaseSec {
		b.ReportMetric(s/float64(b.N), string(p)+"-s")
	}
}

// BenchmarkIterationObstacle: PaperObstacle (5 conditions × 5 samples, T = 200,
// 4000 Adam steps per S-step). Target ≤ 1.5 s.
func BenchmarkIterationObstacle(b *testing.B) {
	benchIteration(b, obstacle.New(), PaperObstacle())
}

// BenchmarkIterationPeg: PaperPeg (9 conditions × 5 samples, T = 100, dX = 26,
// 4000 Adam steps). Target ≤ 2 s. Needs MuJoCo.
func BenchmarkIterationPeg(b *testing.B) {
	env, err := peg.New()
	if err != nil {
		b.Skip(err)
	}
	benchIteration(b, env, PaperPeg())
}
