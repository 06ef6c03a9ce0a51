package fit

import (
	"math"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// The EM kernel (spec §4.4): the E-step's log-observations, the responsibilities
// with their log-sum-exp, and the M-step's weighted moments. One EM step on P
// points with K clusters in D dimensions costs about 2·P·K·D² flops when done
// densely (a triangular product per cluster in the E-step, a rank-P update per
// cluster in the M-step); see BenchmarkGMMEMArm39 for what it reaches.
//
// What makes it fast:
//   - E-step: per block of emChunk points and per cluster, one triangular product
//     with the cached inverse Cholesky factor L_k⁻¹ on the block stored
//     transposed (D×m, so BLAS runs along rows of length m), then the squared
//     column norms four rows at a time.
//   - Responsibilities: one exp per point and cluster (r_nk = e_nk / Σ_j e_nj with
//     e_nk = exp(lo_nk − max_j lo_nj)), no per-point allocation; the column sums
//     that give π_k are sums of r_nk, with a log-space fallback when a column
//     underflows.
//   - M-step: μ for all clusters in one matrix product; Σ_k by dsyrk on blocks
//     of the rows √w_nk (y_n − μ_k), stored transposed.
//
// Everything runs on the calling goroutine in a fixed order, so a fit is
// bit-for-bit reproducible for a given BLAS, whatever runs in parallel with it.

// emChunk is the number of points the E- and M-steps process at a time, so that
// a D×emChunk block (240 KB at D = 59) stays in a core's L2 cache across the
// clusters' passes.
const emChunk = 512

// logObs fills lo (n×K) with log π_k + log N(y_n; μ_k, Σ_k) for the n points
// given centred and transposed, ptsT = (y − ref)ᵀ (D×n; see centreTranspose),
// using the cached factors: the Mahalanobis term is ‖z‖² with
//
//	z = L_k⁻¹(y − μ_k) = L_k⁻¹(y − ref) − c_k,   c_k = L_k⁻¹(μ_k − ref),
//
// formed for a block of points at once (a row-major D×m copy of ptsT's
// columns, so the triangular product runs along rows of length m), with c_k
// subtracted in the pass that sums the squares. Centring keeps L_k⁻¹(y − ref)
// of the size of the data's spread, so the subtraction costs no more than a few
// units in the last place of z. z (≥ D·min(n, emChunk)) and ss (≥ min(n,
// emChunk)) are scratch.
func (g *GMM) logObs(lo, ptsT, ref []float64, n int, z, ss []float64) {
	K, D := g.K, g.D
	g.cvec = grow(g.cvec, K*D)
	for k := 0; k < K; k++ {
		c, mu, li := g.cvec[k*D:(k+1)*D], g.Mu[k*D:(k+1)*D], g.cinv[k*D*D:(k+1)*D*D]
		for i := 0; i < D; i++ {
			s := 0.0
			row := li[i*D : i*D+i+1]
			for j, v := range row {
				s += v * (mu[j] - ref[j])
			}
			c[i] = s
		}
	}
	for i0 := 0; i0 < n; i0 += emChunk {
		m := min(emChunk, n-i0)
		z := z[:D*m]
		ss := ss[:m]
		for k := 0; k < K; k++ {
			for j := 0; j < D; j++ {
				copy(z[j*m:(j+1)*m], ptsT[j*n+i0:j*n+i0+m])
			}
			// z = L_k⁻¹ (y − ref) by multiplying with the explicit inverse: with
			// OpenBLAS a triangular product is about twice as fast as a triangular
			// solve here, and the 59×59 inverses cost less than that difference.
			blas64.Trmm(blas.Left, blas.NoTrans, 1,
				blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: D, Stride: D, Data: g.cinv[k*D*D : (k+1)*D*D]},
				blas64.General{Rows: D, Cols: m, Stride: m, Data: z})
			sumSquaresRows(ss, z, g.cvec[k*D:(k+1)*D], D, m)
			c, lm := g.cconst[k], g.LogMass[k]
			lo := lo[i0*K+k:]
			for i, v := range ss {
				lo[i*K] = c - 0.5*v + lm
			}
		}
	}
}

