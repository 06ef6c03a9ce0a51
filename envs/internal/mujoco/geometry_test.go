//go:build cgo && !nomujoco

package mujoco

import (
	"math"
	"testing"
)

// TestGeometry checks the geometry readers on the two-link arm against its
// closed-form kinematics: link 1 from the origin at angle q1, link 2 from its end at
// q1+q2, both 0.3 long (capsules of radius 0.02).
func TestGeometry(t *testing.T) {
	m := load(t)
	d := newData(t, m)
	if got := m.NumGeom(); got != 3 {
		t.Fatalf("NumGeom = %d, want 3 (block, link 1, link 2)", got)
	}
	wantGeoms := []GeomInfo{
		{Name: "block", Type: GeomBox, Body: 0, Size: [3]float64{0.05, 0.05, 0.05}},
		{Name: "", Type: GeomCapsule, Body: 1, Size: [3]float64{0.02, 0.15, 0}},
		{Name: "", Type: GeomCapsule, Body: 2, Size: [3]float64{0.02, 0.15, 0}},
	}
	for i, want := range wantGeoms {
		got := m.Geom(i)
		// MuJoCo computes half lengths from fromto in float64: exact up to rounding.
		if got.Name != want.Name || got.Type != want.Type || got.Body != want.Body || !near3(got.Size, want.Size, 1e-15) {
			t.Errorf("Geom(%d) = %+v, want %+v", i, got, want)
		}
	}
	for id, want := range []int{0, 0, 1} {
		if got := m.BodyParent(id); got != want {
			t.Errorf("BodyParent(%d) = %d, want %d", id, got, want)
		}
	}
	if got := m.Name(Body, 2); got != "link2" {
		t.Errorf("Name(Body, 2) = %q, want link2", got)
	}
	if got := m.Name(Site, 0); got != "tip" {
		t.Errorf("Name(Site, 0) = %q, want tip", got)
	}
	for _, q := range [][]float64{{0, 0}, {0.7, -1.2}, {-1.9, 1.5}} {
		if err := d.Reset(q, nil); err != nil {
			t.Fatal(err)
		}
		a1, a2 := q[0], q[0]+q[1]
		elbow := [3]float64{0.3 * math.Cos(a1), 0.3 * math.Sin(a1), 0}
		tip := [3]float64{elbow[0] + 0.3*math.Cos(a2), elbow[1] + 0.3*math.Sin(a2), 0}
		var pos [3]float64
		var mat [9]float64
		d.BodyXPos(2, pos[:])
		// Tolerance 1e-14: one rotation of a 0.3 m vector in float64.
		if !near3(pos, elbow, 1e-14) {
			t.Errorf("q=%v: BodyXPos(link2) = %v, want %v", q, pos, elbow)
		}
		d.BodyXMat(2, mat[:])
		if want := [3]float64{math.Cos(a2), math.Sin(a2), 0}; !near3([3]float64{mat[0], mat[3], mat[6]}, want, 1e-14) {
			t.Errorf("q=%v: BodyXMat(link2) x axis = %v, want %v", q, [3]float64{mat[0], mat[3], mat[6]}, want)
		}
		// Geom 2 is the capsule from the elbow to the tip: its centre is the
		// midpoint and its z axis (third column) points along the link.
		d.GeomXPos(2, pos[:])
		mid := [3]float64{(elbow[0] + tip[0]) / 2, (elbow[1] + tip[1]) / 2, 0}
		if !near3(pos, mid, 1e-14) {
			t.Errorf("q=%v: GeomXPos(2) = %v, want %v", q, pos, mid)
		}
		d.GeomXMat(2, mat[:])
		// MuJoCo points the axis of a fromto capsule from "to" back to "from":
		// centre + h·axis is the elbow, centre − h·axis the tip.
		h := m.Geom(2).Size[1]
		from := [3]float64{pos[0] + h*mat[2], pos[1] + h*mat[5], pos[2] + h*mat[8]}
		to := [3]float64{pos[0] - h*mat[2], pos[1] - h*mat[5], pos[2] - h*mat[8]}
		var site [3]float64
		d.SitePos(0, site[:])
		if !near3(from, elbow, 1e-14) || !near3(to, site, 1e-14) || !near3(to, tip, 1e-14) {
			t.Errorf("q=%v: capsule ends %v, %v; want elbow %v and tip %v (site %v)", q, from, to, elbow, tip, site)
		}
	}
}

func TestGeometryPanics(t *testing.T) {
	m := load(t)
	d := newData(t, m)
	for name, f := range map[string]func(){
		"Geom(-1)":        func() { m.Geom(-1) },
		"Geom(ngeom)":     func() { m.Geom(3) },
		"BodyParent(3)":   func() { m.BodyParent(3) },
		"Name(Joint, 2)":  func() { m.Name(Joint, 2) },
		"GeomXPos(3)":     func() { d.GeomXPos(3, make([]float64, 3)) },
		"BodyXMat(-1)":    func() { d.BodyXMat(-1, make([]float64, 9)) },
		"Name(kind 9, 0)": func() { m.Name(ObjType(9), 0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}

func near3(a, b [3]float64, tol float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}
