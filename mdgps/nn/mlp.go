package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// MLP is the neural global policy π_θ(u|o) = N(f_θ(o'), diag(Var)) (spec §10.2,
// §10.6): a fully connected network with ReLU hidden layers and a linear output,
// acting on whitened observations o' = o ⊙ Scale + Shift (spec §10.4).
//
// All exported fields are the policy's whole state — weights, whitening, variance,
// Adam moments and step count, and the number of S-steps done (which selects the
// next minibatch stream) — so an MLP written with encoding/gob and read back
// continues training bit for bit as if never interrupted. Unexported scratch space
// is rebuilt on demand.
//
// Act and Prob may be called concurrently; SStep must not run concurrently with any
// other method.
type MLP struct {
	DO, DU int
	Config Config
	// Theta holds all parameters, layer by layer: W_l (out×in, row-major) then b_l.
	Theta []float64
	// Scale and Shift whiten the input: o'_j = o_j·Scale_j + Shift_j. They are
	// 1 and 0 until the first S-step computes them (Whitened becomes true).
	Scale, Shift []float64
	Whitened     bool
	// Var is the diagonal of the action covariance (Config.InitVar until the first
	// S-step).
	Var []float64
	// AdamM and AdamV are Adam's first and second moments; AdamStep is the number
	// of Adam steps taken so far (the t of the bias correction). They carry over
	// from one S-step to the next, as the reference's solver does.
	AdamM, AdamV []float64
	AdamStep     int
	// Calls counts completed S-steps.
	Calls int

	tr   *trainer
	pool sync.Pool // *actScratch for Act
}

// Streams derived from Config.Seed: initial weights, and one minibatch stream per
// S-step call (stream index = Calls).
const (
	initStream  = 0x6e6e2d696e6974 // "nn-init"
	batchStream = 0x6e6e2d62617463 // "nn-batc"
)

