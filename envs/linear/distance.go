package linear

import (
	"math"

	"github.com/mirrorgps/mirrorgps/envs"
)

// Distance returns the final distance of the state from the origin, ‖x_{T−1}‖,
// the task's "distance" in run records (Evaluate gives the total cost).
func (e *Env) Distance(s *envs.Sample) float64 {
	x := s.State(s.T - 1)
	sum := 0.0
	for _, v := range x {
		sum += v * v
	}
	return math.Sqrt(sum)
}
