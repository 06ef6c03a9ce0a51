package envs

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	_ "github.com/mirrorgps/mirrorgps/internal/blasimpl"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// The local controllers satisfy Policy.
var _ Policy = (*lingauss.Policy)(nil)

// recPolicy records the arguments it was called with.
type recPolicy struct {
	ts     []int
	noises [][]float64
	u      float64
}

func (p *recPolicy) Act(t int, x, obs, noise, u []float64) {
	p.ts = append(p.ts, t)
	p.noises = append(p.noises, noise)
	u[0] = p.u
}

// TestRolloutLoop checks spec §2.2: T states and T actions recorded, T-1 steps
// simulated, the last action recorded but not executed, noise rows passed in order.
func TestRolloutLoop(t *testing.T) {
	env := &toyEnv{H: 6, M: 3}
	simI, _ := env.NewSim()
	sim := simI.(*toySim)
	pol := &recPolicy{u: 0.5}
	s := NewSample(env)
	noise := []float64{1, 2, 3, 4, 5, 6}
	if err := Rollout(sim, pol, 2, noise, s); err != nil {
		t.Fatal(err)
	}
	if sim.steps != env.H-1 {
		t.Errorf("simulated %d steps, want T-1 = %d", sim.steps, env.H-1)
	}
	if !slices.Equal(pol.ts, []int{0, 1, 2, 3, 4, 5}) {
		t.Errorf("policy called at %v", pol.ts)
	}
	for i, n := range pol.noises {
		if len(n) != 1 || n[0] != noise[i] {
			t.Errorf("t=%d: policy got noise %v, want [%v]", i, n, noise[i])
		}
	}
	// Replay the dynamics by hand: x_{t+1} = f(x_t, u_t) for t < T-1.
	q, v := 2.0, 0.0
	for tt := range env.H {
		if s.X[2*tt] != q || s.X[2*tt+1] != v || s.Obs[tt] != q || s.P[3*tt] != q || s.J[6*tt] != 1 {
			t.Fatalf("t=%d: recorded x=%v o=%v p=%v, want q=%v v=%v", tt, s.State(tt), s.Observation(tt), s.Point(tt), q, v)
		}
		if s.U[tt] != 0.5 {
			t.Errorf("t=%d: recorded u=%v, want 0.5", tt, s.U[tt])
		}
		v += 0.1 * (0.5 - 0.5*v)
		q += 0.1 * v
	}
	if s.Cond != 2 || !slices.Equal(s.Noise, noise) {
		t.Errorf("sample cond %d noise %v", s.Cond, s.Noise)
	}
	// Noiseless: the policy sees nil noise.
	pol2 := &recPolicy{}
	if err := Rollout(sim, pol2, 0, nil, s); err != nil {
		t.Fatal(err)
	}
	for _, n := range pol2.noises {
		if n != nil {
			t.Fatalf("noiseless rollout passed noise %v", n)
		}
	}
	if s.Noise != nil {
		t.Errorf("noiseless sample keeps noise %v", s.Noise)
	}
}

// TestRolloutErrors checks issue item 7: a bad condition, a NaN action and a
// simulator failure are clear errors, and the simulator is usable afterwards.
func TestRolloutErrors(t *testing.T) {
	env := &toyEnv{H: 5, M: 2}
	sim, _ := env.NewSim()
	s := NewSample(env)
	ref := NewSample(env)
	if err := Rollout(sim, linPolicy{k: 1}, 1, nil, ref); err != nil {
		t.Fatal(err)
	}

	var ce *ConditionError
	if err := Rollout(sim, linPolicy{k: 1}, 2, nil, s); !errors.As(err, &ce) || ce.Cond != 2 || ce.N != 2 {
		t.Errorf("condition 2 of 2: got %v, want *ConditionError", err)
	}
	if err := Rollout(sim, linPolicy{k: 1}, -1, nil, s); !errors.As(err, &ce) {
		t.Errorf("condition -1: got %v, want *ConditionError", err)
	}

	nan := policyFunc(func(t int, x, obs, noise, u []float64) {
		u[0] = 0
		if t == 2 {
			u[0] = math.NaN()
		}
	})
	var ae *ActionError
	if err := Rollout(sim, nan, 0, nil, s); !errors.As(err, &ae) || ae.T != 2 || ae.Index != 0 || !math.IsNaN(ae.Value) {
		t.Errorf("NaN action: got %v, want *ActionError at t=2", err)
	}
	fail := policyFunc(func(t int, x, obs, noise, u []float64) { u[0] = float64(t) * 500 })
	if err := Rollout(sim, fail, 0, nil, s); !errors.Is(err, errToy) {
		t.Errorf("simulator failure: got %v, want wrapped errToy", err)
	}
	// Direct Step with the wrong length or Inf.
	if err := sim.Step([]float64{1, 2}); !errors.As(err, &ae) || ae.Len != 2 || ae.Want != 1 {
		t.Errorf("Step with 2 values: got %v", err)
	}
	if err := sim.Step([]float64{math.Inf(-1)}); !errors.As(err, &ae) || ae.Index != 0 {
		t.Errorf("Step with -Inf: got %v", err)
	}
	// Still usable: the same rollout as before, bit for bit.
	if err := Rollout(sim, linPolicy{k: 1}, 1, nil, s); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.X, ref.X) || !slices.Equal(s.U, ref.U) {
		t.Errorf("rollout after errors differs from a fresh one")
	}
}

