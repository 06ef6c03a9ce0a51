package fit

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mirrorgps/mirrorgps/internal/golden"
	// With -tags openblas, blas64 runs on single-threaded OpenBLAS.
	_ "github.com/mirrorgps/mirrorgps/internal/blasimpl"
)

// Benchmarks of the dynamics fit at arm size (dX=26, dU=7, T=100, N=5; GMM with
// K=12 clusters on 495 points of D=59), timed like case P3 of
// shared/reference/python-baseline.md: a fresh prior with the recorded initial
// assignment, DynamicsPrior.Update (EM) plus Dynamics (99 prior evaluations and
// conditional fits, and x0). Reference (1 OpenBLAS thread): P3a 0.101 s for one
// condition, P3b 0.948 s for nine. They read $MDGPS_GOLDEN_DIR and skip without it.
//
// Medians of 11 runs on the 2-vCPU machine in a quiet spell (GOMAXPROCS 2,
// OpenBLAS pinned to one thread), wall time with CPU time per op in brackets:
//
//	                  reference   pure Go                  -tags openblas
//	DynamicsFitArm    0.101 s     35.8 ms (36.6 ms CPU)    18.5 ms (19.4 ms CPU)
//	DynamicsFitArm9   0.948 s     176 ms (341 ms CPU)      97.7 ms (179 ms CPU)
//
// When other jobs load the machine, the CPU figures stay put and wall time does
// not; compare CPU seconds then.

// armCondition is one condition's inputs.
type armCondition struct {
	b      Batch
	assign []int
}

func goldenDirFile(b *testing.B, name string) string {
	dir := os.Getenv(golden.EnvVar)
	if dir == "" {
		b.Skipf("%s unset", golden.EnvVar)
	}
	return filepath.Join(dir, name)
}

// fitCondition runs one condition's dynamics fit on a fresh prior and returns the
// number of E-steps.
func fitCondition(b testing.TB, pc PriorConfig, dc DynamicsConfig, c armCondition) int {
	prior, err := NewDynamicsPrior(pc, c.b.T, c.b.DX, c.b.DU)
	if err != nil {
		b.Fatal(err)
	}
	res, err := prior.Update(c.b, Init{Assign: c.assign})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := Dynamics(c.b, prior, dc); err != nil {
		b.Fatal(err)
	}
	return len(res.LogLik)
}

// BenchmarkDynamicsFitArm is P3a: rounds[0] of dynamics_gmm_prior_arm.json (5 E-steps).
func BenchmarkDynamicsFitArm(b *testing.B) {
	var file dynPriorFile
	golden.Load(b, goldenDirFile(b, "dynamics_gmm_prior_arm.json"), &file)
	pc, dc := file.configs()
	r := file.Rounds[0]
	c := armCondition{b: batchOf(r.Inputs.X, r.Inputs.U), assign: ints(r.Outputs.InitIdx[0])}
	b.ResetTimer()
	c0 := cpuTime()
	for b.Loop() {
		if n := fitCondition(b, pc, dc, c); n != r.Outputs.LogLik.Len() {
			b.Fatalf("%d E-steps, want %d", n, r.Outputs.LogLik.Len())
		}
	}
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
}

// p3bEsteps are the reference's EM E-step counts for the nine conditions of P3b.
var p3bEsteps = []int{5, 6, 6, 5, 6, 5, 5, 5, 6}

// BenchmarkDynamicsFitArm9 is P3b: the nine conditions of
// timing_inputs_arm_9cond.json, one goroutine each, Compat on.
func BenchmarkDynamicsFitArm9(b *testing.B) {
	var file struct {
		dynPriorFile
		Conditions []struct {
			X, U    golden.Array
			InitIdx []golden.Array `json:"gmm_init_cidx"`
		}
	}
	golden.Load(b, goldenDirFile(b, "timing_inputs_arm_9cond.json"), &file)
	pc, dc := file.configs()
	if pc.MaxIter == 0 {
		pc.MaxIter = 100 // the file's config has no gmm_max_iterations; the reference's default
	}
	conds := make([]armCondition, len(file.Conditions))
	for i, c := range file.Conditions {
		conds[i] = armCondition{b: batchOf(c.X, c.U), assign: ints(c.InitIdx[0])}
	}
	if len(conds) != len(p3bEsteps) {
		b.Fatalf("%d conditions, want %d", len(conds), len(p3bEsteps))
	}
	counts := make([]int, len(conds))
	b.ResetTimer()
	c0 := cpuTime()
	for b.Loop() {
		var wg sync.WaitGroup
		for i := range conds {
			wg.Go(func() { counts[i] = fitCondition(b, pc, dc, conds[i]) })
		}
		wg.Wait()
		for i, n := range counts {
			if n != p3bEsteps[i] {
				b.Fatalf("condition %d: %d E-steps, want %d (all: %v)", i, n, p3bEsteps[i], counts)
			}
		}
	}
	// CPU seconds per op; on an otherwise idle machine with GOMAXPROCS cores the
	// wall time is about this divided by the number of cores.
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
}

