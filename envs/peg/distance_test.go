//go:build cgo && !nomujoco

package peg

import (
	"math"
	"testing"

	"github.com/mirrorgps/mirrorgps/envs"
)

func TestDistance(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	s := envs.NewSample(e)
	s.P[(s.T-1)*DP+2] = -0.47 // peg bottom 3 cm above the hole bottom
	// 1e-15: one float64 subtraction (the constant −0.47−HoleZ folds exactly).
	if d := e.Distance(s); math.Abs(d-0.03) > 1e-15 {
		t.Errorf("Distance = %v, want %v", d, -0.47-HoleZ)
	}
}