// centreTranspose sets ref to the column means of the r×c row-major a and dst
// (c×r) to the transpose of a − 1·refᵀ.
func centreTranspose(dst, ref, a []float64, r, c int) {
	ref = ref[:c]
	for j := range ref {
		ref[j] = 0
	}
	for i := 0; i < r; i++ {
		for j, v := range a[i*c : (i+1)*c] {
			ref[j] += v
		}
	}
	for j := range ref {
		ref[j] /= float64(r)
	}
	for i := 0; i < r; i++ {
		for j, v := range a[i*c : (i+1)*c] {
			dst[j*r+i] = v - ref[j]
		}
	}
}

// sumSquaresRows sets ss_i = Σ_j (z_ji − c_j)² for the r×m row-major z, four
// rows per pass so that ss is loaded and stored a quarter as often.
func sumSquaresRows(ss, z, c []float64, r, m int) {
	ss = ss[:m]
	for i := range ss {
		ss[i] = 0
	}
	j := 0
	for ; j+4 <= r; j += 4 {
		z0, z1, z2, z3 := z[j*m:(j+1)*m], z[(j+1)*m:(j+2)*m], z[(j+2)*m:(j+3)*m], z[(j+3)*m:(j+4)*m]
		z0, z1, z2, z3 = z0[:len(ss)], z1[:len(ss)], z2[:len(ss)], z3[:len(ss)]
		c0, c1, c2, c3 := c[j], c[j+1], c[j+2], c[j+3]
		for i := range ss {
			a, b, c, d := z0[i]-c0, z1[i]-c1, z2[i]-c2, z3[i]-c3
			ss[i] += (a*a + b*b) + (c*c + d*d)
		}
	}
	for ; j < r; j++ {
		zj, cj := z[j*m:(j+1)*m], c[j]
		zj = zj[:len(ss)]
		for i, v := range zj {
			v -= cj
			ss[i] += v * v
		}
	}
}

// responsibilities sets, from the log-observations w.logobs (n×K), the row
// log-sum-exps w.rowLSE and the responsibilities r_nk = p(k | y_n) in w.w, and
// returns the log-likelihood Σ_n rowLSE_n. A row whose maximum is −∞ gets
// rowLSE = −∞ (the reference's logsum) and zero responsibilities.
func responsibilities(w *emWork, n, K int) float64 {
	ll := 0.0
	for i := 0; i < n; i++ {
		lo := w.logobs[i*K : (i+1)*K]
		r := w.w[i*K : (i+1)*K]
		mx := math.Inf(-1)
		for _, v := range lo {
			if v > mx {
				mx = v
			}
		}
		if math.IsInf(mx, -1) {
			mx = 0
		}
		s := 0.0
		for k, v := range lo {
			e := math.Exp(v - mx)
			r[k] = e
			s += e
		}
		inv := 1 / s
		for k := range r {
			r[k] *= inv
		}
		w.rowLSE[i] = math.Log(s) + mx
		ll += w.rowLSE[i]
	}
	return ll
}

// colUnderflow is the column sum of responsibilities below which the cluster's
// log-mass is recomputed in log space (the linear sum has lost its precision).
const colUnderflow = 0x1p-900

