//go:build !cgo || nomujoco

package mujoco

// The geometry API of geometry.go in builds without MuJoCo: no Model or Data can
// exist here (LoadXML returns ErrUnavailable), so every method panics if reached.

// NumGeom panics in builds without MuJoCo.
func (m *Model) NumGeom() int { panic(unavailable) }

// Geom panics in builds without MuJoCo.
func (m *Model) Geom(i int) GeomInfo { panic(unavailable) }

// BodyParent panics in builds without MuJoCo.
func (m *Model) BodyParent(id int) int { panic(unavailable) }

// Name panics in builds without MuJoCo.
func (m *Model) Name(kind ObjType, id int) string { panic(unavailable) }

// BodyXPos panics in builds without MuJoCo.
func (d *Data) BodyXPos(id int, dst []float64) { panic(unavailable) }

// BodyXMat panics in builds without MuJoCo.
func (d *Data) BodyXMat(id int, dst []float64) { panic(unavailable) }

// GeomXPos panics in builds without MuJoCo.
func (d *Data) GeomXPos(i int, dst []float64) { panic(unavailable) }

// GeomXMat panics in builds without MuJoCo.
func (d *Data) GeomXMat(i int, dst []float64) { panic(unavailable) }
