//go:build cgo && !nomujoco

package peg

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/internal/mujoco"
)

// inserter is a scripted expert for one condition: inverse kinematics along a
// vertical line above the hole, then computed-torque tracking of that joint path,
// τ = M(q)(q̈_d + Kp(q_d − q) + Kd(q̇_d − q̇)) + b(q, q̇), with M and b from MuJoCo
// (tasks.md §5: "IK along a vertical line, then computed-torque tracking").
type inserter struct {
	model      *mujoco.Model
	d          *mujoco.Data // own data: Dynamics overwrites its state
	qd, vd, ad []float64    // T×NQ desired positions, velocities, accelerations
	kp, kd     float64
	M, b, acc  []float64
}

// Inserter phases in control steps (dt = 0.05 s) and heights of the peg bottom.
const (
	insMoveEnd    = 40    // joint-space move from q₀ to the pre-insertion pose: steps 0..40
	insDescend    = 48    // start of the vertical descent
	insDescendEnd = 88    // end of the descent; hold afterwards
	insZAbove     = -0.33 // pre-insertion height of the peg bottom (7 cm above the hole's rim)
	insZEnd       = -0.52 // commanded final height, 2 cm below the hole bottom: the peg presses down
)

// minJerk is the minimum-jerk profile s(τ) = 10τ³ − 15τ⁴ + 6τ⁵ on [0, 1].
func minJerk(tau float64) float64 {
	tau = math.Max(0, math.Min(1, tau))
	return tau * tau * tau * (10 + tau*(-15+6*tau))
}

// solveIK moves q (in place) until the sites of d's model reach target, by damped
// least squares q ← q + Jᵀ(JJᵀ + λ²I)⁻¹(target − p). It returns the final error norm.
func solveIK(d *mujoco.Data, sites [NSite]int, q []float64, target [DP]float64) (float64, error) {
	const lambda = 1e-3 // damping: keeps steps finite near singularities, negligible otherwise
	J := mat.NewDense(DP, NQ, nil)
	jac := make([]float64, 3*NQ)
	e := mat.NewVecDense(DP, nil)
	p := make([]float64, 3)
	var A mat.SymDense
	var y, dq mat.VecDense
	var chol mat.Cholesky
	norm := math.Inf(1)
	for it := 0; it < 200; it++ {
		if err := d.Reset(q, nil); err != nil {
			return 0, err
		}
		for i, id := range sites {
			d.SitePos(id, p)
			if err := d.SiteJac(id, jac); err != nil {
				return 0, err
			}
			for r := range 3 {
				e.SetVec(3*i+r, target[3*i+r]-p[r])
				for c := range NQ {
					J.Set(3*i+r, c, jac[r*NQ+c])
				}
			}
		}
		norm = mat.Norm(e, 2)
		if norm < 1e-12 {
			break
		}
		A.SymOuterK(1, J)
		for i := range DP {
			A.SetSym(i, i, A.At(i, i)+lambda*lambda)
		}
		if !chol.Factorize(&A) {
			return norm, fmt.Errorf("IK: JJᵀ + λ²I not positive definite")
		}
		if err := chol.SolveVecTo(&y, e); err != nil {
			return norm, err
		}
		dq.MulVec(J.T(), &y)
		for i := range NQ {
			q[i] += dq.AtVec(i)
		}
	}
	return norm, nil
}

// newInserter plans the joint path for condition cond of e.
func newInserter(e *Env, cond int) (*inserter, error) { return newInserterAt(e, cond, 0, 0) }

// newInserterAt plans the descent along the vertical line through (dx, dy) + the
// hole centre.
func newInserterAt(e *Env, cond int, dx, dy float64) (*inserter, error) {
	m := e.models[cond]
	d, err := mujoco.NewData(m)
	if err != nil {
		return nil, err
	}
	T := e.T()
	p := &inserter{model: m, d: d, kp: 100, kd: 20, // ω = 10 rad/s, critically damped: ω·dt = 0.5 under the 0.05 s hold
		qd: make([]float64, T*NQ), vd: make([]float64, T*NQ), ad: make([]float64, T*NQ),
		M: make([]float64, NQ*NQ), b: make([]float64, NQ), acc: make([]float64, NQ)}
	line := func(z float64) [DP]float64 { // peg vertical, bottom at height z above the hole centre
		return [DP]float64{Target[0] + dx, Target[1] + dy, z, Target[3] + dx, Target[4] + dy, z + 0.3}
	}
	pre := append([]float64(nil), Q0[:]...)
	if res, err := solveIK(d, e.sites, pre, line(insZAbove)); err != nil || res > 1e-9 {
		return nil, fmt.Errorf("IK of the pre-insertion pose: residual %g, %v", res, err)
	}
	q := append([]float64(nil), pre...)
	for k := range T {
		row := p.qd[k*NQ : (k+1)*NQ]
		switch {
		case k <= insMoveEnd:
			s := minJerk(float64(k) / insMoveEnd)
			for i := range NQ {
				row[i] = Q0[i] + s*(pre[i]-Q0[i])
			}
		case k <= insDescend:
			copy(row, pre)
		default:
			s := minJerk(float64(k-insDescend) / (insDescendEnd - insDescend))
			if res, err := solveIK(d, e.sites, q, line(insZAbove+s*(insZEnd-insZAbove))); err != nil || res > 1e-9 {
				return nil, fmt.Errorf("IK at step %d: residual %g, %v", k, res, err)
			}
			copy(row, q)
		}
	}
	dt := e.Dt()
	for k := range T {
		km, kp := max(k-1, 0), min(k+1, T-1)
		for i := range NQ {
			p.vd[k*NQ+i] = (p.qd[kp*NQ+i] - p.qd[km*NQ+i]) / (float64(kp-km) * dt)
			if k > 0 && k < T-1 {
				p.ad[k*NQ+i] = (p.qd[kp*NQ+i] - 2*p.qd[k*NQ+i] + p.qd[km*NQ+i]) / (dt * dt)
			}
		}
	}
	return p, nil
}

// Act computes the computed-torque action from x = [q, q̇, …]; obs and noise are ignored.
func (p *inserter) Act(t int, x, obs, noise, u []float64) {
	q, v := x[:NQ], x[NQ:2*NQ]
	if err := p.d.Dynamics(q, v, p.M, p.b); err != nil {
		panic(err)
	}
	for i := range NQ {
		k := t*NQ + i
		p.acc[i] = p.ad[k] + p.kp*(p.qd[k]-q[i]) + p.kd*(p.vd[k]-v[i])
	}
	for i := range NQ {
		s := p.b[i]
		for j := range NQ {
			s += p.M[i*NQ+j] * p.acc[j]
		}
		u[i] = s
	}
}

// Fork gives a worker goroutine its own MuJoCo data (envs.Forker).
func (p *inserter) Fork() envs.Policy {
	d, err := mujoco.NewData(p.model)
	if err != nil {
		panic(err)
	}
	q := *p
	q.d = d
	q.M, q.b, q.acc = make([]float64, NQ*NQ), make([]float64, NQ), make([]float64, NQ)
	return &q
}
