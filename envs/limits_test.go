package envs

import "testing"

func TestSaturation(t *testing.T) {
	s := []*Sample{{U: []float64{0.5, -1.5, 1, 2}}, {U: []float64{-1, 0, 0, 1.0000001}}}
	lo, hi := []float64{-1, -1}, []float64{1, 1}
	for _, c := range []struct {
		name   string
		s      []*Sample
		lo, hi []float64
		want   float64
	}{
		{"three of eight outside (−1.5, 2, 1.0000001); the bounds themselves are inside", s, lo, hi, 3.0 / 8},
		{"no limits", s, nil, nil, 0},
		{"no samples", nil, lo, hi, 0},
	} {
		if got := Saturation(c.s, c.lo, c.hi); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
