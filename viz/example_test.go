package viz_test

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/mdgps"
	"github.com/mirrorgps/mirrorgps/viz"
)

// Two seeds of one variant become one curve with a ±std band; the figure's
// data is checked directly, then rendered as SVG (viz.SVG) or interactive
// HTML (viz.HTML).
func ExampleIterationCurves() {
	run := func(seed uint64, d ...float64) []mdgps.Iteration {
		h := make([]mdgps.Iteration, len(d))
		for i := range d {
			h[i] = mdgps.Iteration{Iteration: i + 1, Seed: seed, DistanceMean: d[i]}
		}
		return h
	}
	fig := viz.IterationCurves("obstacle", viz.Distance, 1, []viz.Group{
		{Name: "off/classic", Runs: [][]mdgps.Iteration{run(0, 2.0, 1.0, 0.2), run(1, 2.0, 0.6, 0.1)}},
	})
	c := fig.Curves[0]
	for i := range c.X {
		fmt.Printf("iteration %v: %.2f ± %.2f\n", c.X[i], c.Y[i], c.Std[i])
	}
	p, _ := fig.Plot()
	svg, _ := viz.SVG(p)
	fmt.Println(len(svg) > 0)
	// Output:
	// iteration 1: 2.00 ± 0.00
	// iteration 2: 0.80 ± 0.20
	// iteration 3: 0.15 ± 0.05
	// true
}
