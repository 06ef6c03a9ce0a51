package lingauss

import (
	"math"
	"testing"
)

func TestDynamicsPredict(t *testing.T) {
	// Two time steps of a 2-state, 1-action system; step 1 is
	// x' = [[1, 2 | 3], [4, 5 | 6]] [x; u] + [0.5, -1].
	d := NewDynamics(2, 2, 1)
	copy(d.F[6:], []float64{1, 2, 3, 4, 5, 6})
	copy(d.Bias[2:], []float64{0.5, -1})
	for _, tc := range []struct {
		t    int
		x, u []float64
		want []float64
	}{
		{1, []float64{1, 1}, []float64{1}, []float64{6.5, 14}},
		{1, []float64{0, 0}, []float64{0}, []float64{0.5, -1}},
		{1, []float64{-1, 2}, []float64{0.5}, []float64{5, 8}},
		{0, []float64{3, 4}, []float64{5}, []float64{0, 0}}, // step 0 is zero
	} {
		out := make([]float64, 2)
		d.Predict(tc.t, tc.x, tc.u, out)
		for i := range out {
			// Exact small-integer arithmetic: equal up to rounding of 1 ulp.
			if math.Abs(out[i]-tc.want[i]) > 1e-12 {
				t.Errorf("t=%d x=%v u=%v: out %v, want %v", tc.t, tc.x, tc.u, out, tc.want)
				break
			}
		}
	}
}

func TestDynamicsPredictPanics(t *testing.T) {
	d := NewDynamics(2, 2, 1)
	for name, f := range map[string]func(){
		"t out of range": func() { d.Predict(2, make([]float64, 2), make([]float64, 1), make([]float64, 2)) },
		"short x":        func() { d.Predict(0, make([]float64, 1), make([]float64, 1), make([]float64, 2)) },
		"short out":      func() { d.Predict(0, make([]float64, 2), make([]float64, 1), make([]float64, 1)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
