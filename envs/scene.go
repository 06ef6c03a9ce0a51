package envs

// Wall is a static obstacle in the plane: the segment A–B inflated by
// Radius.
type Wall struct {
	Name   string
	A, B   [2]float64
	Radius float64
}

// Scene is implemented by planar tasks that can describe their fixed layout
// for figures (viz draws it under the paths of samples): the obstacles, the
// start point of every condition and the target. Positions are in the plane of
// the state's first two coordinates.
type Scene interface {
	// Walls returns the obstacles.
	Walls() []Wall
	// Starts returns the start point of each condition.
	Starts() [][2]float64
	// Target returns the point to reach.
	Target() [2]float64
}
