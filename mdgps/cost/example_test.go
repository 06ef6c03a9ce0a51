package cost_test

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/mdgps/cost"
)

// The obstacle task's cost as the reference ran it (spec Q10): ½‖(x, y) − (3, 0)‖²
// on the position block of x = [x, y, vx, vy], plus a small action penalty.
func Example() {
	pos := cost.NewState([]int{0, 1}, []float64{3, 0}, []float64{1, 1}) // l2 = 1, l1 = 0
	c := &cost.Sum{
		Terms:   []cost.Term{pos, &cost.Action{Wu: []float64{0.1, 0.1}}},
		Weights: []float64{1, 1},
	}
	in := &cost.Input{T: 2, DX: 4, DU: 2,
		X: []float64{0, 0, 0, 0, 1, 1, 0, 0},
		U: []float64{1, 0, 0, 0}}
	d := cost.NewDerivs(2, 4, 2)
	cost.Eval(d, c, in)
	fmt.Println("l:", d.L)
	fmt.Println("lx at t=1:", d.Lx[4:8])

	e := cost.NewExpansion(2, 4, 2)
	cost.Expand(e, []*cost.Input{in}, []*cost.Derivs{d})
	fmt.Println("model at the sample, t=0:", e.Value(0, in.X[:4], in.U[:2]))
	// Output:
	// l: [4.55 2.5]
	// lx at t=1: [-2 1 0 0]
	// model at the sample, t=0: 4.55
}
