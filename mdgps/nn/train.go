package nn

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// gemm computes C = op(A)·op(B) for row-major A, B, C with the given strides
// (m×n result, inner dimension k) through blas64.
func gemm(ta, tb blas.Transpose, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	ar, ac := m, k
	if ta == blas.Trans {
		ar, ac = k, m
	}
	br, bc := k, n
	if tb == blas.Trans {
		br, bc = n, k
	}
	blas64.Gemm(ta, tb, 1,
		blas64.General{Rows: ar, Cols: ac, Stride: lda, Data: a},
		blas64.General{Rows: br, Cols: bc, Stride: ldb, Data: b},
		0, blas64.General{Rows: m, Cols: n, Stride: ldc, Data: c})
}

// trainer holds the preallocated buffers of the S-step for one network shape and
// batch size; the dataset buffers grow to the largest dataset seen.
type trainer struct {
	sizes []int
	B     int
	offW  []int       // offset of W_l in Theta
	offB  []int       // offset of b_l in Theta
	act   [][]float64 // act[l]: B×sizes[l]; act[0] is the whitened input batch
	g     []float64   // B×width: gradient w.r.t. a layer's pre-activation
	gPrev []float64   // B×width: gradient w.r.t. the layer input
	grad  []float64   // ∂J/∂θ
	batch []int
	diff  []float64 // DU

	// dataset, prepared once per S-step
	xw   []float64 // R×DO whitened observations
	mu   []float64 // R×DU
	wp   []float64 // R×DU×DU: w̃_r · sym(P_r)
	wn   []float64 // R normalised weights
	work []float64 // R scratch for the median
	perm []int

	// state on entry, restored if training diverges
	saved struct {
		theta, m, v, vr, scale, shift []float64
		step                          int
		whitened                      bool
	}
}

func newTrainer(m *MLP) *trainer {
	sizes := m.sizes()
	B := m.Config.BatchSize
	tr := &trainer{sizes: sizes, B: B}
	width := 0
	off := 0
	for l := 0; l+1 < len(sizes); l++ {
		in, out := sizes[l], sizes[l+1]
		tr.offW = append(tr.offW, off)
		tr.offB = append(tr.offB, off+out*in)
		off += out*in + out
	}
	for _, s := range sizes {
		tr.act = append(tr.act, make([]float64, B*s))
		width = max(width, s)
	}
	tr.g = make([]float64, B*width)
	tr.gPrev = make([]float64, B*width)
	tr.grad = make([]float64, len(m.Theta))
	tr.batch = make([]int, B)
	tr.diff = make([]float64, m.DU)
	n := len(m.Theta)
	tr.saved.theta = make([]float64, n)
	tr.saved.m = make([]float64, n)
	tr.saved.v = make([]float64, n)
	tr.saved.vr = make([]float64, m.DU)
	tr.saved.scale = make([]float64, m.DO)
	tr.saved.shift = make([]float64, m.DO)
	return tr
}

// grow returns s resized to n, reusing its storage when large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

