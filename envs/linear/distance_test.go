package linear

import (
	"testing"

	"github.com/mirrorgps/mirrorgps/envs"
)

func TestDistance(t *testing.T) {
	e := DoubleIntegrator()
	s := envs.NewSample(e)
	copy(s.State(s.T-1), []float64{3, 0, 0, 4})
	if d := e.Distance(s); d != 5 {
		t.Errorf("Distance = %v, want ‖(3, 0, 0, 4)‖ = 5", d)
	}
}
