package mujoco

import "fmt"

// GeomType is the shape of a geom (MuJoCo's mjtGeom; the values are MuJoCo's).
type GeomType int

// Geom shapes. Size (GeomInfo.Size) means, per shape: plane (half x, half y,
// grid spacing), sphere (radius), capsule and cylinder (radius, half length along
// the local z axis), ellipsoid and box (half sizes along the local axes).
const (
	GeomPlane     GeomType = 0
	GeomHField    GeomType = 1
	GeomSphere    GeomType = 2
	GeomCapsule   GeomType = 3
	GeomEllipsoid GeomType = 4
	GeomCylinder  GeomType = 5
	GeomBox       GeomType = 6
	GeomMesh      GeomType = 7
)

func (g GeomType) String() string {
	switch g {
	case GeomPlane:
		return "plane"
	case GeomHField:
		return "hfield"
	case GeomSphere:
		return "sphere"
	case GeomCapsule:
		return "capsule"
	case GeomEllipsoid:
		return "ellipsoid"
	case GeomCylinder:
		return "cylinder"
	case GeomBox:
		return "box"
	case GeomMesh:
		return "mesh"
	}
	return fmt.Sprintf("GeomType(%d)", int(g))
}

// GeomInfo describes geom i of a model (Model.Geom): what MuJoCo compiled from the
// MJCF, independent of the state. Where the geom is in the world for a given state
// is Data.GeomXPos and Data.GeomXMat.
type GeomInfo struct {
	Name string   // "" when the MJCF gave none
	Type GeomType // shape
	Body int      // the body the geom is attached to (0: the world, fixed)
	// Size is MuJoCo's geom_size (see GeomType): for a capsule built with fromto,
	// (radius, half the distance between the two ends, 0).
	Size [3]float64
}