// lossGrad evaluates, for the minibatch rows tr.batch, the S-step objective
//
//	J(θ) = (1/2B) Σ_{r∈batch} (μ_r − f_θ(o'_r))ᵀ W_r (μ_r − f_θ(o'_r)) + ½λ‖θ‖²,
//
// W_r = w̃_r sym(P_r), and writes ∂J/∂θ into tr.grad by backpropagation. It returns
// J (NaN unless withTotal) and its data term.
func (tr *trainer) lossGrad(theta []float64, dO, dU int, lambda float64, withTotal bool) (total, data float64) {
	B := tr.B
	L := len(tr.sizes) - 1
	// Gather the whitened inputs.
	x := tr.act[0]
	for i, r := range tr.batch {
		copy(x[i*dO:(i+1)*dO], tr.xw[r*dO:(r+1)*dO])
	}
	// Forward.
	for l := 0; l < L; l++ {
		in, out := tr.sizes[l], tr.sizes[l+1]
		w := theta[tr.offW[l] : tr.offW[l]+out*in]
		bias := theta[tr.offB[l] : tr.offB[l]+out]
		y := tr.act[l+1]
		gemm(blas.NoTrans, blas.Trans, B, out, in, tr.act[l], in, w, in, y, out)
		relu := l < L-1
		for r := 0; r < B; r++ {
			row := y[r*out : r*out+out]
			if relu {
				for j, bj := range bias[:len(row)] {
					row[j] = max(row[j]+bj, 0) // branch-free; max(-0, 0) = +0
				}
			} else {
				for j, bj := range bias[:len(row)] {
					row[j] += bj
				}
			}
		}
	}
	// Output loss and its gradient g_r = (1/B) W_r (f_r − μ_r).
	y := tr.act[L]
	g := tr.g[:B*dU]
	invB := 1 / float64(B)
	dd := tr.diff[:dU]
	for i, r := range tr.batch {
		mu := tr.mu[r*dU : (r+1)*dU]
		yr := y[i*dU : (i+1)*dU]
		for j := range dd {
			dd[j] = yr[j] - mu[j]
		}
		wp := tr.wp[r*dU*dU : (r+1)*dU*dU]
		gr := g[i*dU : (i+1)*dU]
		for j := range gr {
			row := wp[j*dU : (j+1)*dU]
			row = row[:len(dd)]
			s := 0.0
			for k, v := range dd {
				s += row[k] * v
			}
			data += dd[j] * s
			gr[j] = s * invB
		}
	}
	data *= 0.5 * invB
	// Backward.
	for l := L - 1; l >= 0; l-- {
		in, out := tr.sizes[l], tr.sizes[l+1]
		gl := tr.g[:B*out]
		gw := tr.grad[tr.offW[l] : tr.offW[l]+out*in]
		gemm(blas.Trans, blas.NoTrans, out, in, B, gl, out, tr.act[l], in, gw, in)
		gb := tr.grad[tr.offB[l] : tr.offB[l]+out]
		clear(gb)
		for r := 0; r < B; r++ {
			for o, v := range gl[r*out : (r+1)*out] {
				gb[o] += v
			}
		}
		if l == 0 {
			break
		}
		// ∂J/∂act[l] = g W_l, masked by the ReLU of layer l.
		gp := tr.gPrev[:B*in]
		w := theta[tr.offW[l] : tr.offW[l]+out*in]
		gemm(blas.NoTrans, blas.NoTrans, B, in, out, gl, out, w, in, gp, in)
		// Branch-free mask: act ≥ 0 after the ReLU, and is +0 exactly where the unit
		// is inactive; (b | −b) >> 63 is 1 for b ≠ 0 and 0 for b = 0.
		a := tr.act[l][:len(gp)]
		for i, v := range a {
			b := math.Float64bits(v)
			keep := -((b | -b) >> 63) // all ones or zero
			gp[i] = math.Float64frombits(math.Float64bits(gp[i]) & keep)
		}
		tr.g, tr.gPrev = tr.gPrev, tr.g
	}
	// Weight decay.
	if lambda != 0 {
		g := tr.grad[:len(theta)]
		for i, v := range theta {
			g[i] += lambda * v
		}
	}
	if !withTotal {
		return math.NaN(), data
	}
	reg := 0.0
	for _, v := range theta {
		reg += v * v
	}
	return data + 0.5*lambda*reg, data
}

// adam applies one Adam step (Kingma & Ba; the form of Caffe's and TensorFlow's
// solvers, spec §10.1) with gradient grad:
//
//	t ← t+1,  m ← β1 m + (1−β1) g,  v ← β2 v + (1−β2) g²,
//	θ ← θ − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε).
func (m *MLP) adam(grad []float64) {
	c := &m.Config
	m.AdamStep++
	t := float64(m.AdamStep)
	lrt := c.LR * math.Sqrt(1-math.Pow(c.Beta2, t)) / (1 - math.Pow(c.Beta1, t))
	b1, b2, eps := c.Beta1, c.Beta2, c.Epsilon
	th := m.Theta
	mm := m.AdamM[:len(th)]
	vv := m.AdamV[:len(th)]
	grad = grad[:len(th)]
	for i, gi := range grad {
		mi := b1*mm[i] + (1-b1)*gi
		vi := b2*vv[i] + (1-b2)*gi*gi
		mm[i] = mi
		vv[i] = vi
		th[i] -= lrt * mi / (math.Sqrt(vi) + eps)
	}
}

