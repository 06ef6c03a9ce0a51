package nn

import (
	"bytes"
	"encoding/gob"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
	"gonum.org/v1/gonum/mat"
)

// sameBits reports whether two float slices are identical bit for bit.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// sameState compares every exported field of two networks bit for bit.
func sameState(t *testing.T, what string, a, b *MLP) {
	t.Helper()
	for _, f := range []struct {
		name string
		x, y []float64
	}{{"Theta", a.Theta, b.Theta}, {"Scale", a.Scale, b.Scale}, {"Shift", a.Shift, b.Shift},
		{"Var", a.Var, b.Var}, {"AdamM", a.AdamM, b.AdamM}, {"AdamV", a.AdamV, b.AdamV}} {
		if !sameBits(f.x, f.y) {
			t.Errorf("%s: %s differs", what, f.name)
		}
	}
	if a.AdamStep != b.AdamStep || a.Calls != b.Calls || a.Whitened != b.Whitened || a.DO != b.DO || a.DU != b.DU ||
		!reflect.DeepEqual(a.Config, b.Config) {
		t.Errorf("%s: scalars differ: %d/%d steps, %d/%d calls, %v/%v whitened", what, a.AdamStep, b.AdamStep,
			a.Calls, b.Calls, a.Whitened, b.Whitened)
	}
}

func quickConfig() Config {
	c := PaperConfig()
	c.Hidden = []int{12, 10}
	c.Iterations = 300
	c.BatchSize = 16
	return c
}

// TestSameSeed: the same seed gives bit-identical weights; another seed does not.
func TestSameSeed(t *testing.T) {
	d := smallDataset(1, 6, 15, 5, 3)
	train := func(seed uint64) *MLP {
		c := quickConfig()
		c.Seed = seed
		m, err := New(5, 3, c)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < 2; k++ {
			if _, err := m.SStep(d); err != nil {
				t.Fatal(err)
			}
		}
		return m
	}
	a, b, c := train(7), train(7), train(8)
	sameState(t, "seed 7 twice", a, b)
	if sameBits(a.Theta, c.Theta) {
		t.Error("seeds 7 and 8 gave identical weights")
	}
}

// TestGobResume: a network written with gob after one S-step and read back trains
// the second S-step exactly like the uninterrupted network.
func TestGobResume(t *testing.T) {
	d1 := smallDataset(1, 6, 15, 5, 3)
	d2 := smallDataset(2, 6, 15, 5, 3)
	for _, compat := range []bool{false, true} {
		c := quickConfig()
		c.Compat = compat
		straight, _ := New(5, 3, c)
		resumed, _ := New(5, 3, c)
		for _, m := range []*MLP{straight, resumed} {
			if _, err := m.SStep(d1); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(resumed); err != nil {
			t.Fatal(err)
		}
		var back MLP
		if err := gob.NewDecoder(&buf).Decode(&back); err != nil {
			t.Fatal(err)
		}
		sameState(t, "decoded", &back, straight)
		if _, err := straight.SStep(d2); err != nil {
			t.Fatal(err)
		}
		if _, err := back.SStep(d2); err != nil {
			t.Fatal(err)
		}
		sameState(t, "resumed vs straight", &back, straight)
		// The policy acts identically too.
		u1, u2 := make([]float64, 3), make([]float64, 3)
		straight.Act(0, nil, d2.Obs[:5], []float64{0.1, -1, 2}, u1)
		back.Act(0, nil, d2.Obs[:5], []float64{0.1, -1, 2}, u2)
		if !sameBits(u1, u2) {
			t.Errorf("compat=%v: Act differs after resume: %v vs %v", compat, u1, u2)
		}
	}
	// The linear class round-trips too.
	l, _ := NewLinear(15, 5, 3, 0.5)
	if _, err := l.SStep(d1); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(l); err != nil {
		t.Fatal(err)
	}
	var lb Linear
	if err := gob.NewDecoder(&buf).Decode(&lb); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l.Policy, lb.Policy) {
		t.Error("Linear policy differs after a gob round trip")
	}
}

