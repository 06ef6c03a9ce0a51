//go:build cgo && !nomujoco

package peg

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/mirrorgps/mirrorgps/envs"
)

// zeroPolicy applies no torque: without gravity the arm stays at q₀.
type zeroPolicy struct{}

func (zeroPolicy) Act(t int, x, obs, noise, u []float64) { clear(u) }

// nanAt returns NaN torques from step At on.
type nanAt struct{ At int }

func (p nanAt) Act(t int, x, obs, noise, u []float64) {
	clear(u)
	if t >= p.At {
		u[3] = math.NaN()
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no name", func(c *Config) { c.Name = "" }, "Config.Name"},
		{"no offsets", func(c *Config) { c.Offsets = nil }, "Config.Offsets is empty"},
		{"nan offset", func(c *Config) { c.Offsets = [][2]float64{{0, math.NaN()}} }, "Config.Offsets[0][1]"},
		{"far offset", func(c *Config) { c.Offsets = [][2]float64{{0, 0}, {0.7, 0}} }, "Config.Offsets[1][0] = 0.7"},
		{"short horizon", func(c *Config) { c.T = 1 }, "Config.T = 1"},
		{"bad xml", func(c *Config) { c.ModelXML = "<mujoco><worldbody>" }, "loading model"},
		{"unknown element", func(c *Config) { c.ModelXML = strings.Replace(armXML, "<worldbody>", "<worldbody><wall/>", 1) }, "wall"},
		{"missing site", func(c *Config) { c.ModelXML = strings.Replace(armXML, `name="leg_top"`, `name="top"`, 1) }, `no site named "leg_top"`},
		{"wrong arm", func(c *Config) {
			c.ModelXML = `<mujoco><worldbody><body><joint/><geom size="0.1"/></body></worldbody></mujoco>`
		}, "want 7 hinge joints"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := PegConfig()
			tc.edit(&cfg)
			e, err := NewConfig(cfg)
			if e != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewConfig = %v, %v; want an error mentioning %q", e, err, tc.want)
			}
		})
	}
	// A failed load leaves MuJoCo usable.
	mustEnv(t, PegConfig())
}

func TestBadInput(t *testing.T) {
	e := mustEnv(t, PegConfig())
	si, err := e.NewSim()
	if err != nil {
		t.Fatal(err)
	}
	defer si.Close()
	var ce *envs.ConditionError
	for _, c := range []int{-1, 9, 100} {
		if err := si.Reset(c); !errors.As(err, &ce) || ce.Cond != c || ce.N != 9 {
			t.Errorf("Reset(%d) = %v, want a *ConditionError", c, err)
		}
		if _, err := e.X0(c); !errors.As(err, &ce) {
			t.Errorf("X0(%d) = %v, want a *ConditionError", c, err)
		}
		if _, err := e.Offset(c); !errors.As(err, &ce) {
			t.Errorf("Offset(%d) = %v, want a *ConditionError", c, err)
		}
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("Cost(%d) did not panic", c)
				}
			}()
			e.Cost(c)
		}()
	}
	if err := si.Step(make([]float64, DU)); err == nil || !strings.Contains(err.Error(), "Reset") {
		t.Errorf("Step before Reset = %v, want an error asking for Reset", err)
	}
	if err := si.Reset(4); err != nil {
		t.Fatal(err)
	}
	x0, x := make([]float64, DX), make([]float64, DX)
	si.Observe(x0, make([]float64, DX), nil, nil)
	var ae *envs.ActionError
	for _, tc := range []struct {
		name string
		u    []float64
		idx  int
	}{
		{"short", make([]float64, 6), -1},
		{"long", make([]float64, 8), -1},
		{"nil", nil, -1},
		{"nan", []float64{0, 0, 0, math.NaN(), 0, 0, 0}, 3},
		{"+inf", []float64{math.Inf(1), 0, 0, 0, 0, 0, 0}, 0},
		{"-inf", []float64{0, 0, 0, 0, 0, 0, math.Inf(-1)}, 6},
	} {
		err := si.Step(tc.u)
		if !errors.As(err, &ae) || ae.Index != tc.idx || ae.Want != DU || ae.Len != len(tc.u) {
			t.Errorf("%s: Step = %v, want an *ActionError at index %d", tc.name, err, tc.idx)
		}
		si.Observe(x, make([]float64, DX), nil, nil)
		for i := range x {
			if x[i] != x0[i] {
				t.Fatalf("%s: a refused action changed the state: x[%d] %v → %v", tc.name, i, x0[i], x[i])
			}
		}
	}
	// A rollout whose policy turns NaN stops with an *ActionError naming the step,
	// and the next rollout on the same simulator equals one on a fresh simulator.
	s := envs.NewSample(e)
	err = envs.Rollout(si, nanAt{At: 10}, 4, nil, s)
	if !errors.As(err, &ae) || ae.T != 10 || ae.Index != 3 {
		t.Fatalf("rollout with NaN at t=10: %v, want an *ActionError at t=10, index 3", err)
	}
	pol, err := newInserter(e, 4)
	if err != nil {
		t.Fatal(err)
	}
	a, b := envs.NewSample(e), envs.NewSample(e)
	if err := envs.Rollout(si, pol, 4, nil, a); err != nil {
		t.Fatal(err)
	}
	fresh, _ := e.NewSim()
	if err := envs.Rollout(fresh, pol, 4, nil, b); err != nil {
		t.Fatal(err)
	}
	sameSample(t, "after a failed rollout", a, b)
}

// sameSample fails unless a and b are bit-identical.
func sameSample(t *testing.T, what string, a, b *envs.Sample) {
	t.Helper()
	for _, arr := range []struct {
		name string
		x, y []float64
	}{{"X", a.X, b.X}, {"U", a.U, b.U}, {"Obs", a.Obs, b.Obs}, {"P", a.P, b.P}, {"J", a.J, b.J}, {"Noise", a.Noise, b.Noise}} {
		if len(arr.x) != len(arr.y) {
			t.Fatalf("%s: %s lengths %d vs %d", what, arr.name, len(arr.x), len(arr.y))
		}
		for i := range arr.x {
			if arr.x[i] != arr.y[i] && !(math.IsNaN(arr.x[i]) && math.IsNaN(arr.y[i])) {
				t.Fatalf("%s: %s[%d] = %v vs %v", what, arr.name, i, arr.x[i], arr.y[i])
			}
		}
	}
	if a.Cond != b.Cond {
		t.Fatalf("%s: conditions %d vs %d", what, a.Cond, b.Cond)
	}
}
