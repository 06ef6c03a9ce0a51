package envs

// This file holds the 3-D scene of an arm task along one sample, as data: what a
// figure needs to draw the arm (package viz), without viz linking the simulator
// (envs/peg fills it from MuJoCo's forward kinematics, peg.Env.Geometry).

// ShapeKind is the kind of a Shape.
type ShapeKind int

// Shape kinds.
const (
	Box      ShapeKind = iota // a box: Size holds the half sizes along the local axes
	Capsule                   // a segment inflated by a radius: Size = (radius, half length, 0)
	Cylinder                  // Size = (radius, half length, 0)
	Sphere                    // Size = (radius, 0, 0)
)

func (k ShapeKind) String() string {
	switch k {
	case Box:
		return "box"
	case Capsule:
		return "capsule"
	case Cylinder:
		return "cylinder"
	case Sphere:
		return "sphere"
	}
	return "ShapeKind(?)"
}

// Shape is one solid of a scene in world coordinates (m), placed as the simulator
// placed it.
type Shape struct {
	Name string // "" when the model gave none
	Kind ShapeKind
	Pos  [3]float64 // centre
	// Rot is the orientation, a row-major 3×3 rotation whose columns are the
	// shape's local axes in world coordinates; a capsule's or cylinder's axis is the
	// third column.
	Rot  [9]float64
	Size [3]float64 // see ShapeKind
}

// Axis returns the shape's local axis k (0, 1, 2) in world coordinates.
func (s Shape) Axis(k int) [3]float64 { return [3]float64{s.Rot[k], s.Rot[3+k], s.Rot[6+k]} }

// Ends returns the two end points of a capsule's or cylinder's axis, Pos ± Size[1]
// times the third axis; for a box or sphere both are Pos.
func (s Shape) Ends() (a, b [3]float64) {
	h := 0.0
	if s.Kind == Capsule || s.Kind == Cylinder {
		h = s.Size[1]
	}
	z := s.Axis(2)
	for i := range 3 {
		a[i], b[i] = s.Pos[i]+h*z[i], s.Pos[i]-h*z[i]
	}
	return a, b
}

// Corners returns the 8 corners of a box (Pos ± the half sizes along the local axes).
func (s Shape) Corners() [8][3]float64 {
	var c [8][3]float64
	for k := range 8 {
		for i := range 3 {
			v := s.Pos[i]
			for j := range 3 {
				sign := 1.0
				if k>>j&1 == 1 {
					sign = -1
				}
				v += sign * s.Size[j] * s.Rot[3*i+j]
			}
			c[k][i] = v
		}
	}
	return c
}

// ArmMotion is the geometry of an arm along one sample: the fixed scene, and per
// time step the arm's solids, its bodies' frame origins and the end-effector points,
// all in world coordinates (m) as the simulator's forward kinematics computed them
// from the sample's joint angles.
type ArmMotion struct {
	Task string  // task name
	Cond int     // condition of the sample
	Dt   float64 // control period (s): time step t is at t·Dt
	// Fixed is the scene that does not move (for the peg tasks: the table, the
	// hole's walls and floor, the guide plates).
	Fixed []Shape
	// Solids[t] are the arm's solids at time step t, in the same order at every t.
	Solids [][]Shape
	// Bodies are the names of the arm's moving bodies, from the base outwards;
	// Parent[i] is the index in Bodies of body i's parent, −1 for the base.
	Bodies []string
	Parent []int
	// BodyPos[t][i] is the origin of body i's frame at time step t.
	BodyPos [][][3]float64
	// PointNames name the end-effector points (peg: "peg bottom", "peg top");
	// Points[t][k] is point k at time step t (the sample's P, replayed).
	PointNames []string
	Points     [][][3]float64
	// Target[k] is point k's target (peg: the peg standing in the hole).
	Target [][3]float64
}

// T returns the number of time steps.
func (m *ArmMotion) T() int { return len(m.Solids) }
