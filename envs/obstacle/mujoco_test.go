package obstacle

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/internal/mujoco"
)

// sceneXML is the obstacle course as an MJCF model, written from the numbers of
// tasks.md §2 and configs.md §5.1 (not copied from the reference): Euler at
// h = 0.01, zero gravity, unlimited slide joints with damping 1, frictionless
// (condim 1) contacts with margin 0.002, force motors clipped to ±1. The walls lie
// flat at z = 0 (the reference's 0.01 rise in z is irrelevant in the plane).
func sceneXML() string {
	var walls strings.Builder
	for _, w := range Walls() {
		fmt.Fprintf(&walls, "    <geom name=%q type=\"capsule\" fromto=\"%g %g 0 %g %g 0\" size=\"%g\" contype=\"1\" conaffinity=\"1\"/>\n",
			w.Name, w.A[0], w.A[1], w.B[0], w.B[1], w.Radius)
	}
	return `<mujoco model="obstacle_course">
  <compiler angle="radian" inertiafromgeom="true"/>
  <option timestep="0.01" gravity="0 0 0" integrator="Euler" iterations="20"/>
  <default>
    <joint limited="false" damping="1"/>
    <geom density="1000" margin="0.002" condim="1" contype="2" conaffinity="1"/>
  </default>
  <worldbody>
    <body name="particle" pos="0 0 0">
      <joint name="slide_x" type="slide" axis="1 0 0"/>
      <joint name="slide_y" type="slide" axis="0 1 0"/>
      <geom name="particle" type="capsule" fromto="-0.01 0 0 0.01 0 0" size="0.1"/>
      <site name="particle_site" pos="0 0 0"/>
    </body>
` + walls.String() + `    <geom name="target" type="sphere" pos="3 0 0" size="0.05" contype="0" conaffinity="0"/>
  </worldbody>
  <actuator>
    <motor joint="slide_x" gear="1" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="slide_y" gear="1" ctrllimited="true" ctrlrange="-1 1"/>
  </actuator>
</mujoco>`
}

// loadScene compiles sceneXML, skipping the test when the build has no MuJoCo.
func loadScene(t *testing.T) (*mujoco.Model, *mujoco.Data) {
	t.Helper()
	m, err := mujoco.LoadXML(sceneXML())
	if errors.Is(err, mujoco.ErrUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	d, err := mujoco.NewData(m)
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close(); m.Close() })
	return m, d
}

// TestMuJoCoMass: MuJoCo computes the particle's mass from the capsule geom as
// we do (body 1 is the particle).
func TestMuJoCoMass(t *testing.T) {
	m, _ := loadScene(t)
	// 1e-12 relative: both are ρ·(π r²·2ℓ + 4/3 π r³) in float64.
	if got := m.BodyMass(1); math.Abs(got-Mass) > 1e-12*Mass {
		t.Errorf("MuJoCo mass %.15g, ours %.15g", got, Mass)
	}
}

// TestMuJoCoFreeFlight runs both simulators side by side for a full episode
// far from the walls, under random (partly clipped) forces: issue 4 item 2 asks
// for ≈1e-9 agreement.
func TestMuJoCoFreeFlight(t *testing.T) {
	_, d := loadScene(t)
	simI, _ := New().NewSim()
	sim := simI.(*Sim)
	x0 := []float64{-4, 4, 0.3, -0.2} // starts 3 m away from every wall
	sim.SetState(x0)
	if err := d.Reset(x0[:2], x0[2:]); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	x, o := make([]float64, 4), make([]float64, 4)
	q, v := make([]float64, 2), make([]float64, 2)
	worst := 0.0
	for k := range Horizon - 1 {
		u := []float64{1.5 * rng.NormFloat64(), 1.5 * rng.NormFloat64()}
		if err := sim.Step(u); err != nil {
			t.Fatal(err)
		}
		if err := d.Step(u, Substeps); err != nil {
			t.Fatal(err)
		}
		if sim.Contacts() != 0 || d.NCon() != 0 {
			t.Fatalf("step %d: contact in the free-flight test", k)
		}
		sim.Observe(x, o, nil, nil)
		d.QPos(q)
		d.QVel(v)
		for i := range 2 {
			worst = max(worst, math.Abs(x[i]-q[i]), math.Abs(x[2+i]-v[i]))
		}
	}
	t.Logf("free flight, 995 physics steps: max |Δq|, |Δv| = %.2g", worst)
	// 1e-9 (issue 4 item 2): the same Euler recursion; only the order of
	// floating-point operations differs.
	if worst > 1e-9 {
		t.Errorf("free flight deviates by %g from MuJoCo", worst)
	}
}

