//go:build cgo && !nomujoco

package peg

import (
	"math"
	"strings"
	"testing"

	"github.com/mirrorgps/mirrorgps/envs"
)

// TestGeometry replays rollouts through Geometry and checks the result against what
// the task itself recorded during the rollout: the end-effector points of the sample
// (and so Distance), the peg cylinder's ends, the base position of the condition,
// and the fixed scene of arm.xml.
func TestGeometry(t *testing.T) {
	e := mustEnv(t, PegConfig())
	si, err := e.NewSim()
	if err != nil {
		t.Fatal(err)
	}
	defer si.Close()
	for _, c := range []struct {
		name string
		cond int
		pol  func() (envs.Policy, error)
	}{
		{"inserter", 2, func() (envs.Policy, error) { return newInserter(e, 2) }},
		{"zero torque", 6, func() (envs.Policy, error) { return zeroPolicy{}, nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			pol, err := c.pol()
			if err != nil {
				t.Fatal(err)
			}
			s := envs.NewSample(e)
			if err := envs.Rollout(si, pol, c.cond, nil, s); err != nil {
				t.Fatal(err)
			}
			g, err := e.Geometry(s)
			if err != nil {
				t.Fatal(err)
			}
			checkGeometry(t, e, s, g)
		})
	}
}

func checkGeometry(t *testing.T, e *Env, s *envs.Sample, g *envs.ArmMotion) {
	t.Helper()
	// The replay runs the same forward kinematics on the same joint angles as the
	// rollout did: equal up to rounding (in practice bit for bit).
	const tol = 1e-12
	if g.T() != s.T || len(g.Points) != s.T || len(g.BodyPos) != s.T || g.Cond != s.Cond || g.Dt != e.Dt() || g.Task != "peg" {
		t.Fatalf("geometry has T=%d, %d points, %d body rows, cond %d, dt %v, task %q; want T=%d, cond %d, dt %v, task peg",
			g.T(), len(g.Points), len(g.BodyPos), g.Cond, g.Dt, g.Task, s.T, s.Cond, e.Dt())
	}
	off := e.cfg.Offsets[s.Cond]
	base := [3]float64{off[0], -0.188 + off[1], 0} // arm.xml: body shoulder_pan at (0, −0.188, 0), moved by the offset
	if g.Bodies[0] != "shoulder_pan" || g.Parent[0] != -1 || len(g.Bodies) != 16 {
		t.Errorf("bodies %v (parents %v), want 16 starting with shoulder_pan (parent −1)", g.Bodies, g.Parent)
	}
	for t0 := range s.T {
		p := s.Point(t0)
		for k := range NSite {
			for i := range 3 {
				if d := math.Abs(g.Points[t0][k][i] - p[3*k+i]); d > tol {
					t.Fatalf("t=%d: %s[%d] = %v, sample has %v", t0, g.PointNames[k], i, g.Points[t0][k][i], p[3*k+i])
				}
			}
		}
		// The peg is the only cylinder: its axis ends are the two sites.
		var pegs []envs.Shape
		for _, sh := range g.Solids[t0] {
			if sh.Kind == envs.Cylinder {
				pegs = append(pegs, sh)
			}
		}
		if len(pegs) != 1 || len(g.Solids[t0]) != 19 || pegs[0].Name != "peg" {
			t.Fatalf("t=%d: %d solids with %d cylinders, want the 19 arm geoms of arm.xml with one cylinder, named peg", t0, len(g.Solids[t0]), len(pegs))
		}
		a, b := pegs[0].Ends()
		if a[2] > b[2] {
			a, b = b, a
		}
		if dist(a, g.Points[t0][0]) > tol || dist(b, g.Points[t0][1]) > tol || math.Abs(pegs[0].Size[0]-0.028) > 1e-15 {
			t.Fatalf("t=%d: peg cylinder ends %v, %v (radius %v), want the sites %v", t0, a, b, pegs[0].Size[0], g.Points[t0])
		}
		if dist(g.BodyPos[t0][0], base) > tol {
			t.Fatalf("t=%d: base at %v, want %v", t0, g.BodyPos[t0][0], base)
		}
	}
	if got, want := g.Points[s.T-1][0][2]-HoleZ, e.Distance(s); math.Abs(got-want) > tol {
		t.Errorf("final peg-bottom height above the hole bottom %v, Distance says %v", got, want)
	}
	names := []string{}
	for _, sh := range g.Fixed {
		names = append(names, sh.Name)
		if sh.Kind != envs.Box {
			t.Errorf("fixed geom %q is a %v, want a box", sh.Name, sh.Kind)
		}
		if sh.Name == "floor" && math.Abs(sh.Pos[2]+sh.Size[2]-HoleZ) > 1e-15 {
			t.Errorf("floor top at z = %v, want the hole bottom %v", sh.Pos[2]+sh.Size[2], HoleZ)
		}
	}
	if got := strings.Join(names, " "); got != "floor w1 w2 w3 w4 g1 g2 g3 g4" {
		t.Errorf("fixed scene %q, want floor w1 w2 w3 w4 g1 g2 g3 g4", got)
	}
}

func dist(a, b [3]float64) float64 { return math.Hypot(math.Hypot(a[0]-b[0], a[1]-b[1]), a[2]-b[2]) }

func TestGeometryErrors(t *testing.T) {
	e := mustEnv(t, BlindConfig())
	ok := envs.NewSample(e)
	for i := range ok.T {
		copy(ok.X[i*DX:], Q0[:])
	}
	nan := envs.NewSample(e)
	copy(nan.X, ok.X)
	nan.X[5*DX+3] = math.NaN()
	for _, c := range []struct {
		name string
		s    *envs.Sample
		want string
	}{
		{"nil", nil, "nil sample"},
		{"condition", &envs.Sample{Cond: 4, T: ok.T, Dims: ok.Dims, X: ok.X}, "condition"},
		{"dims", &envs.Sample{T: 2, Dims: envs.Dims{X: 4}, X: make([]float64, 8)}, "Dims.X = 4"},
		{"length", &envs.Sample{T: ok.T, Dims: ok.Dims, X: ok.X[:DX]}, "26 state values"},
		{"NaN", nan, "time step 5"},
	} {
		_, err := e.Geometry(c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	if g, err := e.Geometry(ok); err != nil || g.T() != ok.T || g.Task != "blindpeg" {
		t.Errorf("a still arm: %v, %v", g, err)
	}
}
