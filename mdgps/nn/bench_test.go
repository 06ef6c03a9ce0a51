package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	_ "github.com/mirrorgps/mirrorgps/internal/blasimpl"
)

// pegDataset builds a peg-sized S-step dataset (spec §15.5, configs §2.2): M
// conditions × N samples × T steps, dO = 26, dU = 7, targets from a smooth nonlinear
// function of the observation and one random SPD precision per (condition, t), as
// the local controllers provide.
func pegDataset(seed uint64, M, N, T, dO, dU int) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	R := M * N * T
	d := &Dataset{N: M * N, T: T, DO: dO, DU: dU,
		Obs: make([]float64, R*dO), Mu: make([]float64, R*dU), Prec: make([]float64, R*dU*dU), W: make([]float64, R)}
	A := make([]float64, dU*dO)
	for i := range A {
		A[i] = rng.NormFloat64() / math.Sqrt(float64(dO))
	}
	prec := make([]float64, M*T*dU*dU)
	for c := 0; c < M*T; c++ {
		randSPD(rng, dU, prec[c*dU*dU:(c+1)*dU*dU])
	}
	for n := 0; n < M*N; n++ {
		cond := n / N
		for t := 0; t < T; t++ {
			r := n*T + t
			o := d.Obs[r*dO : (r+1)*dO]
			for j := range o {
				o[j] = 0.5*math.Sin(0.05*float64(t)+float64(j)+float64(cond)) + 0.1*rng.NormFloat64()
			}
			for i := 0; i < dU; i++ {
				s := 0.0
				for j := 0; j < dO; j++ {
					s += A[i*dO+j] * o[j]
				}
				d.Mu[r*dU+i] = math.Tanh(2*s) + 0.1*float64(i)
			}
			copy(d.Prec[r*dU*dU:(r+1)*dU*dU], prec[(cond*T+t)*dU*dU:(cond*T+t+1)*dU*dU])
			d.W[r] = 0.01
		}
	}
	return d
}

// randSPD writes a random symmetric positive definite n×n matrix G Gᵀ/n + 0.5 I.
func randSPD(rng *rand.Rand, n int, dst []float64) {
	g := make([]float64, n*n)
	for i := range g {
		g[i] = rng.NormFloat64()
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for k := 0; k < n; k++ {
				s += g[i*n+k] * g[j*n+k]
			}
			dst[i*n+j] = s / float64(n)
			if i == j {
				dst[i*n+j] += 0.5
			}
		}
	}
}

// BenchmarkSStepPeg times one S-step of the paper's size: 4000 Adam steps of batch
// 25 on 9 conditions × 5 samples × 100 steps, 26 → 40 → 40 → 7 ReLU, 7×7
// precisions. Target ≤ 0.5 s on one core.
func BenchmarkSStepPeg(b *testing.B) {
	d := pegDataset(1, 9, 5, 100, 26, 7)
	cfg := PaperConfig()
	m, err := New(26, 7, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.SStep(d); err != nil { // warm-up: buffers, whitening
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := m.SStep(d); err != nil {
			b.Fatal(err)
		}
	}
	// CPU seconds per S-step (process user+sys time): the one-core cost, robust to
	// other processes on the machine, unlike the wall-clock ns/op.
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkAdamStepPeg times a single minibatch step (forward, backward, Adam) at
// the peg size; it must not allocate.
func BenchmarkAdamStepPeg(b *testing.B) {
	d := pegDataset(1, 9, 5, 100, 26, 7)
	cfg := PaperConfig()
	cfg.Iterations = 1
	m, err := New(26, 7, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.SStep(d); err != nil {
		b.Fatal(err)
	}
	tr := m.tr
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % (d.Rows() / 25)
		copy(tr.batch, tr.perm[k*25:(k+1)*25])
		tr.lossGrad(m.Theta, 26, 7, cfg.WeightDecay, false)
		m.adam(tr.grad)
	}
}

// BenchmarkLinearSStepPeg times the exact projection of the linear class at the
// peg size (45 trajectories × 100 steps, 26 → 7): one 189×189 symmetric
// eigendecomposition per step.
func BenchmarkLinearSStepPeg(b *testing.B) {
	d := pegDataset(1, 9, 5, 100, 26, 7)
	l, err := NewLinear(100, 26, 7, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.SStep(d); err != nil {
			b.Fatal(err)
		}
	}
}
