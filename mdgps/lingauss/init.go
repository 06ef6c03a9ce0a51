package lingauss

import (
	"fmt"
	"math"

	"github.com/mirrorgps/mirrorgps/mdgps/internal/dense"
)

// InitLQRConfig holds the settings of the reference's init_lqr initial controller
// (spec §8.1; defaults in parentheses, applied by InitLQR when a field is zero
// only where noted).
type InitLQRConfig struct {
	T      int     // horizon (required, ≥ 1)
	DX, DU int     // state and action dimensions (required, DX ≥ 2·DU)
	Dt     float64 // control time step of the guessed dynamics (required, > 0)
	X0     []float64

	InitVar      float64   // action variance of the controller (1.0); must be > 0
	Stiffness    float64   // weight on position error (1.0)
	StiffnessVel float64   // velocity weight relative to Stiffness (0.5)
	FinalWeight  float64   // multiplier of the cost at t = T−1 (1.0)
	InitAcc      []float64 // guessed constant acceleration a (zeros)
	InitGains    []float64 // guessed action-to-acceleration gains g (ones)
}

// DefaultInitLQR returns the reference's defaults for the given problem.
func DefaultInitLQR(T, dX, dU int, dt float64, x0 []float64) InitLQRConfig {
	g := make([]float64, dU)
	for i := range g {
		g[i] = 1
	}
	return InitLQRConfig{
		T: T, DX: dX, DU: dU, Dt: dt, X0: append([]float64(nil), x0...),
		InitVar: 1, Stiffness: 1, StiffnessVel: 0.5, FinalWeight: 1,
		InitAcc: make([]float64, dU), InitGains: g,
	}
}

// Validate reports the first invalid field.
func (c *InitLQRConfig) Validate() error {
	switch {
	case c.T < 1:
		return fmt.Errorf("lingauss: InitLQRConfig.T = %d, need ≥ 1", c.T)
	case c.DU < 1 || c.DX < 2*c.DU:
		return fmt.Errorf("lingauss: InitLQRConfig dims DX=%d DU=%d, need DU ≥ 1 and DX ≥ 2·DU (positions then velocities)", c.DX, c.DU)
	case !(c.Dt > 0) || math.IsInf(c.Dt, 0):
		return fmt.Errorf("lingauss: InitLQRConfig.Dt = %v, need a finite value > 0", c.Dt)
	case len(c.X0) != c.DX:
		return fmt.Errorf("lingauss: InitLQRConfig.X0 has length %d, need DX = %d", len(c.X0), c.DX)
	case !(c.InitVar > 0) || math.IsInf(c.InitVar, 0):
		return fmt.Errorf("lingauss: InitLQRConfig.InitVar = %v, need a finite value > 0", c.InitVar)
	case !(c.Stiffness >= 0) || !(c.StiffnessVel >= 0):
		return fmt.Errorf("lingauss: InitLQRConfig.Stiffness = %v, StiffnessVel = %v, need ≥ 0", c.Stiffness, c.StiffnessVel)
	case !(c.FinalWeight > 0):
		return fmt.Errorf("lingauss: InitLQRConfig.FinalWeight = %v, need > 0", c.FinalWeight)
	case len(c.InitAcc) != c.DU:
		return fmt.Errorf("lingauss: InitLQRConfig.InitAcc has length %d, need DU = %d", len(c.InitAcc), c.DU)
	case len(c.InitGains) != c.DU:
		return fmt.Errorf("lingauss: InitLQRConfig.InitGains has length %d, need DU = %d", len(c.InitGains), c.DU)
	}
	for _, a := range []struct {
		name string
		v    []float64
	}{{"X0", c.X0}, {"InitAcc", c.InitAcc}, {"InitGains", c.InitGains}} {
		if err := CheckFinite("InitLQRConfig."+a.name, a.v); err != nil {
			return err
		}
	}
	return nil
}

