//go:build cgo && !nomujoco

package peg

import (
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
	if d := e.Distance(s); d != -0.47-HoleZ {
		t.Errorf("Distance = %v, want %v", d, -0.47-HoleZ)
	}
}
