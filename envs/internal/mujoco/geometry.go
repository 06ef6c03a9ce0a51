//go:build cgo && !nomujoco

package mujoco

/*
#include <mujoco/mujoco.h>

static int mg_objtype2(int k) {
	switch (k) {
	case 0: return mjOBJ_BODY;
	case 1: return mjOBJ_JOINT;
	case 2: return mjOBJ_GEOM;
	case 3: return mjOBJ_SITE;
	case 4: return mjOBJ_ACTUATOR;
	}
	return mjOBJ_UNKNOWN;
}

static const char* mg_name(const mjModel* m, int kind, int id) {
	return mj_id2name(m, mg_objtype2(kind), id);
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// This file reads the model's geometry and the world poses that MuJoCo's forward
// kinematics (mj_kinematics, run by Reset and Step) computed for the current state:
// what a figure of the scene needs. Nothing here changes the model or the state.

// NumGeom returns the number of geoms of the model (ngeom).
func (m *Model) NumGeom() int {
	m.check()
	return int(m.ptr.ngeom)
}

func (m *Model) geom(i int) {
	m.check()
	if i < 0 || i >= int(m.ptr.ngeom) {
		panic(fmt.Sprintf("mujoco: geom index %d out of range [0, %d)", i, int(m.ptr.ngeom)))
	}
}

// Geom returns the shape, size, body and name of geom i.
func (m *Model) Geom(i int) GeomInfo {
	m.geom(i)
	n := int(m.ptr.ngeom)
	g := GeomInfo{
		Name: m.Name(Geom, i),
		Type: GeomType(unsafe.Slice((*C.int)(unsafe.Pointer(m.ptr.geom_type)), n)[i]),
		Body: int(unsafe.Slice((*C.int)(unsafe.Pointer(m.ptr.geom_bodyid)), n)[i]),
	}
	copy(g.Size[:], unsafe.Slice((*float64)(unsafe.Pointer(m.ptr.geom_size)), 3*n)[3*i:3*i+3])
	runtime.KeepAlive(m)
	return g
}

// BodyParent returns the index of body id's parent (0, the world, for a top-level
// body; the world is its own parent).
func (m *Model) BodyParent(id int) int {
	m.body(id)
	p := int(unsafe.Slice((*C.int)(unsafe.Pointer(m.ptr.body_parentid)), m.NBody)[id])
	runtime.KeepAlive(m)
	return p
}

// Name returns the name of object id of the given kind (mj_id2name), or "" when it
// has none. It panics when id is out of range.
func (m *Model) Name(kind ObjType, id int) string {
	m.check()
	var n int
	switch kind {
	case Body:
		n = m.NBody
	case Joint:
		n = int(m.ptr.njnt)
	case Geom:
		n = int(m.ptr.ngeom)
	case Site:
		n = m.NSite
	case Actuator:
		n = m.NU
	default:
		panic(fmt.Sprintf("mujoco: Name: unknown object kind %v", kind))
	}
	if id < 0 || id >= n {
		panic(fmt.Sprintf("mujoco: %v index %d out of range [0, %d)", kind, id, n))
	}
	s := C.mg_name(m.ptr, C.int(kind), C.int(id))
	runtime.KeepAlive(m)
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

// BodyXPos copies the world position of body id's frame (xpos) into dst (length 3),
// for the current state.
func (d *Data) BodyXPos(id int, dst []float64) {
	d.check()
	d.m.body(id)
	copy(dst[:3], unsafe.Slice((*float64)(unsafe.Pointer(d.ptr.xpos)), 3*d.m.NBody)[3*id:3*id+3])
}

// BodyXMat copies the world orientation of body id's frame (xmat: a row-major 3×3
// rotation whose columns are the body's axes in world coordinates) into dst
// (length 9), for the current state.
func (d *Data) BodyXMat(id int, dst []float64) {
	d.check()
	d.m.body(id)
	copy(dst[:9], unsafe.Slice((*float64)(unsafe.Pointer(d.ptr.xmat)), 9*d.m.NBody)[9*id:9*id+9])
}

// GeomXPos copies the world position of geom i's centre (geom_xpos) into dst
// (length 3), for the current state.
func (d *Data) GeomXPos(i int, dst []float64) {
	d.check()
	d.m.geom(i)
	n := int(d.m.ptr.ngeom)
	copy(dst[:3], unsafe.Slice((*float64)(unsafe.Pointer(d.ptr.geom_xpos)), 3*n)[3*i:3*i+3])
}

// GeomXMat copies the world orientation of geom i (geom_xmat, row-major 3×3; its
// third column is the axis of a capsule or cylinder) into dst (length 9), for the
// current state.
func (d *Data) GeomXMat(i int, dst []float64) {
	d.check()
	d.m.geom(i)
	n := int(d.m.ptr.ngeom)
	copy(dst[:9], unsafe.Slice((*float64)(unsafe.Pointer(d.ptr.geom_xmat)), 9*n)[9*i:9*i+9])
}
