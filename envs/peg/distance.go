package peg

import "github.com/mirrorgps/mirrorgps/envs"

// Distance returns the paper's plotted "distance to target" of a rollout
// (spec §13.3, configs.md §6): the final peg-bottom height above the hole bottom,
// z_{T−1} − HoleZ (the hole is 0.1 deep; success iff below 0.06).
func (e *Env) Distance(s *envs.Sample) float64 {
	return e.Evaluate(s).Value - HoleZ
}
