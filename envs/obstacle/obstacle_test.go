package obstacle

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/mirrorgps/mirrorgps/envs"
	_ "github.com/mirrorgps/mirrorgps/internal/blasimpl"
	"github.com/mirrorgps/mirrorgps/mdgps/cost"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

type constPolicy [2]float64

func (c constPolicy) Act(t int, x, obs, noise, u []float64) { u[0], u[1] = c[0], c[1] }

func TestMass(t *testing.T) {
	// tasks.md §2 gives 4.81711 kg (6 digits, as printed by MuJoCo).
	if math.Abs(Mass-4.81711) > 5e-6 {
		t.Errorf("mass %v, want 4.81711", Mass)
	}
}

// TestFreeFlight compares free motion with the closed form of the implicit-
// damping Euler recursion v_{k+1} = (m v_k + h u)/(m + h b):
// v_k = v∞ + (v_0 − v∞) a^k, a = m/(m + h b), v∞ = u/b, q_k = q_0 + h Σ_{j=1..k} v_j.
func TestFreeFlight(t *testing.T) {
	env := New()
	simI, _ := env.NewSim()
	sim := simI.(*Sim)
	cases := []struct {
		name string
		x0   []float64
		u    []float64
		eff  [2]float64 // force after clipping
	}{
		{"push", []float64{-3, 3, 0, 0}, []float64{0.7, -0.4}, [2]float64{0.7, -0.4}},
		{"clipped", []float64{-3, 3, 0.2, -0.1}, []float64{5, -7}, [2]float64{1, -1}},
		{"coast", []float64{-3, 3, 0.5, 0.5}, []float64{0, 0}, [2]float64{0, 0}},
	}
	a := Mass / (Mass + Timestep*Damping)
	x := make([]float64, 4)
	o := make([]float64, 4)
	for _, c := range cases {
		sim.SetState(c.x0)
		const steps = 40 // 200 physics steps, far from every wall
		for k := 1; k <= steps; k++ {
			if err := sim.Step(c.u); err != nil {
				t.Fatal(err)
			}
			if sim.Contacts() != 0 {
				t.Fatalf("%s: unexpected contact", c.name)
			}
			sim.Observe(x, o, nil, nil)
			n := k * Substeps
			for i := range 2 {
				vinf := c.eff[i] / Damping
				v0 := c.x0[2+i]
				vk := vinf + (v0-vinf)*math.Pow(a, float64(n))
				// Σ_{j=1..n} v_j = n v∞ + (v0 − v∞) a (1 − aⁿ)/(1 − a)
				q := c.x0[i] + Timestep*(float64(n)*vinf+(v0-vinf)*a*(1-math.Pow(a, float64(n)))/(1-a))
				// 1e-12: 200 recursive steps of O(1) values against a closed form
				// evaluated with pow; rounding accumulates to ~1e-14.
				if math.Abs(x[i]-q) > 1e-12 || math.Abs(x[2+i]-vk) > 1e-12 {
					t.Fatalf("%s k=%d axis %d: q=%.15g v=%.15g, want %.15g %.15g", c.name, k, i, x[i], x[2+i], q, vk)
				}
			}
			if !slices.Equal(o, x) {
				t.Fatalf("observation %v differs from state %v", o, x)
			}
		}
	}
}