type policyFunc func(t int, x, obs, noise, u []float64)

func (f policyFunc) Act(t int, x, obs, noise, u []float64) { f(t, x, obs, noise, u) }

func TestReflectAndKernel(t *testing.T) {
	const n = 5
	cases := map[int]int{-1: 0, -2: 1, -5: 4, -6: 4, 0: 0, 4: 4, 5: 4, 6: 3, 9: 0, 10: 0, 11: 1, -11: 0, -12: 1}
	for i, want := range cases {
		if got := reflect(i, n); got != want {
			t.Errorf("reflect(%d, %d) = %d, want %d", i, n, got, want)
		}
	}
	w := gaussKernel(2)
	if len(w) != 17 {
		t.Fatalf("σ=2 kernel has %d weights, want 2·8+1", len(w))
	}
	sum := 0.0
	for i, v := range w {
		sum += v
		if v != w[len(w)-1-i] {
			t.Errorf("kernel not symmetric at %d", i)
		}
	}
	// 1e-15: a sum of 17 normalised weights, rounding only.
	if math.Abs(sum-1) > 1e-15 {
		t.Errorf("kernel sums to %v", sum)
	}
	// Ratio of neighbouring weights is exp(-(2i+1)/(2σ²)); 1e-14 for rounding.
	if r := w[9] / w[8]; math.Abs(r-math.Exp(-1.0/8)) > 1e-14 {
		t.Errorf("w1/w0 = %v, want exp(-1/8)", r)
	}
}

func TestSmoothing(t *testing.T) {
	// With renormalisation off, the smoothed noise is the filter applied to the
	// raw normals drawn in row-major order from the same stream.
	const T, dU = 30, 2
	key := Key{Seed: 7, Iteration: 1, Cond: 2, Sample: 3}
	raw := make([]float64, T*dU)
	Noise{}.Generate(raw, T, dU, key.Rand())
	sm := make([]float64, T*dU)
	Noise{Smooth: true, Sigma: 2}.Generate(sm, T, dU, key.Rand())
	w := gaussKernel(2)
	for j := range dU {
		for tt := range T {
			want := 0.0
			for k := -8; k <= 8; k++ {
				// Reflect by hand: -1→0, -2→1; T→T-1, T+1→T-2.
				i := tt + k
				if i < 0 {
					i = -i - 1
				} else if i >= T {
					i = 2*T - 1 - i
				}
				want += w[k+8] * raw[i*dU+j]
			}
			// 1e-15: same 17 products; only the summation is spelled differently.
			if math.Abs(sm[tt*dU+j]-want) > 1e-15 {
				t.Fatalf("t=%d j=%d: smoothed %v, want %v", tt, j, sm[tt*dU+j], want)
			}
		}
	}
	// Renormalised columns have population variance 1 and keep their mean sign/shape.
	rn := make([]float64, T*dU)
	DefaultNoise().Generate(rn, T, dU, key.Rand())
	for j := range dU {
		mean, v := 0.0, 0.0
		for tt := range T {
			mean += rn[tt*dU+j]
		}
		mean /= T
		for tt := range T {
			v += (rn[tt*dU+j] - mean) * (rn[tt*dU+j] - mean)
		}
		v /= T
		// 1e-13: variance of 30 rescaled numbers, rounding only.
		if math.Abs(v-1) > 1e-13 {
			t.Errorf("column %d: variance %v after renormalisation", j, v)
		}
		ratio := rn[j] / sm[j]
		for tt := range T { // a pure rescaling of the smoothed column
			if math.Abs(rn[tt*dU+j]-ratio*sm[tt*dU+j]) > 1e-13*math.Abs(rn[tt*dU+j])+1e-15 {
				t.Fatalf("column %d is not a rescaling of the smoothed noise", j)
			}
		}
	}
}

// TestSmoothedVarianceMonteCarlo: away from the boundary the smoothed white
// noise has variance Σw² (seeded Monte Carlo).
func TestSmoothedVarianceMonteCarlo(t *testing.T) {
	const T, dU, reps = 40, 1, 4000
	w := gaussKernel(2)
	want := 0.0
	for _, v := range w {
		want += v * v
	}
	rng := rand.New(rand.NewPCG(1, 1))
	buf := make([]float64, T)
	sum := 0.0
	for range reps {
		Noise{Smooth: true, Sigma: 2}.Generate(buf, T, dU, rng)
		sum += buf[T/2] * buf[T/2]
	}
	got := sum / reps
	// The estimator of a variance from 4000 normal draws has relative standard
	// error √(2/4000) ≈ 2.2%; 10% is > 4 standard errors.
	if math.Abs(got-want) > 0.1*want {
		t.Errorf("variance at the centre %v, want Σw² = %v", got, want)
	}
}