// SStep trains the policy on d (spec §10.3–§10.6): it normalises the weights,
// whitens the inputs (computing the whitening on the first call), runs
// Config.Iterations Adam steps on minibatches of the loss
//
//	J(θ) = (1/2B) Σ_{r∈batch} w̃_r (μ_r − f_θ(o'_r))ᵀ P_r (μ_r − f_θ(o'_r)) + ½λ‖θ‖²,
//
// and sets the variance to the KL-minimising diagonal
// Var_j = 1 / (Σ_r w̃_r P_r,jj / Σ_r w̃_r + 2·EntReg).
//
// Bad input (see Dataset.Validate, dimensions, fewer rows than a batch) is
// rejected before anything changes. If the loss or the weights become non-finite
// it returns a *DivergedError and restores the policy to its state on entry.
func (m *MLP) SStep(d *Dataset) (Stats, error) {
	if err := d.checkDims(m.DO, m.DU); err != nil {
		return Stats{}, err
	}
	if err := d.Validate(); err != nil {
		return Stats{}, err
	}
	c := &m.Config
	if err := c.Validate(); err != nil {
		return Stats{}, err
	}
	if n := m.numParams(); len(m.Theta) != n || len(m.AdamM) != n || len(m.AdamV) != n ||
		len(m.Var) != m.DU || len(m.Scale) != m.DO || len(m.Shift) != m.DO {
		return Stats{}, errorf("nn: MLP state does not match DO=%d DU=%d Hidden=%v (%d parameters, len(Theta)=%d)",
			m.DO, m.DU, c.Hidden, n, len(m.Theta))
	}
	R := d.Rows()
	B := c.BatchSize
	if R < B {
		return Stats{}, errorf("nn: dataset has %d rows, fewer than Config.BatchSize = %d", R, B)
	}
	if m.tr == nil || m.tr.B != B || !slices.Equal(m.tr.sizes, m.sizes()) {
		m.tr = newTrainer(m)
	}
	tr := m.tr
	dO, dU := m.DO, m.DU

	// Save the state (restored on divergence).
	sv := &tr.saved
	copy(sv.theta, m.Theta)
	copy(sv.m, m.AdamM)
	copy(sv.v, m.AdamV)
	copy(sv.vr, m.Var)
	copy(sv.scale, m.Scale)
	copy(sv.shift, m.Shift)
	sv.step, sv.whitened = m.AdamStep, m.Whitened

	// Weights (§10.3).
	tr.wn = grow(tr.wn, R)
	tr.work = grow(tr.work, R)
	copy(tr.wn, d.W)
	normaliseWeights(tr.wn, tr.work)

	// Whitening (§10.4), once.
	if !m.Whitened {
		if err := m.computeWhitening(d.Obs, R); err != nil {
			return Stats{}, err
		}
	}
	tr.xw = grow(tr.xw, R*dO)
	for r := 0; r < R; r++ {
		for j := 0; j < dO; j++ {
			tr.xw[r*dO+j] = d.Obs[r*dO+j]*m.Scale[j] + m.Shift[j]
		}
	}
	tr.mu = grow(tr.mu, R*dU)
	copy(tr.mu, d.Mu)
	tr.wp = grow(tr.wp, R*dU*dU)
	for r := 0; r < R; r++ {
		p := d.Prec[r*dU*dU : (r+1)*dU*dU]
		q := tr.wp[r*dU*dU : (r+1)*dU*dU]
		w := tr.wn[r]
		for i := 0; i < dU; i++ {
			for j := 0; j < dU; j++ {
				q[i*dU+j] = w * 0.5 * (p[i*dU+j] + p[j*dU+i])
			}
		}
	}

	// Minibatch order (§10.5; Q20 under Compat).
	tr.perm = grow(tr.perm, R)
	bt := batcher{rng: rand.New(rand.NewPCG(c.Seed^batchStream, uint64(m.Calls))), perm: tr.perm, B: B, compat: c.Compat}
	bt.reset()
	nb := R / B
	st := Stats{Iterations: c.Iterations, Rows: R}
	window := min(c.Iterations, nb)
	sum, block := 0.0, 0.0
	st.LossTrace = make([]float64, 0, (c.Iterations+TraceEvery-1)/TraceEvery)
	for it := 0; it < c.Iterations; it++ {
		copy(tr.batch, bt.next())
		_, data := tr.lossGrad(m.Theta, dO, dU, c.WeightDecay, false)
		if math.IsNaN(data) || math.IsInf(data, 0) {
			m.restore()
			return Stats{}, &DivergedError{Iteration: it, Loss: data, Param: -1}
		}
		if it == 0 {
			st.FirstLoss = data
		}
		if it >= c.Iterations-window {
			sum += data
		}
		block += data
		if (it+1)%TraceEvery == 0 || it+1 == c.Iterations {
			st.LossTrace = append(st.LossTrace, block/float64(it%TraceEvery+1))
			block = 0
		}
		m.adam(tr.grad)
	}
	for i, v := range m.Theta {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			m.restore()
			return Stats{}, &DivergedError{Iteration: c.Iterations - 1, Loss: sum / float64(window), Param: i}
		}
	}
	st.MeanLoss = sum / float64(window)
	reg := 0.0
	for _, v := range m.Theta {
		reg += v * v
	}
	st.Decay = 0.5 * c.WeightDecay * reg

	// Covariance (§10.6; Q21 under Compat).
	sw := 0.0
	for _, w := range tr.wn {
		sw += w
	}
	for j := 0; j < dU; j++ {
		a := 0.0
		for r := 0; r < R; r++ {
			pjj := d.Prec[r*dU*dU+j*dU+j]
			if c.Compat {
				a += pjj
			} else {
				a += tr.wn[r] * pjj
			}
		}
		if c.Compat {
			a = (a + 2*float64(R)*c.EntReg) / sw
		} else {
			a = a/sw + 2*c.EntReg
		}
		m.Var[j] = 1 / a
	}
	m.Calls++
	return st, nil
}

