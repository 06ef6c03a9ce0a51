package mdgps

import (
	"math"
	"testing"
)

func TestSchedule(t *testing.T) {
	for _, tc := range []struct {
		sch  []float64
		s    float64
		want float64
	}{
		{[]float64{10}, 0.3, 10},
		{[]float64{1, 100}, 0, 1},
		{[]float64{1, 100}, 0.5, 10}, // log-linear: geometric mean
		{[]float64{1, 100}, 1, 100},
		{[]float64{1, 10, 1000}, 0.75, 100},
		{[]float64{0, 1}, 0.5, 0.5}, // a zero end cannot be log-interpolated: linear
	} {
		// Exact up to the rounding of one exp/log pair.
		if got := schedule(tc.sch, tc.s); math.Abs(got-tc.want) > 1e-12*tc.want+1e-15 {
			t.Errorf("schedule(%v, %v) = %v, want %v", tc.sch, tc.s, got, tc.want)
		}
	}
}

func TestUpdatePolWt(t *testing.T) {
	kl := []float64{1, 2, 3, 10}
	// Rule 3: mean 4, std √12.5 ≈ 3.54: lo ≈ 0.46, hi ≈ 5.77 → only the last doubles.
	b := &badmmCond{PolWt: []float64{1, 1, 1, 1}}
	updatePolWt(b, kl, DefaultBADMM(), 10)
	if want := []float64{1, 1, 1, 2}; !equalFloats(b.PolWt, want) {
		t.Errorf("rule 3: %v, want %v", b.PolWt, want)
	}
	cfg := DefaultBADMM()
	cfg.ExpStepLower = 0.5 // lo ≈ 2.23 → 1 and 2 halve
	b = &badmmCond{PolWt: []float64{1, 1, 1, 1}}
	updatePolWt(b, kl, cfg, 10)
	if want := []float64{0.5, 0.5, 1, 2}; !equalFloats(b.PolWt, want) {
		t.Errorf("rule 3, lower 0.5: %v, want %v", b.PolWt, want)
	}
	cfg.WeightRule = 0 // dual gradient
	b = &badmmCond{PolWt: []float64{1, 1, 1, 1}}
	updatePolWt(b, kl, cfg, 0.1)
	if want := []float64{1.1, 1.2, 1.3, 2}; !approx(b.PolWt, want) {
		t.Errorf("rule 0: %v, want %v", b.PolWt, want)
	}
	cfg.WeightRule = 2 // no previous KL yet: unchanged (the reference crashed, Q17)
	b = &badmmCond{PolWt: []float64{1, 1, 1, 1}}
	updatePolWt(b, kl, cfg, 0.1)
	if want := []float64{1, 1, 1, 1}; !equalFloats(b.PolWt, want) {
		t.Errorf("rule 2 first call: %v", b.PolWt)
	}
	b.PrevKL = []float64{2, 2, 3, 1}
	updatePolWt(b, kl, cfg, 0.1)
	if want := []float64{0.5, 2, 2, 2}; !equalFloats(b.PolWt, want) {
		t.Errorf("rule 2: %v, want %v", b.PolWt, want)
	}
}

func equalFloats(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func approx(a, b []float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-15 {
			return false
		}
	}
	return len(a) == len(b)
}