// TestMuJoCoContact compares one control step at a time, both simulators
// starting from MuJoCo's state, along MuJoCo trajectories that push into and
// slide along the walls: issue 4 item 2 allows ≤ 5 mm per control step in
// contact (hard versus soft contact).
func TestMuJoCoContact(t *testing.T) {
	_, d := loadScene(t)
	simI, _ := New().NewSim()
	sim := simI.(*Sim)
	cases := []struct {
		name string
		x0   []float64
		u    []float64
	}{
		{"into wall1", []float64{0, 0.75, 0, 0}, []float64{1, 0}},
		{"slide on wall1", []float64{0.6, 0.7, 0, 0}, []float64{1, 0.6}},
		{"into the disc", []float64{0, 0, 0, 0}, []float64{1, 0}},
		{"around the disc", []float64{0, 0, 0, 0}, []float64{1, 0.08}},
		{"wall4 corner", []float64{1.5, 1.0, 0, 0}, []float64{1, 0.3}},
		{"wall2 face, sliding down", []float64{0.3, -0.7, 0, 0}, []float64{1, -0.3}},
	}
	q, v := make([]float64, 2), make([]float64, 2)
	x, o := make([]float64, 4), make([]float64, 4)
	worst, contactSteps := 0.0, 0
	for _, c := range cases {
		if err := d.Reset(c.x0[:2], c.x0[2:]); err != nil {
			t.Fatal(err)
		}
		caseContacts := 0
		for k := range Horizon - 1 {
			d.QPos(q)
			d.QVel(v)
			start := []float64{q[0], q[1], v[0], v[1]}
			sim.SetState(start)
			// Step MuJoCo from a fresh reset at that state, so both start equal.
			if err := d.Reset(q, v); err != nil {
				t.Fatal(err)
			}
			if err := d.Step(c.u, Substeps); err != nil {
				t.Fatal(err)
			}
			if err := sim.Step(c.u); err != nil {
				t.Fatal(err)
			}
			sim.Observe(x, o, nil, nil)
			d.QPos(q)
			dev := math.Hypot(x[0]-q[0], x[1]-q[1])
			// A step is in the contact regime when either engine reports a
			// contact, or when the particle comes within one step's travel of a
			// wall's contact distance (MuJoCo reports only the contacts of its
			// last substep).
			reach := math.Hypot(start[2], start[3])*Dt + 1e-3
			if sim.Contacts() > 0 || d.NCon() > 0 || nearWall(start, reach) || nearWall(x, reach) || nearWall(q, reach) {
				caseContacts++
				worst = max(worst, dev)
				// 5 mm (issue 4 item 2): MuJoCo's soft contact lets the particle
				// sink into the margin; the hard contact stops it at the margin.
				if dev > 5e-3 {
					t.Errorf("%s, step %d: position differs by %.4g m in contact", c.name, k, dev)
				}
			} else if dev > 1e-9 {
				// Free steps: same recursion as TestMuJoCoFreeFlight.
				t.Errorf("%s, step %d: position differs by %g without contact", c.name, k, dev)
			}
		}
		if caseContacts == 0 {
			t.Errorf("%s: no contact happened; the case tests nothing", c.name)
		}
		contactSteps += caseContacts
	}
	t.Logf("%d control steps in contact: max position deviation %.3g m", contactSteps, worst)
}

// nearWall reports whether position p (x, y first) is within slack of some
// wall's contact distance.
func nearWall(p []float64, slack float64) bool {
	for _, w := range Walls() {
		if d, _, _ := segDist(p[0], p[1], &w); d < ParticleRadius+w.Radius+Margin+slack {
			return true
		}
	}
	return false
}

// TestMuJoCoEpisodes runs whole noisy episodes of the paper's initial
// controllers and of a wall-seeking controller in both engines (no re-syncing)
// and compares the task metric, the final distance to the target.
func TestMuJoCoEpisodes(t *testing.T) {
	_, d := loadScene(t)
	env := New()
	simI, _ := env.NewSim()
	sim := simI.(*Sim)
	cfg := envs.DefaultNoise()
	q := make([]float64, 2)
	x, o := make([]float64, 4), make([]float64, 4)
	worst := 0.0
	for cond := range env.Conditions() {
		for _, pol := range []envs.Policy{paperInit(t, env, cond), constPolicy{1, 0.1}} {
			noise := make([]float64, env.T()*2)
			cfg.Generate(noise, env.T(), 2, envs.Key{Seed: 3, Cond: cond}.Rand())
			x0, _ := env.X0(cond)
			if err := sim.Reset(cond); err != nil {
				t.Fatal(err)
			}
			if err := d.Reset(x0[:2], x0[2:]); err != nil {
				t.Fatal(err)
			}
			u := make([]float64, 2)
			mjx := make([]float64, 4)
			for k := range env.T() - 1 {
				sim.Observe(x, o, nil, nil)
				pol.Act(k, x, o, noise[2*k:2*k+2], u)
				sim.Step(u)
				d.QPos(mjx[:2])
				d.QVel(mjx[2:])
				pol.Act(k, mjx, mjx, noise[2*k:2*k+2], u)
				if err := d.Step(u, Substeps); err != nil {
					t.Fatal(err)
				}
			}
			sim.Observe(x, o, nil, nil)
			d.QPos(q)
			dev := math.Abs(math.Hypot(x[0]-3, x[1]) - math.Hypot(q[0]-3, q[1]))
			worst = max(worst, dev)
		}
	}
	t.Logf("final distance to target, Go vs MuJoCo over 10 episodes: max difference %.3g m", worst)
	// 5 cm: measured 2.6 cm. After an impact MuJoCo's soft contact rebounds at
	// ~0.1 m/s where the hard contact stops dead, and the closed loops then
	// drift apart by centimetres; the paper's metric spans 0–3 m.
	if worst > 0.05 {
		t.Errorf("final distance differs by %.3g m between the engines", worst)
	}
}
