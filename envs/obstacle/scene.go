package obstacle

import "github.com/mirrorgps/mirrorgps/envs"

var _ envs.Scene = (*Env)(nil)

// Walls returns the task's obstacles (the package's Walls) for figures.
func (e *Env) Walls() []envs.Wall {
	out := make([]envs.Wall, len(e.walls))
	for i, w := range e.walls {
		out[i] = envs.Wall{Name: w.Name, A: w.A, B: w.B, Radius: w.Radius}
	}
	return out
}

// Starts returns the start point of each condition.
func (e *Env) Starts() [][2]float64 { return append([][2]float64(nil), e.starts...) }

// Target returns the point the particle should reach.
func (e *Env) Target() [2]float64 { return Target }
