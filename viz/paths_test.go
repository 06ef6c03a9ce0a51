package viz

import (
	"encoding/json"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/linear"
	"github.com/mirrorgps/mirrorgps/envs/obstacle"
)

// TestPathsBounds: the obstacle figure shows the whole scene and every path
// that stays near it (the echarts view cut paths off at x = 3.5), follows a
// diverging path only pathReach × the scene's size beyond it, and both
// renderers show the same range.
func TestPathsBounds(t *testing.T) {
	env := obstacle.New()
	mk := func(xEnd, yEnd float64) *envs.Sample {
		s := envs.NewSample(env)
		for k := 0; k < s.T; k++ {
			f := float64(k) / float64(s.T-1)
			x := s.State(k)
			x[0], x[1] = f*xEnd, f*yEnd
		}
		return s
	}
	f := SamplePaths("p", env, []*envs.Sample{mk(4.4, -0.1), mk(3, 1.9)})
	b := f.Bounds()
	if b.XMin > -0.1 || b.XMax < 4.4 || b.YMin > -1.7 || b.YMax < 1.9 {
		t.Errorf("bounds %+v do not hold the scene and both paths (x to 4.4, y to 1.9)", b)
	}
	far := SamplePaths("p", env, []*envs.Sample{mk(40, 0)}).Bounds()
	if far.XMax > 3.1+0.5*3.2+0.5 || far.XMax < 4.5 {
		t.Errorf("a path to x = 40 widens the range to %v, want it clipped about 1.6 m past the scene", far.XMax)
	}
	p, err := f.Plot()
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		XAxis []struct{ Min, Max float64 } `json:"xAxis"`
	}
	if err := json.Unmarshal([]byte(f.Chart().RenderSnippet().Option), &o); err != nil {
		t.Fatal(err)
	}
	// The SVG widens one side for equal scales; both views hold Bounds.
	if o.XAxis[0].Min > b.XMin || o.XAxis[0].Max < b.XMax || p.X.Min > b.XMin || p.X.Max < b.XMax {
		t.Errorf("x range: chart [%v, %v], SVG [%v, %v], bounds [%v, %v]", o.XAxis[0].Min, o.XAxis[0].Max, p.X.Min, p.X.Max, b.XMin, b.XMax)
	}
}

func TestNoiselessRollouts(t *testing.T) {
	env := linear.DoubleIntegrator()
	gains, _ := env.Optimal()
	samples, err := NoiselessRollouts(env, gainPolicy{gains})
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != env.Conditions() {
		t.Fatalf("%d samples for %d conditions", len(samples), env.Conditions())
	}
	for m, s := range samples {
		want, _ := env.OptimalCost(m)
		// 1e-10 relative: the optimal policy's noiseless rollout costs the
		// Riccati optimum up to rounding (envs/linear TestOptimal).
		if got := env.Evaluate(s).Value; s.Cond != m || math.Abs(got-want) > 1e-10*want {
			t.Errorf("condition %d (sample says %d): cost %v, optimum %v", m, s.Cond, got, want)
		}
	}
}

// gainPolicy acts u_t = K_t x_t (the linear task's Riccati gains).
type gainPolicy struct{ K []*mat.Dense }

func (p gainPolicy) Act(t int, x, obs, noise, u []float64) {
	r, c := p.K[t].Dims()
	for i := range r {
		v := 0.0
		for j := range c {
			v += p.K[t].At(i, j) * x[j]
		}
		u[i] = v
	}
}
