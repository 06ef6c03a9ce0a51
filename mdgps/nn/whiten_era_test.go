package nn

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// TestWhitenNoFloor: the submission's whitening (spec §15.4) divides by the
// column's std without the 1e-3 floor; the default floors it. Three columns:
// ordinary (std ≈ 0.58: both modes give 1/std, bit for bit), small (std 1e-5:
// default 1/1e-3 = 1e3, submission 1/1e-5), constant (std 0).
//
// What the submission gave for the constant column: scale = 1/0 = +Inf (NumPy
// divides with a warning), so obs·scale = ±Inf (NaN where the value is 0),
// bias = −mean(±Inf) = ∓Inf and the whitened input ±Inf ∓ Inf = NaN in every row;
// the network's output, loss and weights became NaN. We return a
// *WhiteningError naming the column instead and leave the policy as it was. The
// default (the later reference) scales it by 1e3 and the whitened column is 0.
func TestWhitenNoFloor(t *testing.T) {
	const dO, dU = 3, 2
	base := smallDataset(5, 5, 10, dO, dU)
	R := base.Rows()
	small := *base
	small.Obs = slices.Clone(base.Obs)
	for r := 0; r < R; r++ { // column 1: ±1e-5 alternating around 0.7
		small.Obs[r*dO+1] = 0.7 + 1e-5*float64(1-2*(r%2))
	}
	constant := small
	constant.Obs = slices.Clone(small.Obs)
	for r := 0; r < R; r++ {
		constant.Obs[r*dO+2] = 2.5
	}
	std0 := func(d *Dataset, j int) float64 { // population std as §10.4
		m, v := 0.0, 0.0
		for r := 0; r < R; r++ {
			m += d.Obs[r*dO+j]
		}
		m /= float64(R)
		for r := 0; r < R; r++ {
			v += (d.Obs[r*dO+j] - m) * (d.Obs[r*dO+j] - m)
		}
		return math.Sqrt(v / float64(R))
	}
	cfg := quickConfig()
	cfg.Iterations = 20
	for _, noFloor := range []bool{false, true} {
		c := cfg
		c.WhitenNoFloor = noFloor
		m, err := New(dO, dU, c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.SStep(&small); err != nil {
			t.Fatalf("noFloor=%v: %v", noFloor, err)
		}
		if s := std0(&small, 0); m.Scale[0] != 1/s {
			t.Errorf("noFloor=%v: ordinary column scale %v, want 1/std = %v", noFloor, m.Scale[0], 1/s)
		}
		want := 1e3
		if noFloor {
			want = 1 / std0(&small, 1) // ≈ 1e5
		}
		if m.Scale[1] != want {
			t.Errorf("noFloor=%v: small column scale %v, want %v", noFloor, m.Scale[1], want)
		}
		// The constant column: default 1e3 and a zero whitened column; submission
		// an error and no change.
		m2, _ := New(dO, dU, c)
		before := m2.Clone()
		_, err = m2.SStep(&constant)
		var we *WhiteningError
		switch {
		case !noFloor && err != nil:
			t.Errorf("default, constant column: %v", err)
		case !noFloor:
			if w := constant.Obs[2]*m2.Scale[2] + m2.Shift[2]; m2.Scale[2] != 1e3 || w != 0 {
				t.Errorf("default, constant column: scale %v, whitened %v; want 1e3, 0", m2.Scale[2], w)
			}
		case !errors.As(err, &we) || we.Column != 2 || we.Std != 0 || we.Value != 2.5:
			t.Errorf("submission, constant column: err = %v, want *WhiteningError{Column 2, Std 0, Value 2.5}", err)
		default:
			sameState(t, "after WhiteningError", before, m2)
			if !math.IsInf(1/we.Std, 1) {
				t.Errorf("the submission's scale 1/std = %v, want +Inf", 1/we.Std)
			}
		}
	}
}

// TestHidden42: the submission's network, 2 × 42 ReLU (spec §15.5), is a
// Hidden value like any other: it validates, has dO·42+42 + 42·42+42 + 42·dU+dU
// parameters and trains; a zero or negative width is rejected by name.
func TestHidden42(t *testing.T) {
	const dO, dU = 4, 2
	c := quickConfig()
	c.Hidden = []int{42, 42}
	c.Iterations = 10
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	m, err := New(dO, dU, c)
	if err != nil {
		t.Fatal(err)
	}
	if want := dO*42 + 42 + 42*42 + 42 + 42*dU + dU; len(m.Theta) != want || m.numParams() != want {
		t.Errorf("%d parameters, want %d", len(m.Theta), want)
	}
	if _, err := m.SStep(smallDataset(2, 4, 10, dO, dU)); err != nil {
		t.Fatal(err)
	}
	for _, h := range [][]int{{42, 0}, {-42, 42}} {
		c.Hidden = h
		if err := c.Validate(); err == nil {
			t.Errorf("Hidden %v accepted", h)
		}
	}
}