// TestContact: pushing into a wall stops the particle at the contact distance
// (radii + ParticleHalfLength + Margin); it never comes closer; a tangential
// force slides it exactly as in free flight (no friction).
func TestContact(t *testing.T) {
	env := New()
	cases := []struct {
		name  string
		cond  int
		u     constPolicy
		restX float64 // x where the particle comes to rest, or NaN
	}{
		{"wall1 head-on", 3, constPolicy{1, 0}, 1 - 0.1 - 0.1 - ParticleHalfLength - Margin},
		{"disc head-on", 2, constPolicy{1, 0}, 2 - 0.2 - 0.1 - ParticleHalfLength - Margin},
		{"wall2 head-on", 1, constPolicy{1, 0}, 1 - 0.1 - 0.1 - ParticleHalfLength - Margin},
	}
	for _, c := range cases {
		sim, _ := env.NewSim()
		s := envs.NewSample(env)
		if err := envs.Rollout(sim, c.u, c.cond, nil, s); err != nil {
			t.Fatal(err)
		}
		final := s.State(s.T - 1)
		// 1e-9: the hard contact holds the gap to rounding once at rest.
		if math.Abs(final[0]-c.restX) > 1e-9 || math.Abs(final[2]) > 1e-9 {
			t.Errorf("%s: final x %.12g vx %.3g, want rest at %.12g", c.name, final[0], final[2], c.restX)
		}
		// y is untouched by a head-on contact with a vertical face or the disc's
		// front (normal along x).
		if final[1] != s.State(0)[1] {
			t.Errorf("%s: y moved from %v to %v", c.name, s.State(0)[1], final[1])
		}
		checkClearance(t, c.name, s)
	}

	// Sliding along wall1's face: from rest against it, push (+1, +0.5). The
	// y motion must equal free flight (frictionless); x stays at the face.
	simI, _ := env.NewSim()
	sim := simI.(*Sim)
	face := 1 - 0.1 - 0.1 - ParticleHalfLength - Margin
	sim.SetState([]float64{face, 0.6, 0, 0})
	free, _ := env.NewSim()
	freeSim := free.(*Sim)
	freeSim.SetState([]float64{-5, 0.6, 0, 0})
	x, fx := make([]float64, 4), make([]float64, 4)
	o := make([]float64, 4)
	for k := range 10 { // 0.5 s: y goes from 0.6 to ~0.61, still along the face
		if err := sim.Step([]float64{1, 0.5}); err != nil {
			t.Fatal(err)
		}
		if sim.Contacts() != Substeps {
			t.Fatalf("step %d: %d contact substeps, want %d", k, sim.Contacts(), Substeps)
		}
		freeSim.Step([]float64{0, 0.5})
		sim.Observe(x, o, nil, nil)
		freeSim.Observe(fx, o, nil, nil)
		// 1e-12: the contact only touches the x component; y must agree to rounding.
		if math.Abs(x[1]-fx[1]) > 1e-12 || math.Abs(x[3]-fx[3]) > 1e-12 || math.Abs(x[0]-face) > 1e-12 {
			t.Fatalf("step %d: sliding state %v, free y %v %v, face x %v", k, x, fx[1], fx[3], face)
		}
	}
}

// checkClearance verifies that no recorded state is closer to a wall than the
// contact distance (up to 1e-12 m of rounding).
func checkClearance(t *testing.T, name string, s *envs.Sample) {
	t.Helper()
	for tt := range s.T {
		x := s.State(tt)
		for _, w := range Walls() {
			d, _, _ := segDist(x[0], x[1], &w)
			if d < ParticleRadius+w.Radius+Margin-1e-12 {
				t.Fatalf("%s: t=%d, distance %.15g to %s below %.15g", name, tt, d, w.Name, ParticleRadius+w.Radius+Margin)
			}
		}
	}
}

// TestSlideAroundDisc drives the particle along the disc at an angle: it must
// deflect around the disc without penetrating and keep moving.
func TestSlideAroundDisc(t *testing.T) {
	env := New()
	sim, _ := env.NewSim()
	s := envs.NewSample(env)
	if err := envs.Rollout(sim, constPolicy{1, 0.15}, 2, nil, s); err != nil {
		t.Fatal(err)
	}
	checkClearance(t, "disc slide", s)
	final := s.State(s.T - 1)
	if final[0] < 3 {
		t.Errorf("particle stuck at %v; frictionless contact should let it slide past the disc", final[:2])
	}
}

func TestEnvBasics(t *testing.T) {
	env := New()
	if env.Name() != "obstacle" || env.T() != 200 || env.Dt() != 0.05 || env.Substeps() != 5 || env.Conditions() != 5 {
		t.Fatalf("bad task settings")
	}
	if d := env.Dims(); d != (envs.Dims{X: 4, U: 2, O: 4, P: 3}) {
		t.Fatalf("dims %v", d)
	}
	wantY := []float64{-1.5, -0.75, 0, 0.75, 1.5}
	for c, y := range wantY {
		x0, err := env.X0(c)
		if err != nil || !slices.Equal(x0, []float64{0, y, 0, 0}) {
			t.Errorf("X0(%d) = %v, %v", c, x0, err)
		}
	}
	var ce *envs.ConditionError
	if _, err := env.X0(5); !errors.As(err, &ce) {
		t.Errorf("X0(5): %v", err)
	}
	sim, _ := env.NewSim()
	if err := sim.Reset(-1); !errors.As(err, &ce) {
		t.Errorf("Reset(-1): %v", err)
	}
	var ae *envs.ActionError
	for _, u := range [][]float64{{1}, {1, 2, 3}, {math.NaN(), 0}, {0, math.Inf(1)}} {
		if err := sim.Reset(0); err != nil {
			t.Fatal(err)
		}
		if err := sim.Step(u); !errors.As(err, &ae) {
			t.Errorf("Step(%v): %v", u, err)
		}
	}
	// The sim is still usable and deterministic after errors.
	a, b := envs.NewSample(env), envs.NewSample(env)
	fresh, _ := env.NewSim()
	envs.Rollout(sim, constPolicy{0.3, -0.2}, 4, nil, a)
	envs.Rollout(fresh, constPolicy{0.3, -0.2}, 4, nil, b)
	if !slices.Equal(a.X, b.X) {
		t.Error("rollout after errors differs from a fresh simulator's")
	}
	// Metric: distance of the final point to (3, 0, 0).
	p := a.Point(a.T - 1)
	want := math.Hypot(p[0]-3, p[1])
	if m := env.Evaluate(a); m.Value != want || m.HasSuccess {
		t.Errorf("metric %+v, want %v without success", m, want)
	}
	// Cost as run: ½((x−3)² + y²) at every step.
	d := cost.NewDerivs(a.T, 4, 2)
	envs.EvalCost(env, a, d)
	for tt := range a.T {
		x := a.State(tt)
		want := 0.5 * ((x[0]-3)*(x[0]-3) + x[1]*x[1])
		// 1e-12 relative: one formula against the generic CostState path.
		if math.Abs(d.L[tt]-want) > 1e-12*want {
			t.Fatalf("t=%d: cost %v, want %v", tt, d.L[tt], want)
		}
	}
	// The intended cost differs (l1 = 0.1, final ×10).
	d2 := cost.NewDerivs(a.T, 4, 2)
	envs.EvalCost(env.WithCost(IntendedCost()), a, d2)
	if d2.L[0] == d.L[0] {
		t.Error("IntendedCost equals the as-run cost")
	}
}

