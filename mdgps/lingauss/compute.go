package lingauss

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Workspace holds the scratch memory of the forward pass, the trajectory KL and the
// expected cost for one problem size, so that repeated calls do not allocate. A
// Workspace must not be used by two goroutines at once; use one per condition.
type Workspace struct {
	T, DX, DU int
	tmp       []float64 // DX×(DX+DU): F_t Σ_t
	pa, pb    []float64 // DU×DU precisions
	pka, pkb  []float64 // DU×DX: P K
	kpk       []float64 // DX×DX: Kᵀ P K
	mdiff     []float64 // (DX+DU)²
	vdiff     []float64 // DX+DU
	my        []float64 // DX+DU
	du        []float64 // DU
}

// NewWorkspace allocates the scratch memory for problems of the given size.
func NewWorkspace(T, dX, dU int) *Workspace {
	n := dX + dU
	return &Workspace{
		T: T, DX: dX, DU: dU,
		tmp: make([]float64, dX*n),
		pa:  make([]float64, dU*dU), pb: make([]float64, dU*dU),
		pka: make([]float64, dU*dX), pkb: make([]float64, dU*dX),
		kpk:   make([]float64, dX*dX),
		mdiff: make([]float64, n*n),
		vdiff: make([]float64, n),
		my:    make([]float64, n),
		du:    make([]float64, dU),
	}
}

func (w *Workspace) check(T, dX, dU int) {
	if w.T != T || w.DX != dX || w.DU != dU {
		panic("lingauss: workspace size mismatch")
	}
}

func general(r, c int, data []float64) blas64.General {
	return blas64.General{Rows: r, Cols: c, Stride: c, Data: data[:r*c]}
}

func vec(n int, data []float64) blas64.Vector { return blas64.Vector{N: n, Inc: 1, Data: data[:n]} }

// Forward computes the state-action marginals p(y_t) = N(μ_t, S_t) of policy p under
// dynamics d (spec §6.2):
//
//	μ_0,x = x̄_0,  S_0,xx = Σ_0,
//	S_t = [[S_xx, S_xx K_tᵀ], [K_t S_xx, K_t S_xx K_tᵀ + Σ_t]],  μ_t = [μ_x; K_t μ_x + k_t],
//	S_{t+1,xx} = F_t S_t F_tᵀ + Σ^dyn_t,  μ_{t+1,x} = F_t μ_t + f_t.
//
// The result is written into dst, which must have the problem's size.
func (w *Workspace) Forward(dst *Marginal, p *Policy, d *Dynamics) {
	T, dX, dU := p.T, p.DX, p.DU
	w.check(T, dX, dU)
	if d.T != T || d.DX != dX || d.DU != dU || dst.T != T || dst.DX != dX || dst.DU != dU {
		panic("lingauss: Forward size mismatch")
	}
	n := dX + dU
	copy(dst.Mu[:dX], d.X0Mu)
	for i := 0; i < dX; i++ {
		copy(dst.Sigma[i*n:i*n+dX], d.X0Cov[i*dX:(i+1)*dX])
	}
	for t := 0; t < T; t++ {
		s := dst.Sigma[t*n*n : (t+1)*n*n]
		mu := dst.Mu[t*n : (t+1)*n]
		K := general(dU, dX, p.K[t*dU*dX:])
		sxx := blas64.General{Rows: dX, Cols: dX, Stride: n, Data: s}
		sux := blas64.General{Rows: dU, Cols: dX, Stride: n, Data: s[dX*n:]}
		suu := blas64.General{Rows: dU, Cols: dU, Stride: n, Data: s[dX*n+dX:]}
		// S_ux = K S_xx; S_xu = S_uxᵀ (S_xx is symmetric).
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, K, sxx, 0, sux)
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, sxx, K, 0, blas64.General{Rows: dX, Cols: dU, Stride: n, Data: s[dX:]})
		// S_uu = (K S_xx) Kᵀ + Σ_t.
		for i := 0; i < dU; i++ {
			copy(suu.Data[i*n:i*n+dU], p.Cov[t*dU*dU+i*dU:t*dU*dU+(i+1)*dU])
		}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, sux, K, 1, suu)
		// μ_u = K μ_x + k.
		copy(mu[dX:], p.Bias[t*dU:(t+1)*dU])
		blas64.Gemv(blas.NoTrans, 1, K, vec(dX, mu), 1, vec(dU, mu[dX:]))
		if t == T-1 {
			break
		}
		F := general(dX, n, d.F[t*dX*n:])
		// tmp = F S_t; S_{t+1,xx} = tmp Fᵀ + Σ^dyn_t.
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, F, general(n, n, s), 0, general(dX, n, w.tmp))
		next := dst.Sigma[(t+1)*n*n:]
		for i := 0; i < dX; i++ {
			copy(next[i*n:i*n+dX], d.Cov[t*dX*dX+i*dX:t*dX*dX+(i+1)*dX])
		}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, general(dX, n, w.tmp), F, 1,
			blas64.General{Rows: dX, Cols: dX, Stride: n, Data: next})
		nmu := dst.Mu[(t+1)*n:]
		copy(nmu[:dX], d.Bias[t*dX:(t+1)*dX])
		blas64.Gemv(blas.NoTrans, 1, F, vec(n, mu), 1, vec(dX, nmu))
	}
}

