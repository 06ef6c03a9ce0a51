//go:build cgo && !nomujoco

package mujoco

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
)

// twoLink is a planar two-link arm with one site at the tip and a box it can hit:
// small enough to reason about, with limits, damping and contact like the peg arm.
const twoLink = `<mujoco model="twolink">
  <compiler angle="radian"/>
  <option timestep="0.01" gravity="0 0 0" integrator="Euler"/>
  <default>
    <joint type="hinge" axis="0 0 1" armature="0.04" damping="1" limited="true" range="-2 2"/>
    <geom type="capsule" size="0.02" density="1000" condim="1" margin="0.002" contype="0" conaffinity="0"/>
    <motor gear="1" ctrllimited="true" ctrlrange="-5 5"/>
  </default>
  <worldbody>
    <geom name="block" type="box" pos="0.5 0.35 0" size="0.05 0.05 0.05" contype="1" conaffinity="1"/>
    <body name="base" pos="0 0 0">
      <joint name="j1"/>
      <geom fromto="0 0 0 0.3 0 0"/>
      <body name="link2" pos="0.3 0 0">
        <joint name="j2"/>
        <geom fromto="0 0 0 0.3 0 0" contype="2" conaffinity="1"/>
        <site name="tip" pos="0.3 0 0"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor joint="j1"/>
    <motor joint="j2"/>
  </actuator>
</mujoco>`