// New returns a network policy for dO-dimensional observations and dU-dimensional
// actions with weights drawn from N(0, InitStd²), zero biases, unit whitening and
// variance InitVar. It returns an error for an invalid config or dimensions.
func New(dO, dU int, cfg Config) (*MLP, error) {
	if dO < 1 || dU < 1 {
		return nil, fmt.Errorf("nn: New dO = %d, dU = %d, want ≥ 1", dO, dU)
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &MLP{DO: dO, DU: dU, Config: cfg}
	sizes := m.sizes()
	n := m.numParams()
	m.Theta = make([]float64, n)
	rng := rand.New(rand.NewPCG(cfg.Seed, initStream))
	off := 0
	for l := 0; l+1 < len(sizes); l++ {
		nw := sizes[l+1] * sizes[l]
		for i := 0; i < nw; i++ {
			m.Theta[off+i] = cfg.InitStd * rng.NormFloat64()
		}
		off += nw + sizes[l+1]
	}
	m.Scale = make([]float64, dO)
	m.Shift = make([]float64, dO)
	for j := range m.Scale {
		m.Scale[j] = 1
	}
	m.Var = make([]float64, dU)
	for j := range m.Var {
		m.Var[j] = cfg.InitVar
	}
	m.AdamM = make([]float64, n)
	m.AdamV = make([]float64, n)
	return m, nil
}

// sizes returns [DO, Hidden..., DU].
func (m *MLP) sizes() []int {
	s := make([]int, 0, len(m.Config.Hidden)+2)
	s = append(s, m.DO)
	s = append(s, m.Config.Hidden...)
	return append(s, m.DU)
}

// numParams returns the number of weights and biases of the configured shape.
func (m *MLP) numParams() int {
	sizes := m.sizes()
	n := 0
	for l := 0; l+1 < len(sizes); l++ {
		n += sizes[l+1]*sizes[l] + sizes[l+1]
	}
	return n
}

// Dims returns the observation and action dimensions.
func (m *MLP) Dims() (dO, dU int) { return m.DO, m.DU }

// actScratch holds two activation vectors for Act.
type actScratch struct{ a, b []float64 }

// Act computes the action u = f_θ(o') + diag(√Var)·noise for the observation obs
// (spec §10.8); noise == nil gives the mean action. t and x are ignored: the
// signature matches lingauss.Policy.Act so that local controllers and the global
// policy plug into the same rollout loop.
func (m *MLP) Act(t int, x, obs, noise, u []float64) {
	if len(obs) != m.DO || len(u) != m.DU || (noise != nil && len(noise) != m.DU) {
		panic(fmt.Sprintf("nn: Act with len(obs)=%d len(u)=%d len(noise)=%d, want %d, %d, %d",
			len(obs), len(u), len(noise), m.DO, m.DU, m.DU))
	}
	s, _ := m.pool.Get().(*actScratch)
	w := 0
	for _, h := range m.Config.Hidden {
		w = max(w, h)
	}
	w = max(w, m.DO)
	if s == nil || len(s.a) < w {
		s = &actScratch{a: make([]float64, w), b: make([]float64, w)}
	}
	m.forward(1, obs, u, s.a, s.b)
	if noise != nil {
		for j := range u {
			u[j] += math.Sqrt(m.Var[j]) * noise[j]
		}
	}
	m.pool.Put(s)
}

// forward evaluates f_θ on rows raw observations (rows×DO) into out (rows×DU),
// whitening first; a and b are scratch of at least rows×max(DO, hidden widths).
func (m *MLP) forward(rows int, obs, out, a, b []float64) {
	dO := m.DO
	for r := 0; r < rows; r++ {
		for j := 0; j < dO; j++ {
			a[r*dO+j] = obs[r*dO+j]*m.Scale[j] + m.Shift[j]
		}
	}
	sizes := m.sizes()
	off := 0
	L := len(sizes) - 1
	for l := 0; l < L; l++ {
		in, o := sizes[l], sizes[l+1]
		w := m.Theta[off : off+o*in]
		bias := m.Theta[off+o*in : off+o*in+o]
		off += o*in + o
		dst := b
		if l == L-1 {
			dst = out
		}
		mulABt(rows, o, in, a, in, w, in, dst, o, false)
		for r := 0; r < rows; r++ {
			row := dst[r*o : r*o+o]
			for j := range row {
				v := row[j] + bias[j]
				if l < L-1 && v < 0 {
					v = 0
				}
				row[j] = v
			}
		}
		a, b = b, a
	}
}

// probChunk is the number of rows Prob evaluates at once.
const probChunk = 64

// Prob evaluates the policy on many observations (spec §10.7): for the
// rows = len(obs)/DO observations it writes the means f_θ(o'_r) into mean
// (rows×DU) and, if cov is not nil, the covariances diag(Var) into cov
// (rows×DU×DU). T is ignored (the network is stationary); it is accepted so that
// every policy class shares one signature.
func (m *MLP) Prob(obs []float64, T int, mean, cov []float64) {
	dO, dU := m.DO, m.DU
	rows := len(obs) / dO
	if len(obs) != rows*dO || len(mean) != rows*dU || (cov != nil && len(cov) != rows*dU*dU) {
		panic(fmt.Sprintf("nn: Prob with len(obs)=%d len(mean)=%d len(cov)=%d for DO=%d DU=%d",
			len(obs), len(mean), len(cov), dO, dU))
	}
	w := dO
	for _, h := range m.Config.Hidden {
		w = max(w, h)
	}
	a := make([]float64, probChunk*w)
	b := make([]float64, probChunk*w)
	for r0 := 0; r0 < rows; r0 += probChunk {
		n := min(probChunk, rows-r0)
		m.forward(n, obs[r0*dO:(r0+n)*dO], mean[r0*dU:(r0+n)*dU], a, b)
	}
	if cov != nil {
		clear(cov)
		for r := 0; r < rows; r++ {
			for j := 0; j < dU; j++ {
				cov[r*dU*dU+j*dU+j] = m.Var[j]
			}
		}
	}
}

// Loss returns the policy's mean-action loss on the whole dataset,
//
//	L = Σ_r w_r ½ (μ_r − f_θ(o'_r))ᵀ P_r (μ_r − f_θ(o'_r)) / Σ_r w_r,
//
// with the dataset's raw weights (no normalisation, no weight decay).
func (m *MLP) Loss(d *Dataset) (float64, error) {
	if err := d.checkDims(m.DO, m.DU); err != nil {
		return 0, err
	}
	if err := d.Validate(); err != nil {
		return 0, err
	}
	R, dU := d.Rows(), d.DU
	mean := make([]float64, R*dU)
	m.Prob(d.Obs, d.T, mean, nil)
	num, den := 0.0, 0.0
	for r := 0; r < R; r++ {
		num += d.W[r] * quad(d.Prec[r*dU*dU:(r+1)*dU*dU], d.Mu[r*dU:(r+1)*dU], mean[r*dU:(r+1)*dU])
		den += d.W[r]
	}
	return num / den, nil
}

// quad returns ½ (a − b)ᵀ P (a − b) with sym(P).
func quad(p, a, b []float64) float64 {
	n := len(a)
	s := 0.0
	for i := 0; i < n; i++ {
		di := a[i] - b[i]
		for j := 0; j < n; j++ {
			s += di * 0.5 * (p[i*n+j] + p[j*n+i]) * (a[j] - b[j])
		}
	}
	return 0.5 * s
}

// Stats summarises one S-step.
type Stats struct {
	Iterations int     // Adam steps taken
	Rows       int     // dataset rows N·T
	FirstLoss  float64 // minibatch loss (data term, normalised weights) of the first step
	MeanLoss   float64 // mean minibatch loss over the last min(Iterations, ⌊rows/B⌋) steps
	Decay      float64 // ½λ‖θ‖² after training
	// LossTrace holds the mean minibatch loss (data term) of each consecutive block
	// of TraceEvery steps (the last block may be shorter), as the reference's Caffe
	// solver logs it: the S-step's learning curve.
	LossTrace []float64
}

// TraceEvery is the block length of Stats.LossTrace (the reference logs every 500
// Caffe steps).
const TraceEvery = 500

// normaliseWeights applies spec §10.3 to w (in place): w ← w·R/Σw; med = median of
// the entries > 1e-2; w ← min(w, 2·med)/med. work has len(w) entries.
func normaliseWeights(w, work []float64) {
	R := float64(len(w))
	s := 0.0
	for _, v := range w {
		s += v
	}
	for i := range w {
		w[i] *= R / s
	}
	work = work[:0]
	for _, v := range w {
		if v > 1e-2 {
			work = append(work, v)
		}
	}
	slices.Sort(work)
	n := len(work)
	if n == 0 { // all weights ≤ 1e-2 after scaling to mean 1: impossible, but keep w finite
		return
	}
	med := work[n/2]
	if n%2 == 0 {
		med = 0.5 * (work[n/2-1] + work[n/2])
	}
	for i, v := range w {
		w[i] = math.Min(v, 2*med) / med
	}
}

// Clone returns a deep copy of the policy's state (all exported fields); scratch
// space is not shared.
func (m *MLP) Clone() *MLP {
	c := &MLP{DO: m.DO, DU: m.DU, Config: m.Config, Whitened: m.Whitened, AdamStep: m.AdamStep, Calls: m.Calls}
	c.Config.Hidden = slices.Clone(m.Config.Hidden)
	c.Theta = slices.Clone(m.Theta)
	c.Scale = slices.Clone(m.Scale)
	c.Shift = slices.Clone(m.Shift)
	c.Var = slices.Clone(m.Var)
	c.AdamM = slices.Clone(m.AdamM)
	c.AdamV = slices.Clone(m.AdamV)
	return c
}