// Forward is the allocating convenience form of Workspace.Forward.
func Forward(p *Policy, d *Dynamics) *Marginal {
	m := NewMarginal(p.T, p.DX, p.DU)
	NewWorkspace(p.T, p.DX, p.DU).Forward(m, p, d)
	return m
}

// nllQuadratic writes the quadratic form of the negative log-likelihood of the
// conditional N(K x + k, P⁻¹) (spec §6.4):
//
//	−log p(u|x) = ½ yᵀ M y + vᵀ y + c + ½ log det Σ + const,
//	M = [[KᵀPK, −KᵀP], [−PK, P]],  v = [KᵀPk; −Pk],  c = ½ kᵀPk,
//
// scaled by sign and added into (m, v) (n×n and n); it returns sign·c.
// pk and kpk are scratch (dU×dX and dX×dX).
func nllQuadratic(m, v []float64, K, k, P []float64, dX, dU int, sign float64, pk, kpk, pkv []float64) float64 {
	n := dX + dU
	// pk = P K (dU×dX), kpk = Kᵀ (P K).
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, general(dU, dU, P), general(dU, dX, K), 0, general(dU, dX, pk))
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, general(dU, dX, K), general(dU, dX, pk), 0, general(dX, dX, kpk))
	for i := 0; i < dX; i++ {
		row := m[i*n:]
		for j := 0; j < dX; j++ {
			row[j] += sign * kpk[i*dX+j]
		}
		for j := 0; j < dU; j++ {
			row[dX+j] -= sign * pk[j*dX+i]
		}
	}
	for i := 0; i < dU; i++ {
		row := m[(dX+i)*n:]
		for j := 0; j < dX; j++ {
			row[j] -= sign * pk[i*dX+j]
		}
		for j := 0; j < dU; j++ {
			row[dX+j] += sign * P[i*dU+j]
		}
	}
	// pkv = P k; v_x += sign Kᵀ P k; v_u -= sign P k; c = ½ kᵀ P k.
	blas64.Gemv(blas.NoTrans, 1, general(dU, dU, P), vec(dU, k), 0, vec(dU, pkv))
	c := 0.0
	for i := 0; i < dU; i++ {
		v[dX+i] -= sign * pkv[i]
		c += k[i] * pkv[i]
	}
	blas64.Gemv(blas.Trans, sign, general(dU, dX, K), vec(dU, pkv), 1, vec(dX, v))
	return sign * 0.5 * c
}

// NLLQuadratic writes into M (n×n) and v (n) the quadratic model of −log p(u_t|x_t)
// of policy p at step t (spec §6.4), using the policy's stored precision P_t:
//
//	M = [[KᵀPK, −KᵀP], [−PK, P]],  v = [KᵀPk; −Pk],
//
// and returns c = ½ kᵀPk. This is the term the C-step adds, scaled by η, to the cost.
func (w *Workspace) NLLQuadratic(M, v []float64, p *Policy, t int) float64 {
	w.check(p.T, p.DX, p.DU)
	n := p.DX + p.DU
	for i := range M[:n*n] {
		M[i] = 0
	}
	for i := range v[:n] {
		v[i] = 0
	}
	dX, dU := p.DX, p.DU
	return nllQuadratic(M, v, p.K[t*dU*dX:(t+1)*dU*dX], p.Bias[t*dU:(t+1)*dU], p.Prec[t*dU*dU:(t+1)*dU*dU],
		dX, dU, 1, w.pka, w.kpk, w.du)
}

