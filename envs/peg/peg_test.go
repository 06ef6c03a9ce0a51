//go:build cgo && !nomujoco

package peg

import (
	"math"
	"strings"
	"testing"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/internal/mujoco"
	_ "github.com/mirrorgps/mirrorgps/internal/blasimpl"
	"github.com/mirrorgps/mirrorgps/mdgps/cost"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

func mustEnv(t testing.TB, cfg Config) *Env {
	t.Helper()
	e, err := NewConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestInserterAllConditions: the scripted inserter (IK + computed torque) gets the
// peg into the hole in all 9 + 4 paper conditions (and the 4 of the HEAD example).
// tasks.md §5 measured a final bottom height of −0.4929 for its inserter (the peg
// wedges between the tilted guide plates just above the floor); ours presses harder
// and ends near −0.497.
func TestInserterAllConditions(t *testing.T) {
	for _, cfg := range []Config{PegConfig(), BlindConfig(), ExampleConfig()} {
		e := mustEnv(t, cfg)
		si, err := e.NewSim()
		if err != nil {
			t.Fatal(err)
		}
		s := envs.NewSample(e)
		for c := range e.Conditions() {
			pol, err := newInserter(e, c)
			if err != nil {
				t.Fatalf("%s condition %d: %v", cfg.Name, c, err)
			}
			if err := envs.Rollout(si, pol, c, nil, s); err != nil {
				t.Fatalf("%s condition %d: %v", cfg.Name, c, err)
			}
			m := e.Evaluate(s)
			p := s.Point(e.T() - 1)
			t.Logf("%s condition %d: final bottom (%.4f, %.4f, %.4f), top (%.4f, %.4f, %.4f), success %v",
				cfg.Name, c, p[0], p[1], p[2], p[3], p[4], p[5], m.Success)
			if !m.HasSuccess || !m.Success || m.Value != p[2] {
				t.Errorf("%s condition %d: metric %+v, want success with value z = %v", cfg.Name, c, m, p[2])
			}
			// The peg ends pressed into the hole: in contact, its bottom below the
			// guide plates' engagement height −0.49 (tasks.md §3.2) and above the floor
			// top −0.5 minus the 2 mm contact margin and a few mm of soft penetration.
			if n := si.(*sim).d.NCon(); n == 0 || p[2] > -0.49 || p[2] < -0.505 {
				t.Errorf("%s condition %d: final bottom z = %.4f with %d contacts, want z in [−0.505, −0.49] in contact", cfg.Name, c, p[2], n)
			}
		}
	}
}

// TestModel checks our MJCF against the numbers of tasks.md §3.1 and §3.3: body
// masses as MuJoCo 2.2.2 computes them from the geoms, and the initial end-effector
// points of the zero-offset condition; other conditions shift them by the offset.
func TestModel(t *testing.T) {
	e := mustEnv(t, PegConfig())
	m := e.models[0]
	// Masses are quoted to 5 significant digits in tasks.md: relative 5e-5.
	for _, tc := range []struct {
		body string
		mass float64
	}{
		{"shoulder_pan", 24.312}, {"shoulder_lift", 10.472}, {"upper_arm_roll", 0.28484},
		{"upper_arm", 5.4287}, {"elbow_flex", 1.3572}, {"forearm_roll", 0.28484},
		{"forearm", 3.0447}, {"wrist_flex", 0.016755}, {"wrist_roll", 0.016755},
		{"gripper_palm", 0.83776}, {"peg", 1.4778}, {"l_finger", 0.032936},
		{"r_finger", 0.032936}, {"l_fingertip", 0.032894}, {"r_fingertip", 0.032894}, {"tool_frame", 0},
	} {
		id, err := m.ID(mujoco.Body, tc.body)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.BodyMass(id); math.Abs(got-tc.mass) > 5e-5*tc.mass {
			t.Errorf("mass of %s = %.6g kg, want %.5g", tc.body, got, tc.mass)
		}
	}
	if id, _ := m.ID(mujoco.Body, "shoulder_pan"); id != 1 {
		t.Errorf("the arm base is body %d, want 1 (the conditions move body 1)", id)
	}
	if lo, hi := m.CtrlRange(3); lo != -100 || hi != 100 {
		t.Errorf("control range [%g, %g], want ±100", lo, hi)
	}
	// Initial points of offset (0, 0), quoted to 4 decimals in tasks.md §3.3.
	want := []float64{0.3696, 0.3782, -0.1280, 0.4043, 0.3120, 0.1625}
	offs := e.cfg.Offsets
	for c := range e.Conditions() {
		x0, err := e.X0(c)
		if err != nil {
			t.Fatal(err)
		}
		for i := range NQ {
			if x0[i] != Q0[i] || x0[NQ+i] != 0 {
				t.Fatalf("condition %d: x0 joints %v, want q0 = %v and zero velocity", c, x0[:2*NQ], Q0)
			}
		}
		for i := range DP {
			w := want[i]
			if i%3 < 2 {
				w += offs[c][i%3]
			}
			// 5e-5: half a unit of the 4th decimal of the quoted value.
			if got := x0[2*NQ+i]; math.Abs(got-w) > 5e-5 {
				t.Errorf("condition %d: x0 point coordinate %d = %.5f, want %.4f", c, i, got, w)
			}
			if x0[2*NQ+DP+i] != 0 {
				t.Errorf("condition %d: initial point velocity %v, want 0", c, x0[2*NQ+DP+i])
			}
		}
	}
}

func TestDims(t *testing.T) {
	for _, tc := range []struct {
		cfg   Config
		name  string
		conds int
		dO    int
	}{
		{PegConfig(), "peg", 9, 26},
		{BlindConfig(), "blindpeg", 4, 14},
	} {
		e := mustEnv(t, tc.cfg)
		want := envs.Dims{X: 26, U: 7, O: tc.dO, P: 6}
		if e.Name() != tc.name || e.Dims() != want || e.Conditions() != tc.conds || e.T() != 100 ||
			e.Dt() != 0.05 || e.Substeps() != 5 {
			t.Errorf("%s: name %q dims %+v conditions %d T %d dt %v substeps %d; want %q %+v %d 100 0.05 5",
				tc.name, e.Name(), e.Dims(), e.Conditions(), e.T(), e.Dt(), e.Substeps(), tc.name, want, tc.conds)
		}
	}
	peg := PegOffsets()
	wantPeg := [][2]float64{{-.1, -.1}, {-.1, 0}, {-.1, .1}, {0, -.1}, {0, 0}, {0, .1}, {.1, -.1}, {.1, 0}, {.1, .1}}
	for i := range wantPeg {
		if peg[i] != wantPeg[i] {
			t.Errorf("peg offset %d = %v, want %v", i, peg[i], wantPeg[i])
		}
	}
	if b := BlindOffsets(); len(b) != 4 || b[0] != [2]float64{0.012, 0.012} || b[1] != [2]float64{0.012, -0.012} ||
		b[2] != [2]float64{-0.012, -0.012} || b[3] != [2]float64{-0.012, 0.012} {
		t.Errorf("blind offsets %v", b)
	}
	// Quirk Q27: the HEAD offsets, four distinct ones.
	if x := ExampleOffsets(); len(x) != 4 || x[0] != [2]float64{-0.08, -0.08} || x[1] != [2]float64{-0.08, 0.08} ||
		x[2] != [2]float64{0.08, 0.08} || x[3] != [2]float64{0.08, -0.08} {
		t.Errorf("example offsets %v", x)
	}
}

// TestSampleLayout: in a rollout the state is [q, q̇, p, ṗ] with ṗ the finite
// difference of p over dt (0 at t = 0), the observation is the state (peg) or its
// first 14 components (blind peg), and the recorded points are the state's.
func TestSampleLayout(t *testing.T) {
	for _, cfg := range []Config{PegConfig(), BlindConfig()} {
		e := mustEnv(t, cfg)
		sim, err := e.NewSim()
		if err != nil {
			t.Fatal(err)
		}
		defer sim.Close()
		pol, err := newInserter(e, 1)
		if err != nil {
			t.Fatal(err)
		}
		s := envs.NewSample(e)
		if err := envs.Rollout(sim, pol, 1, nil, s); err != nil {
			t.Fatal(err)
		}
		dO := e.Dims().O
		for k := range e.T() {
			x, o, p := s.State(k), s.Observation(k), s.Point(k)
			for i := range dO {
				if o[i] != x[i] {
					t.Fatalf("%s t=%d: obs[%d] = %v ≠ x[%d] = %v", cfg.Name, k, i, o[i], i, x[i])
				}
			}
			for i := range DP {
				if p[i] != x[2*NQ+i] {
					t.Fatalf("%s t=%d: point %d = %v ≠ state %v", cfg.Name, k, i, p[i], x[2*NQ+i])
				}
				want := 0.0
				if k > 0 {
					want = (p[i] - s.Point(k - 1)[i]) / 0.05
				}
				if x[2*NQ+DP+i] != want {
					t.Fatalf("%s t=%d: point velocity %d = %v, want %v", cfg.Name, k, i, x[2*NQ+DP+i], want)
				}
			}
		}
		x0, _ := e.X0(1)
		for i, v := range x0 {
			if s.X[i] != v {
				t.Fatalf("%s: recorded x_0[%d] = %v, X0 gives %v", cfg.Name, i, s.X[i], v)
			}
		}
	}
}

// TestJacobian: Observe's Jacobian holds ∂p/∂q in the joint-angle columns (checked
// against central differences of the site positions) and zeros elsewhere.
func TestJacobian(t *testing.T) {
	e := mustEnv(t, PegConfig())
	si, err := e.NewSim()
	if err != nil {
		t.Fatal(err)
	}
	s := si.(*sim)
	if err := s.Reset(6); err != nil {
		t.Fatal(err)
	}
	q := []float64{0.3, 0.2, -1.2, -1.1, 1.3, -0.5, 0.4}
	if err := s.d.Reset(q, nil); err != nil {
		t.Fatal(err)
	}
	s.read()
	x, o, p, J := make([]float64, DX), make([]float64, DX), make([]float64, DP), make([]float64, DP*DX)
	s.Observe(x, o, p, J)
	const h = 1e-6
	pp, pm := make([]float64, DP), make([]float64, DP)
	for j := range DX {
		if j >= NQ {
			for i := range DP {
				if J[i*DX+j] != 0 {
					t.Fatalf("J[%d,%d] = %v, want 0 outside the joint-angle columns", i, j, J[i*DX+j])
				}
			}
			continue
		}
		for _, sg := range []float64{1, -1} {
			qq := append([]float64(nil), q...)
			qq[j] += sg * h
			s.d.Reset(qq, nil)
			s.read()
			if sg > 0 {
				s.Observe(x, o, pp, nil)
			} else {
				s.Observe(x, o, pm, nil)
			}
		}
		for i := range DP {
			fd := (pp[i] - pm[i]) / (2 * h)
			// Central differences on O(1) lengths: truncation ~h² ≈ 1e-12,
			// rounding ~ε/h ≈ 1e-10.
			if math.Abs(fd-J[i*DX+j]) > 1e-8 {
				t.Errorf("J[%d,%d] = %.10g, central difference %.10g", i, j, J[i*DX+j], fd)
			}
		}
	}
}

// TestCost evaluates the task cost along an inserter rollout and compares ℓ_t with
// the formula written out in configs.md §2.2, plus the constant ½ log(1e-5) that the
// final-only term contributes at t < T−1 (configs.md leaves it out; the reference's
// evallogl2term computes it).
func TestCost(t *testing.T) {
	e := mustEnv(t, PegConfig())
	sim, err := e.NewSim()
	if err != nil {
		t.Fatal(err)
	}
	pol, err := newInserter(e, 2)
	if err != nil {
		t.Fatal(err)
	}
	s := envs.NewSample(e)
	if err := envs.Rollout(sim, pol, 2, nil, s); err != nil {
		t.Fatal(err)
	}
	d := cost.NewDerivs(e.T(), DX, DU)
	envs.EvalCost(e, s, d)
	W := FKWeights
	for k := range e.T() {
		u, p := s.Action(k), s.Point(k)
		want := 0.0
		for j := range DU {
			want += 0.5 * 1e-3 / PR2Gains[j] * u[j] * u[j]
		}
		dWd, Wd2 := 0.0, 0.0
		for i := range DP {
			di := p[i] - Target[i]
			dWd += W[i] * di * di
			Wd2 += W[i] * di * W[i] * di
		}
		want += 5*dWd + 0.05*math.Log(1e-5+Wd2)
		if k == e.T()-1 {
			want += 0.5 * math.Log(1e-5+100*Wd2)
		} else {
			// The final-only term has zero weights before T−1, which leaves
			// ½·l1·log(α): a constant the reference's costs carry too.
			want += 0.5 * math.Log(1e-5)
		}
		// Same sums in another order: relative 1e-12 of the terms' magnitude.
		if math.Abs(d.L[k]-want) > 1e-12*(1+math.Abs(want)) {
			t.Errorf("ℓ_%d = %.15g, formula %.15g", k, d.L[k], want)
		}
	}
	// Compat changes only the Hessian (quirk Q9), never ℓ or its gradient.
	ec := mustEnv(t, Config{Name: "peg", Offsets: PegOffsets(), T: T, Compat: true})
	dc := cost.NewDerivs(e.T(), DX, DU)
	envs.EvalCost(ec, s, dc)
	same := func(a, b []float64) bool {
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	if !same(d.L, dc.L) || !same(d.Lx, dc.Lx) || !same(d.Lu, dc.Lu) || !same(d.Luu, dc.Luu) {
		t.Error("Compat changed the cost or its gradient")
	}
	if same(d.Lxx, dc.Lxx) {
		t.Error("Compat did not change the Hessian")
	}
}

// holdPolicy returns init_lqr-like exploration around the start: zero mean torque
// plus R_tᵀξ_t with Σ_t = 25 I (5 N·m standard deviation per joint).
func holdPolicy(t *testing.T) *lingauss.Policy {
	p := lingauss.NewPolicy(T, DX, DU)
	cov := make([]float64, DU*DU)
	for i := range DU {
		cov[i*DU+i] = 25
	}
	for k := range T {
		if err := p.SetCov(k, cov); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// TestParallelDeterminism: noisy rollouts of all conditions give bit-identical
// samples with one worker and with two (each its own simulator; spec §2.3 noise from
// per-(seed, iteration, condition, sample) streams), and rerunning gives the same.
func TestParallelDeterminism(t *testing.T) {
	e := mustEnv(t, PegConfig())
	conds := make([]int, e.Conditions())
	pols := make([]envs.Policy, e.Conditions())
	hold := holdPolicy(t)
	for c := range conds {
		conds[c], pols[c] = c, hold
	}
	jobs := envs.Jobs(conds, pols, 2, 7, 3)
	run := func(workers int) []*envs.Sample {
		r := envs.Runner{Env: e, Noise: envs.DefaultNoise(), Workers: workers}
		s, err := r.Run(jobs)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	one, two, again := run(1), run(2), run(2)
	for j := range jobs {
		sameSample(t, "1 vs 2 workers", one[j], two[j])
		sameSample(t, "rerun", two[j], again[j])
	}
	// The noise must matter: two samples of one condition differ.
	if one[0].X[(T-1)*DX] == one[1].X[(T-1)*DX] {
		t.Error("two noisy samples of condition 0 end in the same state")
	}
}

// TestCapacityOnly: the <size> element of arm.xml only shrinks MuJoCo's buffers; the
// inserter's rollout is bit-identical with MuJoCo's default capacities.
func TestCapacityOnly(t *testing.T) {
	const size = `<size njmax="100" nconmax="50"/>`
	if !strings.Contains(armXML, size) {
		t.Fatal("arm.xml has no size element")
	}
	var samples []*envs.Sample
	for _, xml := range []string{armXML, strings.Replace(armXML, size, "", 1)} {
		cfg := PegConfig()
		cfg.ModelXML = xml
		e := mustEnv(t, cfg)
		sim, err := e.NewSim()
		if err != nil {
			t.Fatal(err)
		}
		pol, err := newInserter(e, 8)
		if err != nil {
			t.Fatal(err)
		}
		s := envs.NewSample(e)
		if err := envs.Rollout(sim, pol, 8, nil, s); err != nil {
			t.Fatal(err)
		}
		samples = append(samples, s)
	}
	sameSample(t, "default capacities", samples[0], samples[1])
}

// constTorque applies the same torque vector at every step.
type constTorque []float64

func (c constTorque) Act(t int, x, obs, noise, u []float64) { copy(u, c) }

// TestClipping (spec quirk Q24): MuJoCo clips torques to ±100 N·m, while the sample
// keeps the policy's unclipped action.
func TestClipping(t *testing.T) {
	cfg := PegConfig()
	cfg.T = 6
	e := mustEnv(t, cfg)
	sim, err := e.NewSim()
	if err != nil {
		t.Fatal(err)
	}
	big := constTorque{500, -300, 0, 0, 0, 0, 250}
	clipped := constTorque{100, -100, 0, 0, 0, 0, 100}
	a, b := envs.NewSample(e), envs.NewSample(e)
	if err := envs.Rollout(sim, big, 0, nil, a); err != nil {
		t.Fatal(err)
	}
	if err := envs.Rollout(sim, clipped, 0, nil, b); err != nil {
		t.Fatal(err)
	}
	for i := range a.X {
		if a.X[i] != b.X[i] {
			t.Fatalf("X[%d]: %v with torque %v, %v with the clipped torque", i, a.X[i], big, b.X[i])
		}
	}
	if a.U[0] != 500 || a.U[(cfg.T-1)*DU+6] != 250 {
		t.Errorf("recorded actions %v…, want the unclipped 500, …, 250", a.U[:DU])
	}
	if a.X[(cfg.T-1)*DX] == a.X[0] {
		t.Error("the torque did not move the arm")
	}
}

// TestInitLQRSampling is the first sampling phase of a peg run: the reference's
// init_lqr controllers (configs.md §2.2: gains 1/PR2_GAINS, stiffness 1, velocity
// stiffness 0.5, final weight 50, variance 1) from each condition's X0, 2 noisy
// samples per condition on the parallel runner (seeded, so the outcome is fixed).
// Every sample must be finite, have a finite cost and fail (a hold-position
// controller does not insert the peg).
func TestInitLQRSampling(t *testing.T) {
	e := mustEnv(t, PegConfig())
	conds := make([]int, e.Conditions())
	pols := make([]envs.Policy, e.Conditions())
	for c := range conds {
		x0, err := e.X0(c)
		if err != nil {
			t.Fatal(err)
		}
		cfg := lingauss.DefaultInitLQR(e.T(), DX, DU, e.Dt(), x0)
		for i, g := range PR2Gains {
			cfg.InitGains[i] = 1 / g
		}
		cfg.FinalWeight = 50
		p, err := lingauss.InitLQR(cfg)
		if err != nil {
			t.Fatal(err)
		}
		conds[c], pols[c] = c, p
	}
	r := envs.Runner{Env: e, Noise: envs.DefaultNoise()}
	samples, err := r.Run(envs.Jobs(conds, pols, 2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	d := cost.NewDerivs(e.T(), DX, DU)
	for j, s := range samples {
		for _, arr := range [][]float64{s.X, s.U, s.P, s.J} {
			if err := lingauss.CheckFinite("sample", arr); err != nil {
				t.Fatalf("sample %d: %v", j, err)
			}
		}
		envs.EvalCost(e, s, d)
		total := 0.0
		for _, l := range d.L {
			total += l
		}
		m := e.Evaluate(s)
		if math.IsNaN(total) || math.IsInf(total, 0) || m.Success {
			t.Errorf("sample %d (condition %d): total cost %v, final bottom z %v, success %v", j, s.Cond, total, m.Value, m.Success)
		}
	}
}

// TestHoleGeometry aims the inserter off the hole axis. The hole is 0.066 wide and
// the peg 0.056: with the axis 12 mm off (peg edge 40 mm from the centre, beyond
// the 33 mm half-width) the peg is stopped by the rim, whose top is at z = −0.4;
// pressed down on the edge without friction it tilts, so its bottom centre ends a
// little above or below the rim top, never deep in the hole. With the axis 3 mm off
// it still enters the mouth, and the tilted guide plates centre it on the way down.
func TestHoleGeometry(t *testing.T) {
	e := mustEnv(t, PegConfig())
	si, err := e.NewSim()
	if err != nil {
		t.Fatal(err)
	}
	s := envs.NewSample(e)
	for _, tc := range []struct {
		dx, dy     float64
		zlo, zhi   float64 // allowed final bottom height
		wantInside bool
	}{
		// On the rim: no more than 1 cm below its top (a tilt of up to ~20° moves
		// the bottom centre by r·sin(tilt) ≤ 1 cm), far from the 4 cm needed for
		// success; and below −0.35, so it was the rim (not something 5 cm higher)
		// that stopped the descent commanded to −0.52.
		{0.012, 0, -0.41, -0.35, false},
		{0, -0.012, -0.41, -0.35, false},
		{-0.012, 0.012, -0.41, -0.35, false},
		// In the hole, as the centred inserter (TestInserterAllConditions).
		{0.003, 0, -0.505, -0.49, true},
		{0, -0.003, -0.505, -0.49, true},
	} {
		pol, err := newInserterAt(e, 4, tc.dx, tc.dy)
		if err != nil {
			t.Fatal(err)
		}
		if err := envs.Rollout(si, pol, 4, nil, s); err != nil {
			t.Fatal(err)
		}
		p := s.Point(T - 1)
		m := e.Evaluate(s)
		t.Logf("axis off by (%g, %g): final bottom (%.4f, %.4f, %.4f)", tc.dx, tc.dy, p[0], p[1], p[2])
		if p[2] < tc.zlo || p[2] > tc.zhi || m.Success != tc.wantInside {
			t.Errorf("axis off by (%g, %g): final bottom z = %.4f, success %v; want z in [%g, %g], success %v",
				tc.dx, tc.dy, p[2], m.Success, tc.zlo, tc.zhi, tc.wantInside)
		}
	}
}