// TestBadInput: every kind of bad dataset is rejected before training, with an
// error naming the problem, and the policy is unchanged.
func TestBadInput(t *testing.T) {
	const N, T, dO, dU = 4, 10, 5, 3
	for _, tc := range []struct {
		name  string
		edit  func(d *Dataset)
		want  string // substring of the message
		check func(err error) bool
	}{
		{"NaN observation", func(d *Dataset) { d.Obs[17] = math.NaN() }, "Dataset.Obs[17]",
			func(err error) bool { var e *lingauss.NonFiniteError; return errors.As(err, &e) && e.Index == 17 }},
		{"Inf target", func(d *Dataset) { d.Mu[4] = math.Inf(-1) }, "Dataset.Mu[4]", nil},
		{"NaN precision", func(d *Dataset) { d.Prec[0] = math.NaN() }, "Dataset.Prec[0]", nil},
		{"NaN weight", func(d *Dataset) { d.W[3] = math.NaN() }, "Dataset.W[3]", nil},
		{"non-symmetric precision", func(d *Dataset) { d.Prec[13*dU*dU+1] += 0.1 }, "not symmetric",
			func(err error) bool {
				var e *PrecisionError
				return errors.As(err, &e) && e.Row == 13 && e.N == 1 && e.T == 3 && e.Asymmetry > 1e-3
			}},
		{"indefinite precision", func(d *Dataset) {
			p := d.Prec[22*dU*dU : 23*dU*dU]
			copy(p, []float64{1, 0, 0, 0, -1, 0, 0, 0, 1})
		}, "not positive definite", func(err error) bool {
			var e *PrecisionError
			return errors.As(err, &e) && e.Row == 22 && e.Pivot == 1 && e.PivotValue == -1
		}},
		{"singular precision", func(d *Dataset) {
			p := d.Prec[5*dU*dU : 6*dU*dU]
			copy(p, []float64{1, 1, 0, 1, 1, 0, 0, 0, 1})
		}, "not positive definite", nil},
		{"empty", func(d *Dataset) { d.N = 0; d.Obs, d.Mu, d.Prec, d.W = nil, nil, nil, nil }, "empty",
			func(err error) bool { return errors.Is(err, ErrEmpty) }},
		{"observation dimension", func(d *Dataset) { d.DO = 4; d.Obs = d.Obs[:N*T*4] }, "DO=4", nil},
		{"action dimension", func(d *Dataset) { d.DU = 2 }, "DU=2", nil},
		{"short Mu", func(d *Dataset) { d.Mu = d.Mu[:len(d.Mu)-1] }, "len(Dataset.Mu)", nil},
		{"negative weight", func(d *Dataset) { d.W[2] = -1 }, "Dataset.W[2] = -1", nil},
		{"zero weights", func(d *Dataset) { clear(d.W) }, "sums to 0", nil},
		{"fewer rows than a batch", func(d *Dataset) {
			d.N, d.T = 2, 5
			d.Obs, d.Mu, d.Prec, d.W = d.Obs[:10*dO], d.Mu[:10*dU], d.Prec[:10*dU*dU], d.W[:10]
		}, "BatchSize", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := smallDataset(4, N, T, dO, dU)
			m, _ := New(dO, dU, quickConfig())
			if _, err := m.SStep(d); err != nil {
				t.Fatal(err)
			}
			before := m.Clone()
			tc.edit(d)
			_, err := m.SStep(d)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if tc.check != nil && !tc.check(err) {
				t.Errorf("error %#v lacks the expected type or evidence", err)
			}
			sameState(t, "after rejected input", m, before)
			if tc.name == "fewer rows than a batch" {
				return
			}
			// The linear class rejects the same input.
			l, _ := NewLinear(T, dO, dU, 1)
			if _, err := l.SStep(d); err == nil {
				t.Error("Linear.SStep accepted it")
			}
		})
	}
}