// KL computes the expected trajectory KL divergence of the reference's
// traj_distr_kl (spec §6.6) under the joint marginal m (normally the forward pass of
// pNew):
//
//	kl_t = max(0, E_{y~N(μ_t,S_t)}[log p_new(u|x) − log p_prev(u|x)]),
//
// evaluated in closed form with the precisions recomputed from the Cholesky factors.
// Per-step values go to perT (length T, may be nil); the sum is returned. The clamp
// at 0 is the reference's (quirk Q26).
func (w *Workspace) KL(perT []float64, m *Marginal, pNew, pPrev *Policy) float64 {
	T, dX, dU := pNew.T, pNew.DX, pNew.DU
	w.check(T, dX, dU)
	if pPrev.T != T || pPrev.DX != dX || pPrev.DU != dU || m.T != T || m.DX != dX || m.DU != dU {
		panic("lingauss: KL size mismatch")
	}
	n := dX + dU
	total := 0.0
	for t := 0; t < T; t++ {
		cholInverse(w.pa, pNew.Chol[t*dU*dU:(t+1)*dU*dU], dU)
		cholInverse(w.pb, pPrev.Chol[t*dU*dU:(t+1)*dU*dU], dU)
		for i := range w.mdiff {
			w.mdiff[i] = 0
		}
		for i := range w.vdiff {
			w.vdiff[i] = 0
		}
		cNew := nllQuadratic(w.mdiff, w.vdiff, pNew.K[t*dU*dX:(t+1)*dU*dX], pNew.Bias[t*dU:(t+1)*dU], w.pa, dX, dU, 1, w.pka, w.kpk, w.du)
		cPrev := nllQuadratic(w.mdiff, w.vdiff, pPrev.K[t*dU*dX:(t+1)*dU*dX], pPrev.Bias[t*dU:(t+1)*dU], w.pb, dX, dU, -1, w.pkb, w.kpk, w.du)
		// cPrev already carries the sign −1: cNew + cPrev = c_new − c_prev.
		mu := m.Mu[t*n : (t+1)*n]
		s := m.Sigma[t*n*n : (t+1)*n*n]
		blas64.Gemv(blas.NoTrans, 1, general(n, n, w.mdiff), vec(n, mu), 0, vec(n, w.my))
		quad := blas64.Dot(vec(n, mu), vec(n, w.my))
		lin := blas64.Dot(vec(n, mu), vec(n, w.vdiff))
		tr := 0.0
		for i, x := range s {
			tr += x * w.mdiff[i]
		}
		kl := -0.5*quad - lin - cNew - cPrev - 0.5*tr - 0.5*pNew.LogDetCov(t) + 0.5*pPrev.LogDetCov(t)
		kl = math.Max(0, kl)
		if perT != nil {
			perT[t] = kl
		}
		total += kl
	}
	return total
}

// KL is the allocating convenience form of Workspace.KL.
func KL(perT []float64, m *Marginal, pNew, pPrev *Policy) float64 {
	return NewWorkspace(pNew.T, pNew.DX, pNew.DU).KL(perT, m, pNew, pPrev)
}

