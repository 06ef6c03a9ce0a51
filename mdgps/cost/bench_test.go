package cost

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkEvalPegCost evaluates the peg task's cost (configs.md §2.2: action
// term, log-norm FK term, final-only FK term) with derivatives along one sample
// at arm size (T = 100, dX = 26, dU = 7, two sites) and expands it (§3.8).
func BenchmarkEvalPegCost(b *testing.B) {
	const T, dX, dU, dP = 100, 26, 7, 6
	rng := rand.New(rand.NewPCG(1, 1))
	f := newFK(rng, dX, dP, true)
	in := f.builder(T, dU)(randVec(rng, T*dX, 0.3), randVec(rng, T*dU, 1))
	gains := []float64{3.09, 1.08, 0.393, 0.674, 0.111, 0.152, 0.098}
	wu := make([]float64, dU)
	for i, g := range gains {
		wu[i] = 1e-3 / g
	}
	tgt := []float64{0, 0.3, -0.5, 0, 0.3, -0.2}
	wp := []float64{2, 2, 1, 2, 2, 1}
	fk := NewFK(tgt, wp)
	fk.Norm.L1, fk.Norm.L2 = 0.1, 10
	final := NewFK(tgt, wp)
	final.Norm.L1, final.Norm.L2 = 1, 0
	final.Ramp, final.FinalMult = RampFinalOnly, 10
	c := &Sum{Terms: []Term{&Action{Wu: wu}, fk, final}, Weights: []float64{1, 1, 1}}
	d := NewDerivs(T, dX, dU)
	e := NewExpansion(T, dX, dU)
	b.ReportAllocs()
	for b.Loop() {
		Eval(d, c, in)
		Expand(e, []*Input{in}, []*Derivs{d})
	}
}
