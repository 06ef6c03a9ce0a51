package obstacle

import (
	"fmt"
	"math"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/mdgps/cost"
)

// Physical constants of the scene (tasks.md §2, configs.md §5.1).
const (
	ParticleRadius     = 0.1  // radius of the particle capsule (m)
	ParticleHalfLength = 0.01 // half-length of the particle capsule along x (m)
	Density            = 1000 // geom density (kg/m³)
	Damping            = 1.0  // joint damping of both slide joints (N·s/m)
	ForceLimit         = 1.0  // actuator control range [−1, 1] N, gear 1
	Timestep           = 0.01 // physics step h (s)
	Substeps           = 5    // physics steps per control step
	Dt                 = Timestep * Substeps
	Horizon            = 200 // T: 10 s episodes
	// Margin is MuJoCo's contact margin: contacts hold the surfaces this far
	// apart (the particle rests at x = 0.788 against wall1, not 0.79).
	Margin = 0.002
)

// Mass is the particle's mass, MuJoCo's capsule volume times the density:
// ρ(π r² · 2ℓ + 4/3 π r³) = 4.81711 kg.
var Mass = Density * (math.Pi*ParticleRadius*ParticleRadius*2*ParticleHalfLength +
	4.0/3.0*math.Pi*ParticleRadius*ParticleRadius*ParticleRadius)

// Target is the point the particle should reach (visual only in the model).
var Target = [2]float64{3, 0}

// Capsule is a static obstacle in the plane: the segment A–B inflated by Radius.
type Capsule struct {
	Name   string
	A, B   [2]float64
	Radius float64
}

// Walls returns the five obstacles of tasks.md §2 (their 0.01 rise in z over
// the segment is irrelevant in the plane and omitted).
func Walls() []Capsule {
	return []Capsule{
		{"wall1", [2]float64{1, 0.5}, [2]float64{1, 1.1}, 0.1},
		{"wall2", [2]float64{1, -1.1}, [2]float64{1, -0.5}, 0.1},
		{"wall3", [2]float64{2, -0.01}, [2]float64{2, 0.01}, 0.2},
		{"wall4", [2]float64{2, 1.0}, [2]float64{2, 1.6}, 0.1},
		{"wall5", [2]float64{2, -1.6}, [2]float64{2, -1.0}, 0.1},
	}
}

// Starts returns the initial positions of the five conditions (tasks.md §2):
// (0, y) for y in linspace(−1.5, 1.5, 5), at rest.
func Starts() [][2]float64 {
	return [][2]float64{{0, -1.5}, {0, -0.75}, {0, 0}, {0, 0.75}, {0, 1.5}}
}

// Env is the obstacle-navigation task of the paper (§6; tasks.md §2): a 2-D
// point mass pushed by clipped forces around five capsule obstacles towards
// (3, 0). State and observation x = o = [x, y, vx, vy]; action u = (fx, fy);
// one end-effector point (x, y, 0). An Env is immutable and safe for concurrent
// use; each Sim from NewSim belongs to one goroutine.
type Env struct {
	cost   cost.Term
	walls  []Capsule
	starts [][2]float64
}

// New returns the task with the cost the reference actually ran (spec Q10):
// ℓ_t = ½((x − 3)² + y²) at every step, no action cost.
func New() *Env {
	return &Env{cost: AsRunCost(), walls: Walls(), starts: Starts()}
}

// AsRunCost returns the effective cost of the paper's obstacle runs (spec Q10):
// a CostState on the position with target (3, 0), weights (1, 1) and the
// top-level defaults l2 = 1, l1 = 0, α = 1e-2, constant ramp: ½((x−3)² + y²).
func AsRunCost() cost.Term {
	return cost.NewState([]int{0, 1}, Target[:], []float64{1, 1})
}

// IntendedCost returns the cost the paper's configuration file writes but the
// reference ignores (spec Q10): l1 = 0.1, l2 = 10, α = 1e-5, final multiplier
// 10, on the same position error. Use it with WithCost to run the variant.
func IntendedCost() cost.Term {
	c := cost.NewState([]int{0, 1}, Target[:], []float64{1, 1})
	c.Norm.L1, c.Norm.L2, c.Norm.Alpha = 0.1, 10, 1e-5
	c.FinalMult = 10
	return c
}

// WithCost returns a copy of e whose conditions all use cost c (which must be
// safe for concurrent use, as all terms of package cost are).
func (e *Env) WithCost(c cost.Term) *Env {
	f := *e
	f.cost = c
	return &f
}

func (e *Env) Name() string { return "obstacle" }

// Dims: dX = dO = 4 ([x, y, vx, vy]), dU = 2, one end-effector point (dP = 3).
func (e *Env) Dims() envs.Dims { return envs.Dims{X: 4, U: 2, O: 4, P: 3} }

func (e *Env) Conditions() int { return len(e.starts) }
func (e *Env) T() int          { return Horizon }
func (e *Env) Dt() float64     { return Dt }
func (e *Env) Substeps() int   { return Substeps }

// X0 returns [x0, y0, 0, 0] of condition cond.
func (e *Env) X0(cond int) ([]float64, error) {
	if err := envs.CheckCondition(cond, len(e.starts)); err != nil {
		return nil, err
	}
	s := e.starts[cond]
	return []float64{s[0], s[1], 0, 0}, nil
}

// Cost returns the task's cost (the same for every condition).
func (e *Env) Cost(cond int) cost.Term {
	if cond < 0 || cond >= len(e.starts) {
		panic(fmt.Sprintf("obstacle: Cost of condition %d, have %d", cond, len(e.starts)))
	}
	return e.cost
}

// Evaluate returns the paper's metric: the Euclidean distance between the final
// end-effector point and (3, 0, 0). The task defines no success threshold.
func (e *Env) Evaluate(s *envs.Sample) envs.Metric {
	p := s.Point(s.T - 1)
	return envs.Metric{Value: math.Sqrt((p[0]-Target[0])*(p[0]-Target[0]) + (p[1]-Target[1])*(p[1]-Target[1]) + p[2]*p[2])}
}

// NewSim returns a new simulator (it never fails).
func (e *Env) NewSim() (envs.Sim, error) { return &Sim{env: e}, nil }

var _ envs.Env = (*Env)(nil)