// KLAlt computes the reference's traj_distr_kl_alt (spec §6.6): the same expected
// KL E_x[KL(p_new(·|x) ‖ p_prev(·|x))], from the state block (μ_x, S_xx) of m only,
// with ΔK = K_prev − K_new, Δk = k_prev − k_new:
//
//	kl_t = max(0, ½(ld_prev − ld_new − dU + tr(P_prev Σ_new) + ΔkᵀP_prevΔk
//	             + μ_xᵀΔKᵀP_prevΔK μ_x + tr(ΔKᵀP_prevΔK S_xx) + 2ΔkᵀP_prevΔK μ_x)).
//
// It uses the stored Prec of pPrev and Cov of pNew.
func (w *Workspace) KLAlt(perT []float64, m *Marginal, pNew, pPrev *Policy) float64 {
	T, dX, dU := pNew.T, pNew.DX, pNew.DU
	w.check(T, dX, dU)
	n := dX + dU
	dK := w.pka // ΔK, dU×dX
	pdK := w.pkb
	total := 0.0
	for t := 0; t < T; t++ {
		P := pPrev.Prec[t*dU*dU : (t+1)*dU*dU]
		for i := range dK {
			dK[i] = pPrev.K[t*dU*dX+i] - pNew.K[t*dU*dX+i]
		}
		dk := w.du
		for i := 0; i < dU; i++ {
			dk[i] = pPrev.Bias[t*dU+i] - pNew.Bias[t*dU+i]
		}
		// pdK = P ΔK, kpk = ΔKᵀ P ΔK.
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, general(dU, dU, P), general(dU, dX, dK), 0, general(dU, dX, pdK))
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, general(dU, dX, dK), general(dU, dX, pdK), 0, general(dX, dX, w.kpk))
		mux := m.Mu[t*n : t*n+dX]
		sxx := blas64.General{Rows: dX, Cols: dX, Stride: n, Data: m.Sigma[t*n*n:]}
		trPS := 0.0
		sn := pNew.Cov[t*dU*dU : (t+1)*dU*dU]
		for i := 0; i < dU*dU; i++ {
			trPS += P[i] * sn[i] // tr(P Σ) = Σ_ij P_ij Σ_ji, both symmetric
		}
		// Pdk = P Δk.
		pdk := w.my[:dU]
		blas64.Gemv(blas.NoTrans, 1, general(dU, dU, P), vec(dU, dk), 0, vec(dU, pdk))
		dkPdk := blas64.Dot(vec(dU, dk), vec(dU, pdk))
		// ΔKᵀPΔK μ_x.
		kmu := w.vdiff[:dX]
		blas64.Gemv(blas.NoTrans, 1, general(dX, dX, w.kpk), vec(dX, mux), 0, vec(dX, kmu))
		quad := blas64.Dot(vec(dX, mux), vec(dX, kmu))
		tr := 0.0
		for i := 0; i < dX; i++ {
			for j := 0; j < dX; j++ {
				tr += w.kpk[i*dX+j] * sxx.Data[j*n+i]
			}
		}
		// Δkᵀ P ΔK μ_x = (PΔk)ᵀ ΔK μ_x.
		cross := 0.0
		for i := 0; i < dU; i++ {
			s := 0.0
			for j := 0; j < dX; j++ {
				s += dK[i*dX+j] * mux[j]
			}
			cross += pdk[i] * s
		}
		kl := 0.5 * (pPrev.LogDetCov(t) - pNew.LogDetCov(t) - float64(dU) + trPS + dkPdk + quad + tr + 2*cross)
		kl = math.Max(0, kl)
		if perT != nil {
			perT[t] = kl
		}
		total += kl
	}
	return total
}

// ExpectedCost computes the expected cost under the quadratic model c at the
// marginals m (spec §6.3, the reference's estimate_cost):
//
//	E[ℓ_t] = cc_t + ½ tr(S_t C_t) + ½ μ_tᵀ C_t μ_t + μ_tᵀ c_t.
//
// Per-step values go to perT (may be nil); the sum over t is returned.
func (w *Workspace) ExpectedCost(perT []float64, m *Marginal, c *QuadCost) float64 {
	T, dX, dU := m.T, m.DX, m.DU
	w.check(T, dX, dU)
	if c.T != T || c.DX != dX || c.DU != dU {
		panic("lingauss: ExpectedCost size mismatch")
	}
	n := dX + dU
	total := 0.0
	for t := 0; t < T; t++ {
		C := c.C[t*n*n : (t+1)*n*n]
		mu := m.Mu[t*n : (t+1)*n]
		tr := 0.0
		for i, x := range m.Sigma[t*n*n : (t+1)*n*n] {
			tr += x * C[i]
		}
		blas64.Gemv(blas.NoTrans, 1, general(n, n, C), vec(n, mu), 0, vec(n, w.my))
		v := c.Cc[t] + 0.5*tr + 0.5*blas64.Dot(vec(n, mu), vec(n, w.my)) + blas64.Dot(vec(n, mu), vec(n, c.Cv[t*n:]))
		if perT != nil {
			perT[t] = v
		}
		total += v
	}
	return total
}

// ExpectedCost is the allocating convenience form of Workspace.ExpectedCost.
func ExpectedCost(perT []float64, m *Marginal, c *QuadCost) float64 {
	return NewWorkspace(m.T, m.DX, m.DU).ExpectedCost(perT, m, c)
}
