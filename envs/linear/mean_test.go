package linear

import (
	"math"
	"testing"
)

func TestMeanOptimalCost(t *testing.T) {
	for _, c := range []struct {
		name string
		env  *Env
	}{{"double integrator", DoubleIntegrator()}, {"perturbed", Perturbed(3)}} {
		want := 0.0
		for cond := range c.env.Conditions() {
			v, err := c.env.OptimalCost(cond)
			if err != nil {
				t.Fatal(err)
			}
			want += v / float64(c.env.Conditions())
		}
		got := c.env.MeanOptimalCost()
		// 1e-12 relative: the same quadratic forms summed in another order.
		if math.Abs(got-want) > 1e-12*want || !(got > 0) {
			t.Errorf("%s: MeanOptimalCost %.15g, mean of OptimalCost %.15g", c.name, got, want)
		}
	}
}
