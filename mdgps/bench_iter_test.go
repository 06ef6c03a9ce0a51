package mdgps

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mirrorgps/mirrorgps/envs/peg"
)

// BenchmarkIterationPegCached is BenchmarkIterationPeg (iteration 9 of PaperPeg,
// checkpoint included, per-phase seconds as metrics) with the 8-iteration setup
// cached across benchmark runs in $MDGPS_BENCH_CACHE (default
// $TMPDIR/mirrorgps-bench-peg8.run), so that -count 5 or a profile costs one
// setup. A cache that does not open (another config or checkpoint format) is
// rebuilt. Needs MuJoCo.
func BenchmarkIterationPegCached(b *testing.B) {
	env, err := peg.New()
	if err != nil {
		b.Skip(err)
	}
	cfg := PaperPeg()
	cache := os.Getenv("MDGPS_BENCH_CACHE")
	if cache == "" {
		cache = filepath.Join(os.TempDir(), "mirrorgps-bench-peg8.run")
	}
	cfg.Iterations = 8
	if r, err := Open(cache, env, cfg); err != nil || r.Iteration() != 8 {
		b.Logf("building the cache %s (%v)", cache, err)
		os.Remove(cache)
		r, err := Open(cache, env, cfg)
		if err != nil {
			b.Fatal(err)
		}
		r.SetAutosave(false)
		if err := r.Run(nil); err != nil {
			b.Fatal(err)
		}
		if err := r.Save(); err != nil {
			b.Fatal(err)
		}
	}
	snap, err := os.ReadFile(cache)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "bench.run")
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
