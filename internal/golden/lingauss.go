package golden

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// LGPolicy is a linear-Gaussian controller as the golden files store it.
type LGPolicy struct {
	K    Array `json:"K"`
	Kv   Array `json:"k"`
	Cov  Array `json:"pol_covar"`
	Chol Array `json:"chol_pol_covar"`
	Prec Array `json:"inv_pol_covar"`
}

// Policy returns the controller with all five arrays exactly as stored.
func (g *LGPolicy) Policy() *lingauss.Policy {
	if len(g.K.Shape) != 3 {
		panic(fmt.Sprintf("golden: policy K has shape %v", g.K.Shape))
	}
	T, dU, dX := g.K.Shape[0], g.K.Shape[1], g.K.Shape[2]
	p := lingauss.NewPolicy(T, dX, dU)
	copy(p.K, g.K.Data)
	copy(p.Bias, g.Kv.Data)
	copy(p.Cov, g.Cov.Data)
	copy(p.Chol, g.Chol.Data)
	copy(p.Prec, g.Prec.Data)
	return p
}

// PolInfo is the linearisation of the global policy (pol_info).
type PolInfo struct {
	K    Array `json:"pol_K"`
	Kv   Array `json:"pol_k"`
	S    Array `json:"pol_S"`
	Chol Array `json:"chol_pol_S"`
}

// Policy returns pol_info.traj_distr(): K, k, Σ = pol_S, R = chol_pol_S and the
// precision (RᵀR)⁻¹ by two triangular solves, as the reference computes it.
func (g *PolInfo) Policy() *lingauss.Policy {
	T, dU, dX := g.K.Shape[0], g.K.Shape[1], g.K.Shape[2]
	p := lingauss.NewPolicy(T, dX, dU)
	copy(p.K, g.K.Data)
	copy(p.Bias, g.Kv.Data)
	copy(p.Cov, g.S.Data)
	copy(p.Chol, g.Chol.Data)
	for t := 0; t < T; t++ {
		prec := p.Prec[t*dU*dU : (t+1)*dU*dU]
		for i := range prec {
			prec[i] = 0
		}
		for i := 0; i < dU; i++ {
			prec[i*dU+i] = 1
		}
		r := blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: dU, Stride: dU, Data: p.Chol[t*dU*dU:]}
		b := blas64.General{Rows: dU, Cols: dU, Stride: dU, Data: prec}
		blas64.Trsm(blas.Left, blas.Trans, 1, r, b)
		blas64.Trsm(blas.Left, blas.NoTrans, 1, r, b)
	}
	return p
}

// TrajInfo holds fitted dynamics and the local quadratic cost (traj_info).
type TrajInfo struct {
	Fm      Array `json:"Fm"`
	Fv      Array `json:"fv"`
	DynCov  Array `json:"dyn_covar"`
	X0Mu    Array `json:"x0mu"`
	X0Sigma Array `json:"x0sigma"`
	Cc      Array `json:"cc"`
	Cv      Array `json:"cv"`
	Cm      Array `json:"Cm"`
}

// Dims returns T, dX, dU.
func (g *TrajInfo) Dims() (T, dX, dU int) {
	return g.Fm.Shape[0], g.Fm.Shape[1], g.Fm.Shape[2] - g.Fm.Shape[1]
}

// Dynamics returns the fitted dynamics.
func (g *TrajInfo) Dynamics() *lingauss.Dynamics {
	T, dX, dU := g.Dims()
	d := lingauss.NewDynamics(T, dX, dU)
	copy(d.F, g.Fm.Data)
	copy(d.Bias, g.Fv.Data)
	copy(d.Cov, g.DynCov.Data)
	copy(d.X0Mu, g.X0Mu.Data)
	copy(d.X0Cov, g.X0Sigma.Data)
	return d
}

// Cost returns the quadratic cost model.
func (g *TrajInfo) Cost() *lingauss.QuadCost {
	T, dX, dU := g.Dims()
	c := lingauss.NewQuadCost(T, dX, dU)
	copy(c.C, g.Cm.Data)
	copy(c.Cv, g.Cv.Data)
	copy(c.Cc, g.Cc.Data)
	return c
}

// ComparePolicy compares all five arrays of got against want with rtol.
func ComparePolicy(t testing.TB, what string, got *lingauss.Policy, want *LGPolicy, rtol float64) {
	t.Helper()
	Close(t, what+".K", got.K, want.K.Data, rtol)
	Close(t, what+".k", got.Bias, want.Kv.Data, rtol)
	Close(t, what+".pol_covar", got.Cov, want.Cov.Data, rtol)
	Close(t, what+".chol_pol_covar", got.Chol, want.Chol.Data, rtol)
	Close(t, what+".inv_pol_covar", got.Prec, want.Prec.Data, rtol)
}