// peakFlops is one core's double-precision peak on the development machine
// (OpenBLAS dgemm 512², one thread, AVX-512 kernels; issue 12).
const peakFlops = 78e9

// arm39Points returns the EM benchmark's data: 39 arm trajectories (those of
// timing_inputs_arm_9cond.json) × 99 transitions = 3861 points in D = 59.
func arm39Points(b *testing.B) []float64 {
	var file struct {
		Conditions []struct{ X, U golden.Array }
	}
	golden.Load(b, goldenDirFile(b, "timing_inputs_arm_9cond.json"), &file)
	var pts []float64
	nTraj := 0
	for _, c := range file.Conditions {
		bt := batchOf(c.X, c.U)
		T, dX, dU := bt.T, bt.DX, bt.DU
		for n := 0; n < bt.N && nTraj < 39; n, nTraj = n+1, nTraj+1 {
			for t := 0; t < T-1; t++ {
				pts = append(pts, bt.X[(n*T+t)*dX:(n*T+t+1)*dX]...)
				pts = append(pts, bt.U[(n*T+t)*dU:(n*T+t+1)*dU]...)
				pts = append(pts, bt.X[(n*T+t+1)*dX:(n*T+t+2)*dX]...)
			}
		}
	}
	return pts
}

// BenchmarkGMMEMArm39 times ten EM iterations (E- and M-step) of the dynamics
// prior at the size the peg task's buffer reaches (arm39Points, K = 20 clusters)
// from a random initial assignment; the initialisation is not timed.
// BenchmarkGMMEMArm39Warm times ten more from a mixture that EM has already
// fitted, as in the runs' warm-started iterations, where each point belongs to
// one or two clusters. Both run on one goroutine (OpenBLAS pinned to one
// thread) and report ms-per-step (wall and CPU) and peak-fraction: the nominal
// 2·P·K·D² flops of a dense step over its CPU time, as a fraction of the
// 78 GFLOP/s peak.
//
// Medians of 3 (2026-12-03, load ≈ 3 on the 2-vCPU machine, OpenBLAS with
// OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset): 18.4 ms per step, 0.375 of
// peak, warm 18.1 ms; before issue 12's kernel 21 ms (interleaved runs, the
// old benchmark's 10 steps plus initialisation). Pure Go 54.7 ms per step
// (before ≈ 58). At D = 59 OpenBLAS runs dtrmm at ≈ 60 GFLOP/s and dsyrk at
// ≈ 35, so the two BLAS calls alone need ≈ 12 ms per step.
func BenchmarkGMMEMArm39(b *testing.B) { gmmEMBench(b, 0) }

func BenchmarkGMMEMArm39Warm(b *testing.B) { gmmEMBench(b, 40) }

func gmmEMBench(b *testing.B, warm int) {
	pts := arm39Points(b)
	const D, K, steps = 59, 20, 10
	n := len(pts) / D
	assign := make([]int, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range assign {
		assign[i] = rng.IntN(K)
	}
	// Never converge, so that every op runs the same number of steps (a
	// decrease still stops EM, and is reported).
	cfg := GMMConfig{MaxIter: steps, Stop: StopRulePerPoint, StopTol: 1e-300}
	base := &GMM{Config: cfg}
	if err := base.initialise(pts, n, D, K, assign); err != nil {
		b.Fatal(err)
	}
	if warm > 0 {
		base.Config.MaxIter = warm
		if _, err := base.Fit(pts, D, K, Init{}); err != nil {
			b.Fatal(err)
		}
		base.Config.MaxIter = steps
	}
	total := 0
	b.ResetTimer()
	c0, t0 := cpuTime(), time.Now()
	for b.Loop() {
		g := &GMM{Config: cfg, K: K, D: D, N: base.N,
			Mu: slices.Clone(base.Mu), Sigma: slices.Clone(base.Sigma), LogMass: slices.Clone(base.LogMass)}
		res, err := g.Fit(pts, D, K, Init{})
		if err != nil {
			b.Fatal(err)
		}
		if res.Reinitialised || len(res.LogLik) < 2 {
			b.Fatalf("reinitialised=%v after %d E-steps (%v)", res.Reinitialised, len(res.LogLik), res.Stop)
		}
		total += len(res.LogLik)
	}
	cpu, wall := (cpuTime() - c0).Seconds(), time.Since(t0).Seconds()
	b.ReportMetric(1e3*wall/float64(total), "ms-per-step")
	b.ReportMetric(1e3*cpu/float64(total), "cpu-ms-per-step")
	b.ReportMetric(2*float64(n*K*D*D)/(cpu/float64(total))/peakFlops, "peak-fraction")
}