func load(t testing.TB) *Model {
	t.Helper()
	m, err := LoadXML(twoLink)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newData(t testing.TB, m *Model) *Data {
	t.Helper()
	d, err := NewData(m)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestVersion(t *testing.T) {
	if v := Version(); v != 222 {
		t.Errorf("Version() = %d, want 222 (MuJoCo 2.2.2, Debian bookworm)", v)
	}
	if !Available() {
		t.Error("Available() = false in a cgo build")
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, xml, want string
	}{
		{"empty", "", "empty model text"},
		{"not xml", "<mujoco><worldbody></mujoco>", "XML"},
		{"unknown element", `<mujoco><worldbody><bogus/></worldbody></mujoco>`, "bogus"},
		{"bad attribute value", `<mujoco><worldbody><geom type="sphere" size="x"/></worldbody></mujoco>`, "size"},
		{"unknown joint in actuator", `<mujoco><worldbody><body><joint name="a"/><geom size="0.1"/></body></worldbody>
			<actuator><motor joint="nosuch"/></actuator></mujoco>`, "nosuch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := LoadXML(tc.xml)
			var le *LoadError
			if m != nil || !errors.As(err, &le) {
				t.Fatalf("LoadXML = %v, %v; want a *LoadError", m, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	// A failed load leaves the loader usable.
	m := load(t)
	if m.NQ != 2 || m.NV != 2 || m.NU != 2 || m.NSite != 1 || m.Timestep != 0.01 {
		t.Errorf("sizes nq=%d nv=%d nu=%d nsite=%d h=%g, want 2 2 2 1 0.01", m.NQ, m.NV, m.NU, m.NSite, m.Timestep)
	}
}

func TestIDs(t *testing.T) {
	m := load(t)
	for _, tc := range []struct {
		kind ObjType
		name string
		want int
	}{
		{Body, "world", 0}, {Body, "base", 1}, {Body, "link2", 2}, {Joint, "j2", 1},
		{Geom, "block", 0}, {Site, "tip", 0}, {Actuator, "nosuch", -1}, {Body, "nosuch", -1},
	} {
		id, err := m.ID(tc.kind, tc.name)
		if id != tc.want || (err != nil) != (tc.want < 0) {
			t.Errorf("ID(%v, %q) = %d, %v; want %d", tc.kind, tc.name, id, err, tc.want)
		}
	}
	if lo, hi := m.CtrlRange(1); lo != -5 || hi != 5 {
		t.Errorf("CtrlRange(1) = %g, %g, want -5, 5", lo, hi)
	}
}

// TestCloneOffset: moving body 1 of a clone shifts every site by the offset and
// leaves the original untouched.
func TestCloneOffset(t *testing.T) {
	m := load(t)
	c, err := m.Clone()
	if err != nil {
		t.Fatal(err)
	}
	off := [3]float64{0.1, -0.2, 0.05}
	p0 := m.BodyPos(1)
	c.SetBodyPos(1, [3]float64{p0[0] + off[0], p0[1] + off[1], p0[2] + off[2]})
	if m.BodyPos(1) != p0 {
		t.Fatal("SetBodyPos on a clone changed the original")
	}
	q := []float64{0.3, -0.7}
	a, b := newData(t, m), newData(t, c)
	for _, d := range []*Data{a, b} {
		if err := d.Reset(q, nil); err != nil {
			t.Fatal(err)
		}
	}
	pa, pb := make([]float64, 3), make([]float64, 3)
	a.SitePos(0, pa)
	b.SitePos(0, pb)
	// One Data can serve both: SetModel to the clone gives the clone's kinematics.
	if err := a.SetModel(c); err != nil {
		t.Fatal(err)
	}
	if err := a.Step([]float64{0, 0}, 1); err == nil {
		t.Error("Step right after SetModel (no Reset) gave no error")
	}
	if err := a.Reset(q, nil); err != nil {
		t.Fatal(err)
	}
	pc := make([]float64, 3)
	a.SitePos(0, pc)
	for i := range 3 {
		if pc[i] != pb[i] {
			t.Errorf("after SetModel(clone): site[%d] = %v, want the clone's %v", i, pc[i], pb[i])
		}
	}
	if err := a.SetModel(m); err != nil {
		t.Fatal(err)
	}
	a.Reset(q, nil)
	// A model of different size is refused.
	other, err := LoadXML(strings.Replace(twoLink, `<site name="tip" pos="0.3 0 0"/>`, `<site name="tip" pos="0.3 0 0"/><site name="mid"/>`, 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetModel(other); err == nil {
		t.Error("SetModel to a model with another site count gave no error")
	}
	for i := range 3 {
		// Forward kinematics adds the body offset exactly up to rounding of sums of
		// O(1) terms.
		if math.Abs(pb[i]-pa[i]-off[i]) > 1e-15 {
			t.Errorf("site[%d]: clone %g − original %g ≠ offset %g", i, pb[i], pa[i], off[i])
		}
	}
	// Tip of a planar arm: (0.3 cos q1 + 0.3 cos(q1+q2), 0.3 sin q1 + 0.3 sin(q1+q2), 0).
	want := []float64{0.3*math.Cos(q[0]) + 0.3*math.Cos(q[0]+q[1]), 0.3*math.Sin(q[0]) + 0.3*math.Sin(q[0]+q[1]), 0}
	for i := range 3 {
		if math.Abs(pa[i]-want[i]) > 1e-15 {
			t.Errorf("tip[%d] = %.17g, want %.17g", i, pa[i], want[i])
		}
	}
}

// TestSiteJac checks mj_jacSite against central differences of the site position.
func TestSiteJac(t *testing.T) {
	m := load(t)
	d := newData(t, m)
	q := []float64{0.4, -1.1}
	if err := d.Reset(q, nil); err != nil {
		t.Fatal(err)
	}
	J := make([]float64, 3*m.NV)
	if err := d.SiteJac(0, J); err != nil {
		t.Fatal(err)
	}
	const h = 1e-6
	pp, pm := make([]float64, 3), make([]float64, 3)
	for j := range m.NQ {
		qp := append([]float64(nil), q...)
		qm := append([]float64(nil), q...)
		qp[j] += h
		qm[j] -= h
		d.Reset(qp, nil)
		d.SitePos(0, pp)
		d.Reset(qm, nil)
		d.SitePos(0, pm)
		for i := range 3 {
			fd := (pp[i] - pm[i]) / (2 * h)
			// Central differences: truncation O(h²·|p'''|) ≈ 1e-12, rounding
			// O(ε/h) ≈ 1e-10 for |p| ≈ 0.6.
			if math.Abs(fd-J[i*m.NV+j]) > 1e-8 {
				t.Errorf("J[%d,%d] = %.12g, central difference %.12g", i, j, J[i*m.NV+j], fd)
			}
		}
	}
}

// rollout drives the arm with a fixed control sequence into the block and returns the
// joint positions and velocities after every control step.
func rollout(t testing.TB, d *Data, n int) []float64 {
	if err := d.Reset([]float64{0, 0}, nil); err != nil {
		t.Fatal(err)
	}
	out := make([]float64, 0, 4*n)
	q, v := make([]float64, 2), make([]float64, 2)
	for k := range n {
		u := []float64{3 * math.Cos(0.1*float64(k)), -2 + 8*math.Sin(0.05*float64(k))} // ±8 exceeds the ±5 range: clipped
		if err := d.Step(u, 5); err != nil {
			t.Fatal(err)
		}
		d.QPos(q)
		d.QVel(v)
		out = append(out, q[0], q[1], v[0], v[1])
	}
	return out
}

// TestDeterminismAndReset: the same inputs give bit-identical trajectories, also
// after another rollout on the same Data (Reset clears the solver warm start), and
// on several goroutines stepping one Model.
func TestDeterminismAndReset(t *testing.T) {
	m := load(t)
	d := newData(t, m)
	ref := rollout(t, d, 60)
	// The rollout must touch the block, or the check says little about contact.
	contact := false
	d.Reset([]float64{0, 0}, nil)
	for k := range 60 {
		d.Step([]float64{3 * math.Cos(0.1*float64(k)), -2 + 8*math.Sin(0.05*float64(k))}, 5)
		contact = contact || d.NCon() > 0
	}
	if !contact {
		t.Fatal("test rollout never touches the block")
	}
	again := rollout(t, d, 60)
	for i := range ref {
		if ref[i] != again[i] {
			t.Fatalf("second rollout differs at %d: %v vs %v", i, again[i], ref[i])
		}
	}
	var wg sync.WaitGroup
	res := make([][]float64, 4)
	for g := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dg, err := NewData(m)
			if err != nil {
				t.Error(err)
				return
			}
			defer dg.Close()
			res[g] = rollout(t, dg, 60)
		}()
	}
	wg.Wait()
	for g, r := range res {
		for i := range ref {
			if r[i] != ref[i] {
				t.Fatalf("goroutine %d differs at %d: %v vs %v", g, i, r[i], ref[i])
			}
		}
	}
}

// TestTwoPhaseIsEuler: Step uses mj_step1/mj_step2, which integrate with
// semi-implicit Euler whatever the model asks for (tasks.md §1), so a model that
// names RK4 gives bit-identical trajectories to the same model naming Euler. Zero
// torque from rest must not move the arm at all, and time advances by n·h.
func TestTwoPhaseIsEuler(t *testing.T) {
	m := load(t)
	rk4, err := LoadXML(strings.Replace(twoLink, `integrator="Euler"`, `integrator="RK4"`, 1))
	if err != nil {
		t.Fatal(err)
	}
	ref := rollout(t, newData(t, m), 60)
	got := rollout(t, newData(t, rk4), 60)
	for i := range ref {
		if got[i] != ref[i] {
			t.Fatalf("RK4-named model differs at %d: %v vs %v", i, got[i], ref[i])
		}
	}
	d := newData(t, m)
	if err := d.Reset([]float64{0, 0}, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Step([]float64{0, 0}, 3); err != nil {
		t.Fatal(err)
	}
	q, v := make([]float64, 2), make([]float64, 2)
	d.QPos(q)
	d.QVel(v)
	if q[0] != 0 || q[1] != 0 || v[0] != 0 || v[1] != 0 {
		t.Errorf("zero torque moved the arm: q=%v v=%v", q, v)
	}
	// 3 additions of 0.01: exact to a few ulps.
	if got := d.Time(); math.Abs(got-0.03) > 1e-15 {
		t.Errorf("Time() = %g after 3 substeps of 0.01, want 0.03", got)
	}
}

func TestBadInput(t *testing.T) {
	m := load(t)
	d := newData(t, m)
	q := []float64{0.2, 0.3}
	if err := d.Reset(q, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		u    []float64
		want string
	}{
		{"short", []float64{1}, "length 1, want 2"},
		{"long", []float64{1, 2, 3}, "length 3, want 2"},
		{"nan", []float64{1, math.NaN()}, "control[1] = NaN"},
		{"inf", []float64{math.Inf(-1), 0}, "control[0] = -Inf"},
	} {
		err := d.Step(tc.u, 5)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Step error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	got := make([]float64, 2)
	d.QPos(got)
	if got[0] != q[0] || got[1] != q[1] || d.Time() != 0 {
		t.Errorf("rejected steps changed the state: q=%v t=%g", got, d.Time())
	}
	if err := d.Step([]float64{1, 1}, -1); err == nil {
		t.Error("Step with -1 substeps gave no error")
	}
	for _, tc := range []struct {
		name       string
		qpos, qvel []float64
	}{
		{"qpos length", []float64{1}, nil},
		{"qvel length", []float64{1, 2}, []float64{1}},
		{"qpos nan", []float64{math.NaN(), 0}, nil},
		{"qvel inf", []float64{0, 0}, []float64{0, math.Inf(1)}},
	} {
		if err := d.Reset(tc.qpos, tc.qvel); err == nil {
			t.Errorf("%s: Reset gave no error", tc.name)
		}
	}
	// Still usable.
	if err := d.Reset(q, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Step([]float64{1, 1}, 5); err != nil {
		t.Fatal(err)
	}
}

// TestDiverged: a velocity that overflows the acceleration makes MuJoCo reset the
// state; Step reports it and the Data keeps working.
func TestDiverged(t *testing.T) {
	m := load(t)
	d := newData(t, m)
	if err := d.Reset([]float64{0, 0}, []float64{1e300, -1e300}); err != nil {
		t.Fatal(err)
	}
	err := d.Step([]float64{0, 0}, 5)
	var de *DivergedError
	if !errors.As(err, &de) {
		t.Fatalf("Step from v = 1e300: error %v, want *DivergedError", err)
	}
	if n, last := d.Warnings(); n == 0 || last == "" {
		t.Errorf("Warnings() = %d, %q after a divergence", n, last)
	}
	ref := rollout(t, newData(t, m), 20)
	got := rollout(t, d, 20)
	for i := range ref {
		if got[i] != ref[i] {
			t.Fatalf("rollout after a divergence differs at %d: %v vs %v", i, got[i], ref[i])
		}
	}
}

func TestClosedPanics(t *testing.T) {
	m := load(t)
	d := newData(t, m)
	d.Close()
	d.Close() // twice is fine
	defer func() {
		if r := recover(); r == nil {
			t.Error("Step on a closed Data did not panic")
		}
	}()
	d.Step([]float64{0, 0}, 1)
}

// TestEngineError: a MuJoCo fatal error (here: a data stack of 44 numbers is enough
// to compile the model, 43–48 are too few for one contact in MuJoCo 2.2.2) becomes an *Error instead of ending the process; the Data then
// refuses to step until Reset, and other models are unaffected.
func TestEngineError(t *testing.T) {
	small, err := LoadXML(strings.Replace(twoLink, `<worldbody>`, `<size nstack="44"/><worldbody>`, 1))
	if err != nil {
		t.Fatal(err)
	}
	d := newData(t, small)
	// q = (0.5, 0.22) puts the tip inside the block: one contact from the start.
	if err := d.Reset([]float64{0.5, 0.22}, nil); err != nil {
		t.Fatal(err)
	}
	err = d.Step([]float64{1, 1}, 1)
	var me *Error
	if !errors.As(err, &me) || me.Op != "step" || me.Msg == "" {
		t.Fatalf("Step with a tiny stack: %v, want a *Error from MuJoCo", err)
	}
	t.Logf("MuJoCo said: %v", err)
	if err := d.Step([]float64{1, 1}, 1); err == nil || !strings.Contains(err.Error(), "Reset") {
		t.Errorf("Step after an engine error: %v, want a request to Reset", err)
	}
	if err := d.Reset([]float64{0, 0}, nil); err != nil {
		t.Fatal(err)
	}
	ref := rollout(t, newData(t, load(t)), 10)
	if len(ref) != 40 {
		t.Fatal("rollout length")
	}
}

// TestDynamics: without damping, contact or limits one Euler substep is
// v₁ = v + h M⁻¹(τ − b), which checks M and b together; with damping D = 1 per joint
// the bias grows by exactly D·v.
func TestDynamics(t *testing.T) {
	free, err := LoadXML(strings.Replace(twoLink, `damping="1"`, `damping="0"`, 1))
	if err != nil {
		t.Fatal(err)
	}
	q, v, tau := []float64{-0.8, 0.9}, []float64{0.7, -1.3}, []float64{0.4, -0.25}
	d := newData(t, free)
	M, b := make([]float64, 4), make([]float64, 2)
	if err := d.Dynamics(q, v, M, b); err != nil {
		t.Fatal(err)
	}
	if M[1] != M[2] || M[0] <= 0 || M[0]*M[3]-M[1]*M[2] <= 0 {
		t.Fatalf("M = %v is not symmetric positive definite", M)
	}
	if err := d.Reset(q, v); err != nil {
		t.Fatal(err)
	}
	if err := d.Step(tau, 1); err != nil {
		t.Fatal(err)
	}
	if d.NCon() != 0 {
		t.Fatal("test state touches the block")
	}
	v1 := make([]float64, 2)
	d.QVel(v1)
	det := M[0]*M[3] - M[1]*M[2]
	r0, r1 := tau[0]-b[0], tau[1]-b[1]
	a0, a1 := (M[3]*r0-M[1]*r1)/det, (M[0]*r1-M[2]*r0)/det
	h := free.Timestep
	// MuJoCo solves with its own LDLᵀ factorisation: agreement to rounding of O(1)
	// quantities, a few ulps times the condition number of M (< 100 here).
	if math.Abs(v1[0]-(v[0]+h*a0)) > 1e-13 || math.Abs(v1[1]-(v[1]+h*a1)) > 1e-13 {
		t.Errorf("Euler substep v₁ = %v, from M and b: (%v, %v)", v1, v[0]+h*a0, v[1]+h*a1)
	}
	damped := newData(t, load(t))
	M2, b2 := make([]float64, 4), make([]float64, 2)
	if err := damped.Dynamics(q, v, M2, b2); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		// Same rigid-body terms, plus D v with D = 1: exact up to one rounding.
		if math.Abs(b2[i]-b[i]-v[i]) > 1e-15 {
			t.Errorf("bias[%d] with damping %v − without %v ≠ D·v = %v", i, b2[i], b[i], v[i])
		}
	}
	for i := range M {
		if M[i] != M2[i] {
			t.Errorf("damping changed M[%d]: %v vs %v", i, M2[i], M[i])
		}
	}
}

// TestCapacity: with room for one constraint row (njmax = 1) and the tip inside two
// overlapping blocks (two contacts), the constraint buffer overflows; Step reports it
// instead of silently dropping a contact.
func TestCapacity(t *testing.T) {
	tiny, err := LoadXML(strings.Replace(twoLink, `<worldbody>`, `<size njmax="1"/><worldbody>
    <geom name="block2" type="box" pos="0.5 0.35 0" size="0.06 0.04 0.05" contype="1" conaffinity="1"/>`, 1))
	if err != nil {
		t.Fatal(err)
	}
	d := newData(t, tiny)
	if err := d.Reset([]float64{0.5, 0.22}, nil); err != nil { // tip inside the block
		t.Fatal(err)
	}
	err = d.Step([]float64{0, 0}, 5)
	var ce *CapacityError
	if !errors.As(err, &ce) || ce.Substep != 0 {
		t.Fatalf("Step with njmax = 1 and two contacts: %v, want a *CapacityError at substep 0", err)
	}
	if err := d.Step([]float64{0, 0}, 1); err == nil {
		t.Error("Step after a capacity error (no Reset) gave no error")
	}
	// Free motion still works after Reset.
	if err := d.Reset([]float64{-1, 0}, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Step([]float64{0, 0}, 5); err != nil {
		t.Fatal(err)
	}
}