// TestDivergence: a loss that overflows stops the S-step with a *DivergedError and
// leaves every part of the state as it was.
func TestDivergence(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(d *Dataset, c *Config)
	}{
		{"overflowing targets", func(d *Dataset, c *Config) {
			for i := range d.Mu {
				d.Mu[i] = 1e200
			}
		}},
		{"exploding learning rate", func(d *Dataset, c *Config) { c.LR = 1e250 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := smallDataset(4, 4, 10, 5, 3)
			c := quickConfig()
			m, _ := New(5, 3, c)
			if _, err := m.SStep(d); err != nil {
				t.Fatal(err)
			}
			before := m.Clone()
			tc.edit(d, &m.Config)
			_, err := m.SStep(d)
			var de *DivergedError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *DivergedError", err)
			}
			t.Log(err)
			m.Config = before.Config
			sameState(t, "after divergence", m, before)
		})
	}
	// A network diverging on its very first S-step also forgets the whitening.
	d := smallDataset(4, 4, 10, 5, 3)
	for i := range d.Mu {
		d.Mu[i] = 1e200
	}
	m, _ := New(5, 3, quickConfig())
	fresh, _ := New(5, 3, quickConfig())
	if _, err := m.SStep(d); err == nil {
		t.Fatal("no error")
	}
	sameState(t, "first S-step diverged", m, fresh)
}

// TestActProb: Act and Prob agree; the noise enters as √Var·ξ; x and t are ignored.
func TestActProb(t *testing.T) {
	d := smallDataset(3, 3, 7, 4, 2)
	m, _ := New(4, 2, quickConfig())
	if _, err := m.SStep(d); err != nil {
		t.Fatal(err)
	}
	l, _ := NewLinear(7, 4, 2, 1)
	if _, err := l.SStep(d); err != nil {
		t.Fatal(err)
	}
	for _, g := range []Global{m, l} {
		R := d.Rows()
		mean := make([]float64, R*2)
		cov := make([]float64, R*4)
		g.Prob(d.Obs, d.T, mean, cov)
		u := make([]float64, 2)
		xi := []float64{0.3, -1.7}
		for r := 0; r < R; r++ {
			tt := r % d.T
			g.Act(tt, []float64{9, 9, 9, 9}, d.Obs[r*4:(r+1)*4], nil, u)
			// the same arithmetic on the same inputs (per row vs chunked): exact
			if !sameBits(u, mean[r*2:(r+1)*2]) {
				t.Fatalf("%T row %d: Act mean %v, Prob %v", g, r, u, mean[r*2:(r+1)*2])
			}
			g.Act(tt, nil, d.Obs[r*4:(r+1)*4], xi, u)
			c := cov[r*4 : (r+1)*4]
			var ch mat.Cholesky
			if !ch.Factorize(mat.NewSymDense(2, slices.Clone(c))) {
				t.Fatal("covariance not PD")
			}
			var L mat.TriDense
			ch.LTo(&L)
			for i := 0; i < 2; i++ {
				want := mean[r*2+i]
				for j := 0; j <= i; j++ {
					want += L.At(i, j) * xi[j]
				}
				// two roundings of O(1) numbers
				if math.Abs(u[i]-want) > 1e-14*(1+math.Abs(want)) {
					t.Fatalf("%T row %d: noisy Act %v, want mean + Lξ = %v", g, r, u[i], want)
				}
			}
		}
	}
	// The network's covariance is diag(Var).
	cov := make([]float64, 4)
	m.Prob(d.Obs[:4], 1, make([]float64, 2), cov)
	if !sameBits(cov, []float64{m.Var[0], 0, 0, m.Var[1]}) {
		t.Errorf("cov = %v, Var = %v", cov, m.Var)
	}
}

