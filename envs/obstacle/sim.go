package obstacle

import (
	"fmt"
	"math"

	"github.com/mirrorgps/mirrorgps/envs"
)

// Sim simulates the point mass (tasks.md §5): per physics step h, with the
// control clipped to ±ForceLimit,
//
//	v ← (m v + h u) / (m + h b)      (MuJoCo's Euler with implicit damping)
//	v ← contact(v)                    (frictionless, hard, see below)
//	q ← q + h v
//
// Contact: the particle is a capsule (segment ±ParticleHalfLength along x,
// radius ParticleRadius) and each wall a capsule. When the next position would
// bring the two closer than their radii plus Margin, the velocity component
// along the contact normal n (at the current position) is raised to the value
// that closes the remaining gap exactly, n·v ≥ (R − dist)/h, so the particle
// stops at the contact distance and slides along the wall without friction. (A
// position already inside the contact distance, which only a state set with
// SetState can produce, is first projected back onto it.)
// Distances to convex obstacles are convex in the position, so this linearised
// constraint never lets the particle penetrate. MuJoCo's contact is soft; the
// difference is a few millimetres per control step in contact (tasks.md §4).
type Sim struct {
	env      *Env
	q, v     [2]float64
	contacts int
	closed   bool
}

// Reset puts the particle at rest at condition cond's start.
func (s *Sim) Reset(cond int) error {
	s.mustOpen()
	if err := envs.CheckCondition(cond, len(s.env.starts)); err != nil {
		return err
	}
	s.q, s.v, s.contacts = s.env.starts[cond], [2]float64{}, 0
	return nil
}

// SetState sets x = [x, y, vx, vy] directly (for comparisons with another
// simulator); it panics when len(x) ≠ 4.
func (s *Sim) SetState(x []float64) {
	s.mustOpen()
	if len(x) != 4 {
		panic(fmt.Sprintf("obstacle: SetState with %d values, want 4", len(x)))
	}
	s.q, s.v = [2]float64{x[0], x[1]}, [2]float64{x[2], x[3]}
}

// Contacts returns the number of physics steps of the last Step in which a
// contact constrained the velocity.
func (s *Sim) Contacts() int { return s.contacts }

