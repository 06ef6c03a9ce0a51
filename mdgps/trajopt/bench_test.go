package trajopt_test

import (
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mirrorgps/mirrorgps/internal/golden"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
	"github.com/mirrorgps/mirrorgps/mdgps/trajopt"
)

// armCase loads the arm-size MDGPS case (dX=26, dU=7, T=100) of
// dual_search_mdgps_arm.json, the inputs of the reference timings P1/P2 in
// shared/reference/python-baseline.md. It needs $MDGPS_GOLDEN_DIR.
func armCase(b *testing.B) (*trajopt.Problem, float64, int) {
	b.Helper()
	var f struct {
		Cases []struct {
			Inputs  caseInputs
			Outputs searchOutputs
		}
	}
	paths := golden.Sources(b, "dual_search_mdgps_arm.json")
	golden.Load(b, paths[len(paths)-1], &f)
	c := &f.Cases[0]
	T := c.Inputs.TrajInfo.Fm.Shape[0]
	return c.Inputs.problem(nil), c.Inputs.BaseKLStep * c.Inputs.StepMult * float64(T), c.Outputs.NIter
}

// BenchmarkBackwardForwardArm times one backward pass at η = 1 plus the forward
// pass of its controller (reference P1: 15.5 ms).
func BenchmarkBackwardForwardArm(b *testing.B) {
	pr, _, _ := armCase(b)
	T, dX, dU := pr.Ref.T, pr.Ref.DX, pr.Ref.DU
	s := trajopt.NewSolver(T, dX, dU, trajopt.Settings{})
	p := lingauss.NewPolicy(T, dX, dU)
	m := lingauss.NewMarginal(T, dX, dU)
	if _, err := s.Backward(p, pr, 1); err != nil { // warm-up
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := s.Backward(p, pr, 1); err != nil {
			b.Fatal(err)
		}
		s.Forward(m, p, pr.Dyn)
	}
	// CPU time per pass: on a shared, loaded machine wall time overstates it.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// cpuTime returns the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDualSearchArm9 times the full dual search for 9 conditions (the arm
// case 9 times, as the reference timing P2 does), conditions in parallel over
// GOMAXPROCS goroutines, one Solver each (reference: 1.01 s).
func BenchmarkDualSearchArm9(b *testing.B) {
	pr, budget, wantIter := armCase(b)
	T, dX, dU := pr.Ref.T, pr.Ref.DX, pr.Ref.DU
	const conds = 9
	workers := runtime.GOMAXPROCS(0)
	solvers := make([]*trajopt.Solver, workers)
	for i := range solvers {
		solvers[i] = trajopt.NewSolver(T, dX, dU, trajopt.Settings{})
	}
	results := make([]*trajopt.Result, conds)
	run := func() {
		var wg sync.WaitGroup
		next := make(chan int, conds)
		for c := 0; c < conds; c++ {
			next <- c
		}
		close(next)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(s *trajopt.Solver) {
				defer wg.Done()
				for c := range next {
					r, err := s.Search(pr, 1, budget)
					if err != nil {
						panic(err)
					}
					results[c] = r
				}
			}(solvers[w])
		}
		wg.Wait()
	}
	run()
	for c, r := range results {
		if r.Iterations != wantIter || !r.Converged {
			b.Fatalf("condition %d: %d iterations (converged %v), want %d", c, r.Iterations, r.Converged, wantIter)
		}
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
