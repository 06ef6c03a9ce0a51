package peg

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/internal/mujoco"
)

// Geometry returns the arm's geometry along sample s (a rollout of condition s.Cond
// of this task), for drawing it (viz.ArmFigure, viz.ArmAnimation): the fixed scene
// (the table with the hole: the walls w1–w4, the floor and the four guide plates),
// and per time step the arm's geoms (named after their bodies: the peg's solid is
// "peg"), its bodies' frame origins and the peg's two end-effector points, in world
// coordinates.
//
// Nothing is re-derived here: each time step's joint angles and velocities (the
// sample's x_t) are set on the condition's MuJoCo model (base moved by the
// condition's offset) and MuJoCo's forward kinematics (mj_kinematics) places every
// body, geom and site; geom shapes and sizes are MuJoCo's compiled geom_type and
// geom_size. So Points[t] equals the sample's recorded end-effector points s.P, and
// the peg cylinder's lower end the peg bottom.
//
// Geometry fails when s does not belong to this task (condition, dimensions,
// lengths) or holds non-finite joint states.
func (e *Env) Geometry(s *envs.Sample) (*envs.ArmMotion, error) {
	if s == nil {
		return nil, fmt.Errorf("peg: Geometry: nil sample")
	}
	if err := envs.CheckCondition(s.Cond, len(e.models)); err != nil {
		return nil, fmt.Errorf("peg: Geometry: %w", err)
	}
	if s.Dims.X != DX || s.T < 1 || len(s.X) != s.T*DX {
		return nil, fmt.Errorf("peg: Geometry: sample has Dims.X = %d, T = %d and %d state values; want Dims.X = %d, T ≥ 1 and T·%d values",
			s.Dims.X, s.T, len(s.X), DX, DX)
	}
	m := e.models[s.Cond]
	d, err := mujoco.NewData(m)
	if err != nil {
		return nil, fmt.Errorf("peg: %w", err)
	}
	defer d.Close()
	g := &envs.ArmMotion{Task: e.cfg.Name, Cond: s.Cond, Dt: e.dt,
		PointNames: []string{"peg bottom", "peg top"},
		Target:     [][3]float64{{Target[0], Target[1], Target[2]}, {Target[3], Target[4], Target[5]}}}
	for b := 1; b < m.NBody; b++ {
		g.Bodies = append(g.Bodies, m.Name(mujoco.Body, b))
		g.Parent = append(g.Parent, m.BodyParent(b)-1) // the world (0) becomes −1
	}
	type geom struct {
		id    int
		shape envs.Shape
	}
	var fixed, moving []geom
	for i := range m.NumGeom() {
		info := m.Geom(i)
		kind, ok := shapeKinds[info.Type]
		if !ok {
			return nil, fmt.Errorf("peg: Geometry: geom %d (%q) is a %v; only boxes, capsules, cylinders and spheres can be drawn", i, info.Name, info.Type)
		}
		name := info.Name
		if name == "" { // arm.xml names the arm's geoms by their bodies only
			name = m.Name(mujoco.Body, info.Body)
		}
		gm := geom{id: i, shape: envs.Shape{Name: name, Kind: kind, Size: info.Size}}
		if info.Body == 0 {
			fixed = append(fixed, gm)
		} else {
			moving = append(moving, gm)
		}
	}
	place := func(gm geom) envs.Shape {
		sh := gm.shape
		d.GeomXPos(gm.id, sh.Pos[:])
		d.GeomXMat(gm.id, sh.Rot[:])
		return sh
	}
	for t := range s.T {
		x := s.X[t*DX : (t+1)*DX]
		if err := d.Reset(x[:NQ], x[NQ:2*NQ]); err != nil {
			return nil, fmt.Errorf("peg: Geometry: time step %d: %w", t, err)
		}
		if t == 0 {
			for _, gm := range fixed {
				g.Fixed = append(g.Fixed, place(gm))
			}
		}
		solids := make([]envs.Shape, len(moving))
		for k, gm := range moving {
			solids[k] = place(gm)
		}
		g.Solids = append(g.Solids, solids)
		bodies := make([][3]float64, m.NBody-1)
		for b := range bodies {
			d.BodyXPos(b+1, bodies[b][:])
		}
		g.BodyPos = append(g.BodyPos, bodies)
		points := make([][3]float64, NSite)
		for k, id := range e.sites {
			d.SitePos(id, points[k][:])
		}
		g.Points = append(g.Points, points)
	}
	return g, nil
}

var shapeKinds = map[mujoco.GeomType]envs.ShapeKind{
	mujoco.GeomBox: envs.Box, mujoco.GeomCapsule: envs.Capsule,
	mujoco.GeomCylinder: envs.Cylinder, mujoco.GeomSphere: envs.Sphere,
}