// TestWhitening: after the first S-step the whitened training inputs have zero
// mean and unit population std (spec §10.4), and later S-steps keep the whitening.
func TestWhitening(t *testing.T) {
	d := smallDataset(3, 5, 10, 4, 2)
	for r := 0; r < d.Rows(); r++ {
		d.Obs[r*4+3] = 2.5 // a constant input: std below 1e-3, scale capped at 1e3
	}
	m, _ := New(4, 2, quickConfig())
	if _, err := m.SStep(d); err != nil {
		t.Fatal(err)
	}
	R := float64(d.Rows())
	for j := 0; j < 3; j++ {
		s1, s2 := 0.0, 0.0
		for r := 0; r < d.Rows(); r++ {
			v := d.Obs[r*4+j]*m.Scale[j] + m.Shift[j]
			s1 += v
			s2 += v * v
		}
		// sums of 50 O(1) numbers: rounding ~1e-15
		if math.Abs(s1/R) > 1e-13 || math.Abs(s2/R-1) > 1e-13 {
			t.Errorf("input %d: whitened mean %g, var %g", j, s1/R, s2/R)
		}
	}
	if m.Scale[3] != 1e3 || m.Shift[3] != -2500 {
		t.Errorf("constant input: scale %v shift %v, want 1e3, -2500", m.Scale[3], m.Shift[3])
	}
	scale := slices.Clone(m.Scale)
	d2 := smallDataset(8, 5, 10, 4, 2)
	if _, err := m.SStep(d2); err != nil {
		t.Fatal(err)
	}
	if !sameBits(scale, m.Scale) {
		t.Error("whitening recomputed on the second S-step")
	}
}

// TestNormaliseWeights: spec §10.3 on a hand-worked example.
func TestNormaliseWeights(t *testing.T) {
	// w = [1 1 1 1 6 0]: sum 10, R = 6 → ·0.6 = [.6 .6 .6 .6 3.6 0]; entries > 1e-2:
	// [.6 .6 .6 .6 3.6], median .6; min(w, 1.2)/.6 = [1 1 1 1 2 0].
	w := []float64{1, 1, 1, 1, 6, 0}
	normaliseWeights(w, make([]float64, 6))
	want := []float64{1, 1, 1, 1, 2, 0}
	for i := range w {
		// three roundings of O(1) numbers
		if math.Abs(w[i]-want[i]) > 1e-15 {
			t.Fatalf("got %v, want %v", w, want)
		}
	}
	// Equal weights (MDGPS's 0.01 everywhere) become exactly 1.
	w = []float64{0.01, 0.01, 0.01, 0.01}
	normaliseWeights(w, make([]float64, 4))
	for _, v := range w {
		if v != 1 {
			t.Fatalf("equal weights → %v, want all 1", w)
		}
	}
}

// TestBatcher: the default reshuffles each epoch (every row eventually used); the
// compatibility mode repeats the first epoch's order and never uses the remainder
// (spec §16 Q20).
func TestBatcher(t *testing.T) {
	const R, B, epochs = 23, 5, 6 // 4 batches per epoch, 3 rows left over
	for _, compat := range []bool{false, true} {
		bt := batcher{rng: rand.New(rand.NewPCG(1, 2)), perm: make([]int, R), B: B, compat: compat}
		bt.reset()
		seen := map[int]bool{}
		var orders [][]int
		for e := 0; e < epochs; e++ {
			var ep []int
			for k := 0; k < R/B; k++ {
				ep = append(ep, bt.next()...)
			}
			s := slices.Clone(ep)
			slices.Sort(s)
			if len(slices.Compact(s)) != R/B*B {
				t.Fatalf("compat=%v epoch %d repeats a row: %v", compat, e, ep)
			}
			for _, r := range ep {
				seen[r] = true
			}
			orders = append(orders, ep)
		}
		allSame := true
		for _, o := range orders[1:] {
			allSame = allSame && slices.Equal(o, orders[0])
		}
		if compat && (!allSame || len(seen) != R/B*B) {
			t.Errorf("compat: epochs same %v, rows seen %d, want true, %d", allSame, len(seen), R/B*B)
		}
		if !compat && (allSame || len(seen) != R) {
			t.Errorf("default: epochs same %v, rows seen %d, want false, %d", allSame, len(seen), R)
		}
	}
}