// Step applies the force u (clipped to ±1 N per axis) for Substeps physics
// steps. It returns an *envs.ActionError, without moving, when len(u) ≠ 2 or u
// is not finite.
func (s *Sim) Step(u []float64) error {
	s.mustOpen()
	if len(u) != 2 || !finite(u[0]) || !finite(u[1]) {
		return envs.CheckAction(u, 2)
	}
	const h = Timestep
	fx := max(-ForceLimit, min(ForceLimit, u[0]))
	fy := max(-ForceLimit, min(ForceLimit, u[1]))
	m := Mass
	den := m + h*Damping
	s.contacts = 0
	for range Substeps {
		s.v[0] = (m*s.v[0] + h*fx) / den
		s.v[1] = (m*s.v[1] + h*fy) / den
		if s.collide(h) {
			s.contacts++
		}
		s.q[0] += h * s.v[0]
		s.q[1] += h * s.v[1]
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// collide enforces the contact constraints on s.v for a step of length h and
// reports whether any was active. Obstacles are processed in order, three
// passes at most (one contact at a time is the rule in this scene: the gaps
// between walls are wider than the particle).
func (s *Sim) collide(h float64) bool {
	active := false
	for range 3 {
		changed := false
		for i := range s.env.walls {
			w := &s.env.walls[i]
			R := ParticleRadius + w.Radius + Margin
			// Broad phase on the predicted position.
			nx, ny := s.q[0]+h*s.v[0], s.q[1]+h*s.v[1]
			reach := R + ParticleHalfLength
			if nx < min(w.A[0], w.B[0])-reach || nx > max(w.A[0], w.B[0])+reach ||
				ny < min(w.A[1], w.B[1])-reach || ny > max(w.A[1], w.B[1])+reach {
				continue
			}
			if d, _, _ := segDist(nx, ny, w); d >= R {
				continue
			}
			d0, n0, n1 := segDist(s.q[0], s.q[1], w)
			if d0 < R {
				// Already closer than the contact distance: only possible from a
				// state set from outside (SetState, e.g. MuJoCo's, whose soft
				// contact lets the particle sink in) or by rounding. Project the
				// position back out instead of adding an outward velocity, which
				// would inject energy.
				s.q[0] += (R - d0) * n0
				s.q[1] += (R - d0) * n1
				d0 = R
			}
			vmin := (R - d0) / h
			vn := n0*s.v[0] + n1*s.v[1]
			if vn < vmin {
				s.v[0] += (vmin - vn) * n0
				s.v[1] += (vmin - vn) * n1
				changed = true
				active = true
			}
		}
		if !changed {
			break
		}
	}
	return active
}

// segDist returns the distance between the particle's segment (centre (x, y),
// along x) and wall w's segment, and the unit normal pointing from the wall to
// the particle along the closest points.
func segDist(x, y float64, w *Capsule) (d, n0, n1 float64) {
	p0 := [2]float64{x - ParticleHalfLength, y}
	p1 := [2]float64{x + ParticleHalfLength, y}
	if segmentsCross(p0, p1, w.A, w.B) {
		// Deep penetration (cannot arise from a valid start): push away from
		// the wall's midpoint.
		mx, my := x-0.5*(w.A[0]+w.B[0]), y-0.5*(w.A[1]+w.B[1])
		l := math.Hypot(mx, my)
		if l == 0 {
			return 0, 1, 0
		}
		return 0, mx / l, my / l
	}
	best := math.Inf(1)
	var bx, by float64 // vector from the wall point to the particle point
	try := func(dx, dy float64) {
		if dd := dx*dx + dy*dy; dd < best {
			best, bx, by = dd, dx, dy
		}
	}
	// Particle endpoints against the wall segment.
	for _, p := range [2][2]float64{p0, p1} {
		c := closest(p, w.A, w.B)
		try(p[0]-c[0], p[1]-c[1])
	}
	// Wall endpoints against the particle segment.
	for _, a := range [2][2]float64{w.A, w.B} {
		c := closest(a, p0, p1)
		try(c[0]-a[0], c[1]-a[1])
	}
	d = math.Sqrt(best)
	if d == 0 {
		return 0, 1, 0
	}
	return d, bx / d, by / d
}

// closest returns the point of segment a–b closest to p.
func closest(p, a, b [2]float64) [2]float64 {
	ex, ey := b[0]-a[0], b[1]-a[1]
	l2 := ex*ex + ey*ey
	if l2 == 0 {
		return a
	}
	t := ((p[0]-a[0])*ex + (p[1]-a[1])*ey) / l2
	t = max(0, min(1, t))
	return [2]float64{a[0] + t*ex, a[1] + t*ey}
}

// segmentsCross reports whether segments p0–p1 and a–b properly intersect.
func segmentsCross(p0, p1, a, b [2]float64) bool {
	cross := func(o, u, v [2]float64) float64 {
		return (u[0]-o[0])*(v[1]-o[1]) - (u[1]-o[1])*(v[0]-o[0])
	}
	d1, d2 := cross(a, b, p0), cross(a, b, p1)
	d3, d4 := cross(p0, p1, a), cross(p0, p1, b)
	return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
}

// Observe writes x = o = [x, y, vx, vy], the end-effector point (x, y, 0) and its
// Jacobian [[1 0 0 0] [0 1 0 0] [0 0 0 0]].
func (s *Sim) Observe(x, o, p, jac []float64) {
	s.mustOpen()
	x[0], x[1], x[2], x[3] = s.q[0], s.q[1], s.v[0], s.v[1]
	copy(o[:4], x[:4])
	if p != nil {
		p[0], p[1], p[2] = s.q[0], s.q[1], 0
	}
	if jac != nil {
		clear(jac[:12])
		jac[0], jac[5] = 1, 1
	}
}

// Close marks the simulator closed.
func (s *Sim) Close() { s.closed = true }

func (s *Sim) mustOpen() {
	if s.closed {
		panic("obstacle: use of a closed Sim")
	}
}

var _ envs.Sim = (*Sim)(nil)
