package envs

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Noise configures the exploration noise ξ of a rollout (spec §2.3, the
// reference's generate_noise). The zero value gives white standard-normal
// noise; DefaultNoise gives the reference's settings.
type Noise struct {
	// Smooth filters each action column with a Gaussian kernel of standard
	// deviation Sigma time steps (the reference's smooth_noise_var, which is a
	// standard deviation despite its name): radius r = int(4σ + 0.5), weights
	// exp(−i²/(2σ²)) normalised to sum 1, boundary mode "reflect"
	// (… c b a | a b c … z | z y x …), as SciPy's gaussian_filter.
	Smooth bool
	Sigma  float64
	// Renormalize divides each column, after smoothing, by the square root of
	// its population variance over the T steps (NumPy's np.var, ddof 0); the
	// column itself is not centred. Applies only when Smooth is set.
	Renormalize bool
}

// DefaultNoise returns the reference's defaults: smoothing with σ = 2 steps and
// renormalisation (spec §2.3).
func DefaultNoise() Noise { return Noise{Smooth: true, Sigma: 2, Renormalize: true} }

// Validate returns an error naming the field when the configuration is unusable.
func (n Noise) Validate() error {
	if n.Smooth && !(n.Sigma > 0 && n.Sigma < 1e6) {
		return fmt.Errorf("envs: Noise.Sigma = %v; want 0 < Sigma < 1e6 time steps when Smooth is set", n.Sigma)
	}
	return nil
}

// Generate fills dst (T×dU, row-major) with noise drawn from rng: i.i.d.
// standard normals, drawn in row-major order, then smoothed and renormalised
// per column as configured. A column whose variance is exactly 0 after
// smoothing (only possible for T = 1) is left unscaled rather than divided by
// zero. Generate panics if len(dst) ≠ T·dU or the configuration is invalid.
func (n Noise) Generate(dst []float64, T, dU int, rng *rand.Rand) {
	if len(dst) != T*dU || T <= 0 || dU <= 0 {
		panic(fmt.Sprintf("envs: Noise.Generate: len(dst) = %d, want T·dU = %d·%d", len(dst), T, dU))
	}
	if err := n.Validate(); err != nil {
		panic(err.Error())
	}
	for i := range dst {
		dst[i] = rng.NormFloat64()
	}
	if !n.Smooth {
		return
	}
	w := gaussKernel(n.Sigma)
	r := (len(w) - 1) / 2
	col := make([]float64, T)
	for j := range dU {
		for t := range T {
			col[t] = dst[t*dU+j]
		}
		for t := range T {
			s := 0.0
			for k, wk := range w {
				s += wk * col[reflect(t+k-r, T)]
			}
			dst[t*dU+j] = s
		}
		if !n.Renormalize {
			continue
		}
		mean := 0.0
		for t := range T {
			mean += dst[t*dU+j]
		}
		mean /= float64(T)
		v := 0.0
		for t := range T {
			d := dst[t*dU+j] - mean
			v += d * d
		}
		v /= float64(T)
		if v == 0 {
			continue
		}
		sd := math.Sqrt(v)
		for t := range T {
			dst[t*dU+j] /= sd
		}
	}
}

// gaussKernel returns SciPy's 1-D Gaussian kernel for standard deviation sigma:
// radius int(4σ + 0.5), weights exp(−i²/(2σ²)) normalised to sum 1.
func gaussKernel(sigma float64) []float64 {
	r := int(4*sigma + 0.5)
	w := make([]float64, 2*r+1)
	sum := 0.0
	for i := -r; i <= r; i++ {
		v := math.Exp(-0.5 * float64(i*i) / (sigma * sigma))
		w[i+r] = v
		sum += v
	}
	for i := range w {
		w[i] /= sum
	}
	return w
}

// reflect maps an index into [0, n) with half-sample symmetric reflection
// (−1 → 0, −2 → 1, n → n−1), periodic with period 2n for far-out indices.
func reflect(i, n int) int {
	p := 2 * n
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - 1 - i
	}
	return i
}

// Key identifies the random stream of one rollout: the experiment seed, the
// iteration, the condition and the sample index. Each key gives an independent
// PCG stream, so a rollout's noise does not depend on which goroutine runs it
// or in which order.
type Key struct {
	Seed      uint64
	Iteration int
	Cond      int
	Sample    int
}

// noiseDomain separates the exploration-noise streams from any other stream a
// caller may derive from the same key.
const noiseDomain = 0x6e6f697365 // "noise"

// Rand returns the math/rand/v2 generator of k: a PCG seeded with (Seed, h),
// h a SplitMix64 hash chain over (domain, Iteration, Cond, Sample).
func (k Key) Rand() *rand.Rand {
	h := splitmix64(noiseDomain)
	for _, v := range []int{k.Iteration, k.Cond, k.Sample} {
		h = splitmix64(h ^ uint64(int64(v)))
	}
	return rand.New(rand.NewPCG(k.Seed, h))
}

// splitmix64 is the finaliser of Steele, Lea & Flood's SplitMix64 (2014).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