// TestNoAllocs: a training step does not allocate, and an S-step allocates the
// same few objects whatever its number of steps.
func TestNoAllocs(t *testing.T) {
	d := pegDataset(1, 2, 2, 30, 26, 7)
	c := PaperConfig()
	c.Iterations = 10
	m, _ := New(26, 7, c)
	if _, err := m.SStep(d); err != nil {
		t.Fatal(err)
	}
	tr := m.tr
	if a := testing.AllocsPerRun(50, func() {
		tr.lossGrad(m.Theta, 26, 7, c.WeightDecay, false)
		m.adam(tr.grad)
	}); a != 0 {
		t.Errorf("a training step allocates %v times", a)
	}
	per := func(iters int) float64 {
		m.Config.Iterations = iters
		return testing.AllocsPerRun(3, func() {
			if _, err := m.SStep(d); err != nil {
				t.Fatal(err)
			}
		})
	}
	if a, b := per(10), per(400); a != b {
		t.Errorf("S-step allocations grow with the step count: %v for 10 steps, %v for 400", a, b)
	}
}

// TestActConcurrent: rollouts of several conditions call Act at once (one goroutine
// each); the results equal serial calls bit for bit (run with -race to check the
// scratch pool).
func TestActConcurrent(t *testing.T) {
	d := smallDataset(3, 8, 10, 5, 3)
	m, _ := New(5, 3, quickConfig())
	if _, err := m.SStep(d); err != nil {
		t.Fatal(err)
	}
	R := d.Rows()
	want := make([]float64, R*3)
	for r := 0; r < R; r++ {
		m.Act(0, nil, d.Obs[r*5:(r+1)*5], nil, want[r*3:(r+1)*3])
	}
	got := make([]float64, R*3)
	done := make(chan bool)
	const G = 4
	for g := 0; g < G; g++ {
		go func(g int) {
			for r := g; r < R; r += G {
				m.Act(0, nil, d.Obs[r*5:(r+1)*5], nil, got[r*3:(r+1)*3])
			}
			done <- true
		}(g)
	}
	for g := 0; g < G; g++ {
		<-done
	}
	if !sameBits(got, want) {
		t.Error("concurrent Act differs from serial Act")
	}
}