// InitLQR builds the reference's initial controller (spec §8.1): an LQR controller
// that holds x0 on the guessed double-integrator dynamics
//
//	x_{t+1} = F̂ [x; u] + f̂,  F̂ = [[I, dt I, 0, dt² diag(g)], [0, I, 0, dt diag(g)], [0 …]],
//	f̂ = [a dt²; a dt; 0],
//
// under the cost ½ yᵀ L y + lᵀ y with L = diag(s·1, s·s_v·1, 0, 1)/init_var,
// l = −L [x0; 0] (both × final_weight at t = T−1), solved by the plain LQR backward
// pass. The controller's covariance is Q_uu⁻¹ (at most init_var).
func InitLQR(c InitLQRConfig) (*Policy, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	T, dX, dU, dt := c.T, c.DX, c.DU, c.Dt
	n := dX + dU
	// Guessed dynamics.
	F := make([]float64, dX*n)
	f := make([]float64, dX)
	for i := 0; i < dU; i++ {
		F[i*n+i] = 1
		F[i*n+dU+i] = dt
		F[(dU+i)*n+dU+i] = 1
		F[i*n+dX+i] = dt * dt * c.InitGains[i]
		F[(dU+i)*n+dX+i] = dt * c.InitGains[i]
		f[i] = c.InitAcc[i] * dt * dt
		f[dU+i] = c.InitAcc[i] * dt
	}
	// Cost.
	diag := make([]float64, n)
	for i := 0; i < dU; i++ {
		diag[i] = c.Stiffness / c.InitVar
		diag[dU+i] = c.Stiffness * c.StiffnessVel / c.InitVar
		diag[dX+i] = 1 / c.InitVar
	}
	l := make([]float64, n)
	for i := 0; i < dX; i++ {
		l[i] = -diag[i] * c.X0[i]
	}
	p := NewPolicy(T, dX, dU)
	V := make([]float64, dX*dX)
	v := make([]float64, dX)
	Q := make([]float64, n*n)
	q := make([]float64, n)
	VF := make([]float64, dX*n)
	w := make([]float64, dX)
	quu := make([]float64, dU*dU)
	R := make([]float64, dU*dU)
	for t := T - 1; t >= 0; t-- {
		wt := 1.0
		if t == T-1 {
			wt = c.FinalWeight
		}
		// Q = L_t + F̂ᵀ V F̂ ;  q = l_t + F̂ᵀ (v + V f̂).
		for i := 0; i < dX; i++ {
			for j := 0; j < n; j++ {
				s := 0.0
				for k := 0; k < dX; k++ {
					s += V[i*dX+k] * F[k*n+j]
				}
				VF[i*n+j] = s
			}
			s := v[i]
			for k := 0; k < dX; k++ {
				s += V[i*dX+k] * f[k]
			}
			w[i] = s
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				s := 0.0
				for k := 0; k < dX; k++ {
					s += F[k*n+i] * VF[k*n+j]
				}
				if i == j {
					s += wt * diag[i]
				}
				Q[i*n+j] = s
			}
			s := wt * l[i]
			for k := 0; k < dX; k++ {
				s += F[k*n+i] * w[k]
			}
			q[i] = s
		}
		for i := 0; i < dU; i++ {
			copy(quu[i*dU:(i+1)*dU], Q[(dX+i)*n+dX:(dX+i)*n+n])
		}
		if err := upperChol(R, quu, dU); err != nil {
			err.T = t
			return nil, err
		}
		copy(p.Prec[t*dU*dU:(t+1)*dU*dU], quu)
		cov := p.Cov[t*dU*dU : (t+1)*dU*dU]
		cholInverse(cov, R, dU)
		if err := upperChol(p.Chol[t*dU*dU:(t+1)*dU*dU], cov, dU); err != nil {
			err.T = t
			return nil, err
		}
		// K = −Q_uu⁻¹ Q_ux, k = −Q_uu⁻¹ q_u.
		K := p.K[t*dU*dX : (t+1)*dU*dX]
		for i := 0; i < dU; i++ {
			copy(K[i*dX:(i+1)*dX], Q[(dX+i)*n:(dX+i)*n+dX])
		}
		k := p.Bias[t*dU : (t+1)*dU]
		copy(k, q[dX:])
		dense.CholSolve(R, K, dU, dX, -1)
		dense.CholSolve(R, k, dU, 1, -1)
		// V = sym(Q_xx + Q_xu K), v = q_x + Q_xu k.
		for i := 0; i < dX; i++ {
			for j := 0; j < dX; j++ {
				s := Q[i*n+j]
				for k := 0; k < dU; k++ {
					s += Q[i*n+dX+k] * K[k*dX+j]
				}
				V[i*dX+j] = s
			}
			s := q[i]
			for k := 0; k < dU; k++ {
				s += Q[i*n+dX+k] * p.Bias[t*dU+k]
			}
			v[i] = s
		}
		dense.Symmetrize(V, dX, dX)
	}
	return p, nil
}