// paperInit returns the paper's initial controller for condition cond
// (tasks.md §2: init_lqr with init_var 1, stiffness 10, stiffness_vel 10).
func paperInit(tb testing.TB, env *Env, cond int) *lingauss.Policy {
	x0, err := env.X0(cond)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := lingauss.DefaultInitLQR(env.T(), 4, 2, env.Dt(), x0)
	cfg.InitVar, cfg.Stiffness, cfg.StiffnessVel = 1, 10, 10
	pol, err := lingauss.InitLQR(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return pol
}

// TestInitialControllerHolds: spec §17.3 item 10 on the real dynamics: with zero
// noise the init_lqr controller applies no force at x0 at rest (to rounding), so the
// particle stays there; with noise it wanders but stays near.
func TestInitialControllerHolds(t *testing.T) {
	env := New()
	sim, _ := env.NewSim()
	for c := range env.Conditions() {
		pol := paperInit(t, env, c)
		s := envs.NewSample(env)
		if err := envs.Rollout(sim, pol, c, nil, s); err != nil {
			t.Fatal(err)
		}
		x0, _ := env.X0(c)
		for tt := range s.T {
			for i, v := range s.State(tt) {
				// 1e-12: K_t x0 + k_t cancels to rounding (~1e-16 N), not exactly 0.
				if math.Abs(v-x0[i]) > 1e-12 {
					t.Fatalf("cond %d t=%d: state %v, want x0 %v", c, tt, s.State(tt), x0)
				}
			}
		}
	}
	samples, err := (&envs.Runner{Env: env, Noise: envs.DefaultNoise()}).Run(
		envs.Jobs([]int{0, 2}, []envs.Policy{paperInit(t, env, 0), paperInit(t, env, 2)}, 3, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		x0, _ := env.X0(s.Cond)
		for tt := range s.T {
			x := s.State(tt)
			// The controller holds x0 against ≤1 N noise forces on a 4.8 kg
			// mass: excursions stay well below 0.5 m.
			if math.Hypot(x[0]-x0[0], x[1]-x0[1]) > 0.5 {
				t.Fatalf("cond %d t=%d: drifted to %v", s.Cond, tt, x[:2])
			}
		}
		checkClearance(t, "noisy hold", s)
	}
}

// TestRunnerBitIdentical: one sampling phase of the paper's setting (5
// conditions × 5 samples) gives bit-identical samples with 1 and 3 workers.
func TestRunnerBitIdentical(t *testing.T) {
	env := New()
	conds := []int{0, 1, 2, 3, 4}
	pols := make([]envs.Policy, len(conds))
	for i, c := range conds {
		pols[i] = paperInit(t, env, c)
	}
	jobs := envs.Jobs(conds, pols, 5, 11, 2)
	a, err := (&envs.Runner{Env: env, Noise: envs.DefaultNoise(), Workers: 1}).Run(jobs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := (&envs.Runner{Env: env, Noise: envs.DefaultNoise(), Workers: 3}).Run(jobs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range jobs {
		if !slices.Equal(a[i].X, b[i].X) || !slices.Equal(a[i].U, b[i].U) || !slices.Equal(a[i].J, b[i].J) || !slices.Equal(a[i].Noise, b[i].Noise) {
			t.Fatalf("job %d differs between 1 and 3 workers", i)
		}
	}
}