// mstep updates π, μ, Σ from the responsibilities in w.w (overwritten with the
// normalised weights w_nk) for the n points in w.dataT (centred on w.ref).
func (g *GMM) mstep(n int, w *emWork) {
	K, D := g.K, g.D
	r := w.w
	colsum := w.colLSE
	for k := range colsum {
		colsum[k] = 0
	}
	for i := 0; i < n; i++ {
		for k, v := range r[i*K : (i+1)*K] {
			colsum[k] += v
		}
	}
	// log π_k ∝ log Σ_n r_nk.
	for k := 0; k < K; k++ {
		if colsum[k] >= colUnderflow {
			g.LogMass[k] = math.Log(colsum[k])
			continue
		}
		col := w.ss[:n]
		for i := 0; i < n; i++ {
			col[i] = w.logobs[i*K+k] - w.rowLSE[i]
		}
		g.LogMass[k] = logSumExp(col)
	}
	lse := logSumExp(g.LogMass)
	for k := range g.LogMass {
		g.LogMass[k] -= lse
	}
	// Weights w_nk = r_nk / Σ_m r_mk; a cluster with π_k < 1e-4/K is rebooted
	// to uniform weights 1/n.
	thresh := 1e-4 / float64(K)
	reboot := w.reboot[:K]
	for k := 0; k < K; k++ {
		reboot[k] = math.Exp(g.LogMass[k]) < thresh
		if !reboot[k] {
			// not rebooted: colsum ≥ n·1e-4/K up to rounding, far from underflow
			colsum[k] = 1 / colsum[k]
		}
	}
	uni := 1 / float64(n)
	for i := 0; i < n; i++ {
		row := r[i*K : (i+1)*K]
		for k := range row {
			if reboot[k] {
				row[k] = uni
			} else {
				row[k] *= colsum[k]
			}
		}
	}
	// μ_k = ref + Σ_n w_nk (y_n − ref), all clusters at once: (μ − ref)ᵀ = Ỹᵀ W (D×K).
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: D, Cols: n, Stride: n, Data: w.dataT},
		blas64.General{Rows: n, Cols: K, Stride: K, Data: r},
		0, blas64.General{Rows: D, Cols: K, Stride: K, Data: w.muT})
	transpose(g.Mu, w.muT, D, K)
	for k := 0; k < K; k++ {
		for j, v := range w.ref[:D] {
			g.Mu[k*D+j] += v
		}
	}
	// Σ_k = Σ_n w_nk (y_n − μ_k)(y_n − μ_k)ᵀ as a rank update with the rows
	// √w_nk (y_n − μ_k), stored transposed (D×m) so that dsyrk forms dot products
	// of length m (with OpenBLAS about twice as fast as the m×D layout).
	// Compat: the reference's Σ_n w_nk y_n y_nᵀ − μ_k μ_kᵀ.
	compat := g.Config.Compat
	for i0 := 0; i0 < n; i0 += emChunk {
		m := min(emChunk, n-i0)
		y, sw := w.z[:D*m], w.ss[:m]
		beta := 1.0
		if i0 == 0 {
			beta = 0
		}
		for k := 0; k < K; k++ {
			mu := g.Mu[k*D : (k+1)*D]
			wk := r[i0*K+k:]
			for i := range sw {
				sw[i] = math.Sqrt(wk[i*K])
			}
			for j := 0; j < D; j++ {
				yj, dj := y[j*m:(j+1)*m], w.dataT[j*n+i0:j*n+i0+m]
				dj = dj[:len(yj)]
				sw := sw[:len(yj)]
				mj := mu[j] - w.ref[j] // the data are centred on ref
				if compat {
					mj = -w.ref[j] // y itself
				}
				for i := range yj {
					yj[i] = (dj[i] - mj) * sw[i]
				}
			}
			blas64.Syrk(blas.NoTrans, 1, blas64.General{Rows: D, Cols: m, Stride: m, Data: y},
				beta, blas64.Symmetric{Uplo: blas.Upper, N: D, Stride: D, Data: g.Sigma[k*D*D : (k+1)*D*D]})
		}
	}
	for k := 0; k < K; k++ {
		mu := g.Mu[k*D : (k+1)*D]
		s := g.Sigma[k*D*D : (k+1)*D*D]
		if compat {
			for i := 0; i < D; i++ {
				for j := i; j < D; j++ {
					s[i*D+j] -= mu[i] * mu[j]
				}
			}
		}
		mirrorUpper(s, D)
		for j := 0; j < D; j++ {
			s[j*D+j] += 1e-6
		}
	}
	g.cached = false
}

// transpose writes the transpose of the r×c row-major a into dst (c×r).
func transpose(dst, a []float64, r, c int) {
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			dst[j*r+i] = a[i*c+j]
		}
	}
}

type emWork struct {
	dataT, ref, z, ss, logobs, rowLSE, w, muT, colLSE []float64
	reboot                                            []bool
}

// emPool recycles EM scratch space (about (2D + 2K)·n floats) across fits, which
// matters when many conditions are fitted in parallel every iteration.
var emPool sync.Pool

func getEMWork(n, D, K int) *emWork {
	w, _ := emPool.Get().(*emWork)
	if w == nil {
		w = new(emWork)
	}
	w.dataT = grow(w.dataT, D*n)
	w.ref = grow(w.ref, D)
	w.z = grow(w.z, D*min(n, emChunk))
	w.ss = grow(w.ss, n)
	w.logobs = grow(w.logobs, n*K)
	w.rowLSE = grow(w.rowLSE, n)
	w.w = grow(w.w, n*K)
	w.muT = grow(w.muT, D*K)
	w.colLSE = grow(w.colLSE, K)
	if cap(w.reboot) < K {
		w.reboot = make([]bool, K)
	}
	w.reboot = w.reboot[:K]
	return w
}