func TestKeyStreams(t *testing.T) {
	draw := func(k Key) float64 { return k.Rand().NormFloat64() }
	base := Key{Seed: 1, Iteration: 2, Cond: 3, Sample: 4}
	if draw(base) != draw(base) {
		t.Fatal("same key, different streams")
	}
	seen := map[float64]Key{}
	for _, k := range []Key{base, {1, 2, 3, 5}, {1, 2, 4, 4}, {1, 3, 3, 4}, {2, 2, 3, 4}, {1, 4, 3, 2}, {1, 2, 4, 3}, {0, 0, 0, 0}} {
		v := draw(k)
		if prev, ok := seen[v]; ok {
			t.Errorf("keys %v and %v give the same first draw", prev, k)
		}
		seen[v] = k
	}
}

// TestRunnerDeterminism checks that parallel rollouts are bit-identical whatever
// the number of workers and the job order.
func TestRunnerDeterminism(t *testing.T) {
	env := &toyEnv{H: 50, M: 4}
	pols := []Policy{linPolicy{1, 0.5}, linPolicy{2, 0.5}, linPolicy{0.5, 1}, linPolicy{1, 0.1}}
	jobs := Jobs([]int{0, 1, 2, 3}, pols, 5, 42, 3)
	jobs = append(jobs, Job{Cond: 1, Policy: pols[1], Noiseless: true})
	ref, err := (&Runner{Env: env, Noise: DefaultNoise(), Workers: 1}).Run(jobs)
	if err != nil {
		t.Fatal(err)
	}
	// Reversed order, many workers.
	rev := slices.Clone(jobs)
	slices.Reverse(rev)
	for _, workers := range []int{2, 3, 8, 0} {
		got, err := (&Runner{Env: env, Noise: DefaultNoise(), Workers: workers}).Run(rev)
		if err != nil {
			t.Fatal(err)
		}
		for i := range jobs {
			a, b := ref[i], got[len(jobs)-1-i]
			if a.Cond != b.Cond || !slices.Equal(a.X, b.X) || !slices.Equal(a.U, b.U) || !slices.Equal(a.Noise, b.Noise) || !slices.Equal(a.P, b.P) {
				t.Fatalf("workers=%d: job %d differs", workers, i)
			}
		}
	}
	// Different keys give different noise; the same key gives the same.
	if slices.Equal(ref[0].Noise, ref[1].Noise) {
		t.Error("samples 0 and 1 share noise")
	}
	if ref[len(jobs)-1].Noise != nil {
		t.Error("noiseless job has noise")
	}
	one, _ := (&Runner{Env: env, Noise: DefaultNoise()}).Run(jobs[7:8])
	if !slices.Equal(one[0].U, ref[7].U) {
		t.Error("a job run alone differs from the same job in a batch")
	}
}

// counting is a Forker whose forks record that they were used.
type counting struct {
	forks *[]*counting
	used  int
}

func (c *counting) Act(t int, x, obs, noise, u []float64) {
	c.used++ // unsynchronised: only safe because every job gets its own fork
	u[0] = 0
}

func (c *counting) Fork() Policy {
	f := &counting{forks: c.forks}
	*c.forks = append(*c.forks, f)
	return f
}

func TestRunnerForksAndErrors(t *testing.T) {
	env := &toyEnv{H: 10, M: 2}
	var forks []*counting
	orig := &counting{forks: &forks}
	// Fork is called from worker goroutines; use one worker so the slice append is safe.
	_, err := (&Runner{Env: env, Workers: 1}).Run(Jobs([]int{0, 1}, []Policy{orig, orig}, 3, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if orig.used != 0 || len(forks) != 6 {
		t.Errorf("original used %d times, %d forks; want 0 and 6", orig.used, len(forks))
	}
	for _, f := range forks {
		if f.used != env.H {
			t.Errorf("fork used %d times, want T = %d", f.used, env.H)
		}
	}
	// A failing job reports the lowest failing index; the others complete.
	jobs := Jobs([]int{0, 5, 1}, []Policy{linPolicy{1, 0}, linPolicy{1, 0}, linPolicy{1, 0}}, 2, 1, 1)
	samples, err := (&Runner{Env: env, Noise: DefaultNoise(), Workers: 2}).Run(jobs)
	var je *JobError
	var ce *ConditionError
	if !errors.As(err, &je) || je.Job != 2 || !errors.As(err, &ce) {
		t.Fatalf("got %v, want *JobError for job 2 wrapping *ConditionError", err)
	}
	if samples[5] == nil || samples[5].X[0] != 1 {
		t.Errorf("jobs after the failure did not complete")
	}
	if _, err := (&Runner{Env: env, Noise: Noise{Smooth: true}}).Run(jobs); err == nil {
		t.Error("Sigma = 0 with Smooth accepted")
	}
}