// restore puts back the state saved on entry to SStep.
func (m *MLP) restore() {
	sv := &m.tr.saved
	copy(m.Theta, sv.theta)
	copy(m.AdamM, sv.m)
	copy(m.AdamV, sv.v)
	copy(m.Var, sv.vr)
	copy(m.Scale, sv.scale)
	copy(m.Shift, sv.shift)
	m.AdamStep, m.Whitened = sv.step, sv.whitened
}

// computeWhitening sets Scale_j = 1/max(std_j, 1e-3) (population std over all rows)
// and Shift_j = −mean_r(o_rj·Scale_j) (spec §10.4); with Config.WhitenNoFloor
// Scale_j = 1/std_j (spec §15.4), and a *WhiteningError, before anything changes,
// when some 1/std_j is not finite.
func (m *MLP) computeWhitening(obs []float64, R int) error {
	dO := m.DO
	if m.Config.WhitenNoFloor {
		if err := checkWhitening(obs, R, dO); err != nil {
			return err
		}
	}
	for j := 0; j < dO; j++ {
		mean := 0.0
		for r := 0; r < R; r++ {
			mean += obs[r*dO+j]
		}
		mean /= float64(R)
		v := 0.0
		for r := 0; r < R; r++ {
			e := obs[r*dO+j] - mean
			v += e * e
		}
		std := math.Sqrt(v / float64(R))
		s := 1 / math.Max(std, 1e-3)
		if m.Config.WhitenNoFloor {
			s = 1 / std
		}
		sh := 0.0
		for r := 0; r < R; r++ {
			sh += obs[r*dO+j] * s
		}
		m.Scale[j] = s
		m.Shift[j] = -sh / float64(R)
	}
	m.Whitened = true
	return nil
}

// batcher yields the minibatches of one S-step (spec §10.5): the row indices are
// shuffled once; batch k of an epoch is perm[kB : (k+1)B], k < ⌊R/B⌋. By default the
// permutation is reshuffled at the start of every epoch after the first, so the
// rows left over by ⌊R/B⌋ change; with compat the first permutation is reused in
// every epoch and its last R mod B rows are never used (spec §16 Q20).
type batcher struct {
	rng    *rand.Rand
	perm   []int
	B      int
	compat bool
	k      int // next batch within the epoch
}

func (b *batcher) reset() {
	for i := range b.perm {
		b.perm[i] = i
	}
	b.shuffle()
	b.k = 0
}

func (b *batcher) shuffle() {
	p := b.perm
	b.rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
}

// next returns the next minibatch (a view of perm, valid until the next call).
func (b *batcher) next() []int {
	if b.k == len(b.perm)/b.B {
		b.k = 0
		if !b.compat {
			b.shuffle()
		}
	}
	k := b.k
	b.k++
	return b.perm[k*b.B : (k+1)*b.B]
}