// TestAddSamples builds the S-step dataset from two conditions' local controllers
// and samples (spec §7.4).
func TestAddSamples(t *testing.T) {
	const T, dX, dU, dO = 4, 3, 2, 5
	rng := rand.New(rand.NewPCG(2, 2))
	var d Dataset
	type cond struct {
		pol    *lingauss.Policy
		X, obs []float64
		n      int
	}
	var conds []cond
	for c := 0; c < 2; c++ {
		pol := lingauss.NewPolicy(T, dX, dU)
		for i := range pol.K {
			pol.K[i] = rng.NormFloat64()
		}
		for i := range pol.Bias {
			pol.Bias[i] = rng.NormFloat64()
		}
		for tt := 0; tt < T; tt++ {
			cov := make([]float64, dU*dU)
			randSPD(rng, dU, cov)
			if err := pol.SetCov(tt, cov); err != nil {
				t.Fatal(err)
			}
		}
		n := 2 + c
		X := make([]float64, n*T*dX)
		obs := make([]float64, n*T*dO)
		for i := range X {
			X[i] = rng.NormFloat64()
		}
		for i := range obs {
			obs[i] = rng.NormFloat64()
		}
		d.AddSamples(pol, X, obs, n, 0.01)
		conds = append(conds, cond{pol, X, obs, n})
	}
	if d.N != 5 || d.T != T || d.DO != dO || d.DU != dU {
		t.Fatalf("N=%d T=%d DO=%d DU=%d, want 5 %d %d %d", d.N, d.T, d.DO, d.DU, T, dO, dU)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	row := 0
	for _, c := range conds {
		for j := 0; j < c.n; j++ {
			for tt := 0; tt < T; tt++ {
				x := c.X[(j*T+tt)*dX : (j*T+tt+1)*dX]
				for i := 0; i < dU; i++ {
					want := c.pol.Bias[tt*dU+i]
					for k := 0; k < dX; k++ {
						want += c.pol.K[tt*dU*dX+i*dX+k] * x[k]
					}
					// Act uses a BLAS gemv: a different summation order than this loop
					if math.Abs(d.Mu[row*dU+i]-want) > 1e-14*(1+math.Abs(want)) {
						t.Errorf("row %d: μ_%d = %v, want K x + k = %v", row, i, d.Mu[row*dU+i], want)
					}
				}
				if !sameBits(d.Prec[row*dU*dU:(row+1)*dU*dU], c.pol.Prec[tt*dU*dU:(tt+1)*dU*dU]) ||
					!sameBits(d.Obs[row*dO:(row+1)*dO], c.obs[(j*T+tt)*dO:(j*T+tt+1)*dO]) || d.W[row] != 0.01 {
					t.Errorf("row %d: precision, observation or weight not copied", row)
				}
				row++
			}
		}
	}
}

// TestChangedConfig: changing the network shape of a trained policy is rejected;
// changing the batch size rebuilds the buffers.
func TestChangedConfig(t *testing.T) {
	d := smallDataset(3, 4, 10, 5, 3)
	m, _ := New(5, 3, quickConfig())
	if _, err := m.SStep(d); err != nil {
		t.Fatal(err)
	}
	m.Config.BatchSize = 7
	if _, err := m.SStep(d); err != nil {
		t.Fatal(err)
	}
	m.Config.Hidden = []int{3}
	if _, err := m.SStep(d); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("err = %v, want a shape mismatch", err)
	}
	m.Config.Hidden = []int{12, 10}
	m.Config.LR = -1
	if _, err := m.SStep(d); err == nil || !strings.Contains(err.Error(), "Config.LR") {
		t.Errorf("err = %v, want Config.LR", err)
	}
}

// TestConfigValidate: each field out of range is named in the error.
func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(c *Config)
	}{
		{"Hidden[1]", func(c *Config) { c.Hidden = []int{4, 0} }},
		{"Iterations", func(c *Config) { c.Iterations = 0 }},
		{"BatchSize", func(c *Config) { c.BatchSize = -3 }},
		{"LR", func(c *Config) { c.LR = math.NaN() }},
		{"Beta1", func(c *Config) { c.Beta1 = 1 }},
		{"Beta2", func(c *Config) { c.Beta2 = -0.1 }},
		{"Epsilon", func(c *Config) { c.Epsilon = 0 }},
		{"WeightDecay", func(c *Config) { c.WeightDecay = math.Inf(1) }},
		{"InitVar", func(c *Config) { c.InitVar = 0 }},
		{"InitStd", func(c *Config) { c.InitStd = -1 }},
		{"EntReg", func(c *Config) { c.EntReg = -1e-3 }},
	} {
		c := PaperConfig()
		tc.edit(&c)
		_, err := New(4, 2, c)
		if err == nil || !strings.Contains(err.Error(), "Config."+tc.field) {
			t.Errorf("%s: err = %v", tc.field, err)
		}
	}
	var zero Config
	if err := zero.Validate(); err == nil {
		t.Error("the zero Config validated")
	}
	if _, err := New(0, 2, PaperConfig()); err == nil {
		t.Error("dO = 0 accepted")
	}
	c := PaperConfig()
	if err := c.Validate(); err != nil {
		t.Errorf("PaperConfig: %v", err)
	}
}
