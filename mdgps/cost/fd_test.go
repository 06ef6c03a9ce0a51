package cost

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// builder makes the cost input for states X and actions U (T×DX, T×DU); for
// end-effector terms it computes P and J from X.
type builder func(X, U []float64) *Input

// fk is a smooth test map p(x) = G x + c + a∘sin(H x) from states to DP
// end-effector coordinates, with its Jacobian and second derivatives.
type fk struct {
	dX, dP int
	G, H   []float64 // DP×DX
	c, a   []float64 // DP
}

func newFK(rng *rand.Rand, dX, dP int, nonlinear bool) *fk {
	f := &fk{dX: dX, dP: dP, G: make([]float64, dP*dX), H: make([]float64, dP*dX), c: make([]float64, dP), a: make([]float64, dP)}
	for i := range f.G {
		if i%dX < dX/2 { // only the "joint angle" half moves the points, as in the arm tasks
			f.G[i] = rng.NormFloat64()
			f.H[i] = rng.NormFloat64()
		}
	}
	for i := range dP {
		f.c[i] = rng.NormFloat64()
		if nonlinear {
			f.a[i] = 0.3
		}
	}
	return f
}

func (f *fk) eval(x, p, jac []float64) {
	for i := range f.dP {
		gx, hx := 0.0, 0.0
		for k := range f.dX {
			gx += f.G[i*f.dX+k] * x[k]
			hx += f.H[i*f.dX+k] * x[k]
		}
		p[i] = gx + f.c[i] + f.a[i]*math.Sin(hx)
		for k := range f.dX {
			jac[i*f.dX+k] = f.G[i*f.dX+k] + f.a[i]*math.Cos(hx)*f.H[i*f.dX+k]
		}
	}
}

// hess returns ∂²p_i/∂x² at x (DX×DX).
func (f *fk) hess(i int, x []float64) []float64 {
	hx := 0.0
	for k := range f.dX {
		hx += f.H[i*f.dX+k] * x[k]
	}
	out := make([]float64, f.dX*f.dX)
	for k := range f.dX {
		for l := range f.dX {
			out[k*f.dX+l] = -f.a[i] * math.Sin(hx) * f.H[i*f.dX+k] * f.H[i*f.dX+l]
		}
	}
	return out
}

func (f *fk) builder(T, dU int) builder {
	return func(X, U []float64) *Input {
		in := &Input{T: T, DX: f.dX, DU: dU, DP: f.dP, X: X, U: U, P: make([]float64, T*f.dP), J: make([]float64, T*f.dP*f.dX)}
		for t := range T {
			f.eval(X[t*f.dX:(t+1)*f.dX], in.P[t*f.dP:(t+1)*f.dP], in.J[t*f.dP*f.dX:(t+1)*f.dP*f.dX])
		}
		return in
	}
}

func plain(T, dX, dU int) builder {
	return func(X, U []float64) *Input { return &Input{T: T, DX: dX, DU: dU, X: X, U: U} }
}

func randVec(rng *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * rng.NormFloat64()
	}
	return v
}

func randSPD(rng *rand.Rand, n int) []float64 {
	a := randVec(rng, n*n, 1)
	m := make([]float64, n*n)
	for i := range n {
		for j := range n {
			for k := range n {
				m[i*n+j] += a[i*n+k] * a[j*n+k]
			}
		}
		m[i*n+i] += 0.5
	}
	return m
}

// fdCheck compares the analytic derivatives of term against central finite
// differences: ℓx, ℓu against differences of ℓ_t, and ℓxx, ℓux, ℓuu against
// differences of ℓx, ℓu (each ℓ_t depends on x_t, u_t only). gn, when non-nil,
// returns the second-order term Σ_i g_i ∂²p_i/∂x² that the analytic Hessian
// drops by design (Gauss–Newton, spec §3.6); it is subtracted from the
// finite-difference Hessian before comparing.
func fdCheck(t *testing.T, term Term, build builder, X, U []float64, gn func(t int, x []float64) []float64) {
	t.Helper()
	in := build(X, U)
	T, dX, dU := in.T, in.DX, in.DU
	d := NewDerivs(T, dX, dU)
	Eval(d, term, in)
	for _, v := range [][]float64{d.L, d.Lx, d.Lu, d.Lxx, d.Luu, d.Lux} {
		for _, e := range v {
			if math.IsNaN(e) || math.IsInf(e, 0) {
				t.Fatalf("non-finite derivative")
			}
		}
	}
	// h = 1e-5 balances truncation (O(h²)·ℓ''') and cancellation (ε·|ℓ|/h ≈ 1e-11)
	// in central differences.
	const h = 1e-5
	eval := func(X, U []float64) *Derivs {
		e := NewDerivs(T, dX, dU)
		Eval(e, term, build(X, U))
		return e
	}
	// perturb returns (plus, minus) derivatives with coordinate k of every
	// x_t (isX) or u_t shifted by ±h; the terms separate over t, so one
	// perturbation checks all time steps at once.
	perturb := func(isX bool, k int) (*Derivs, *Derivs) {
		Xp, Up := append([]float64(nil), X...), append([]float64(nil), U...)
		Xm, Um := append([]float64(nil), X...), append([]float64(nil), U...)
		for s := range T {
			if isX {
				Xp[s*dX+k] += h
				Xm[s*dX+k] -= h
			} else {
				Up[s*dU+k] += h
				Um[s*dU+k] -= h
			}
		}
		return eval(Xp, Up), eval(Xm, Um)
	}
	// Tolerance: 1e-6 relative to the scale of the compared quantity (plus an
	// absolute 1e-7 for entries near zero) – central differences with h = 1e-5
	// are accurate to ~1e-9 on these smooth, O(1)–O(100) functions.
	check := func(what string, got, want, scale float64) {
		if math.Abs(got-want) > 1e-6*math.Max(1, scale)+1e-7 {
			t.Errorf("%s: analytic %.10g, finite difference %.10g", what, got, want)
		}
	}
	maxAbs := func(v []float64) float64 {
		m := 0.0
		for _, e := range v {
			m = math.Max(m, math.Abs(e))
		}
		return m
	}
	for _, isX := range []bool{true, false} {
		n := dU
		if isX {
			n = dX
		}
		for k := range n {
			p, m := perturb(isX, k)
			for s := range T {
				fd := (p.L[s] - m.L[s]) / (2 * h)
				if isX {
					check(fmt.Sprintf("t=%d lx[%d]", s, k), d.Lx[s*dX+k], fd, maxAbs(d.Lx))
				} else {
					check(fmt.Sprintf("t=%d lu[%d]", s, k), d.Lu[s*dU+k], fd, maxAbs(d.Lu))
				}
				// Column k of the Hessians: ∂(lx, lu)/∂y_k.
				var corr []float64
				if isX && gn != nil {
					corr = gn(s, X[s*dX:(s+1)*dX])
				}
				for i := range dX {
					fd := (p.Lx[s*dX+i] - m.Lx[s*dX+i]) / (2 * h)
					if isX {
						if corr != nil {
							fd -= corr[i*dX+k]
						}
						check(fmt.Sprintf("t=%d lxx[%d,%d]", s, i, k), d.Lxx[s*dX*dX+i*dX+k], fd, maxAbs(d.Lxx))
					} else {
						check(fmt.Sprintf("t=%d lux[%d,%d]", s, k, i), d.Lux[s*dU*dX+k*dX+i], fd, maxAbs(d.Lux))
					}
				}
				for i := range dU {
					fd := (p.Lu[s*dU+i] - m.Lu[s*dU+i]) / (2 * h)
					if isX {
						check(fmt.Sprintf("t=%d lux[%d,%d]", s, i, k), d.Lux[s*dU*dX+i*dX+k], fd, maxAbs(d.Lux))
					} else {
						check(fmt.Sprintf("t=%d luu[%d,%d]", s, i, k), d.Luu[s*dU*dU+i*dU+k], fd, maxAbs(d.Luu))
					}
				}
			}
		}
	}
}

// gnTerm returns Σ_i g_i ∂²p_i/∂x² for an FK term, with g from the norm at time t.
func gnTerm(c *FK, f *fk, T int) func(t int, x []float64) []float64 {
	wpm := make([]float64, T)
	RampMultiplier(wpm, c.Ramp, c.FinalMult)
	return func(t int, x []float64) []float64 {
		D := f.dP
		p, jac := make([]float64, D), make([]float64, D*f.dX)
		f.eval(x, p, jac)
		dist, w, g, h := make([]float64, D), make([]float64, D), make([]float64, D), make([]float64, D*D)
		for i := range D {
			dist[i] = p[i] - c.Target[i]
			w[i] = c.Wp[i] * wpm[t]
		}
		c.Norm.Eval(dist, w, g, h)
		out := make([]float64, f.dX*f.dX)
		for i := range D {
			for k, v := range f.hess(i, x) {
				out[k] += g[i] * v
			}
		}
		return out
	}
}

func TestFiniteDifferences(t *testing.T) {
	const T, dX, dU, dP = 4, 6, 3, 4
	rng := rand.New(rand.NewPCG(1, 2))
	X := randVec(rng, T*dX, 0.5)
	U := randVec(rng, T*dU, 0.5)
	idx := []int{0, 2, 3}
	target := []float64{0.1, -0.2, 0.3}
	wp := []float64{1, 2, 0.5}

	state := func(kind NormKind, ramp Ramp, l1, l2, fm float64) Term {
		s := NewState(idx, target, wp)
		s.Norm = Norm{Kind: kind, L1: l1, L2: l2, Alpha: 1e-2}
		s.Ramp, s.FinalMult = ramp, fm
		return s
	}
	linFK := newFK(rng, dX, dP, false)
	nlFK := newFK(rng, dX, dP, true)
	fkTerm := func(kind NormKind, ramp Ramp, l1, l2 float64) *FK {
		c := NewFK(randVec(rng, dP, 1), []float64{2, 2, 1, 0.5})
		c.Norm = Norm{Kind: kind, L1: l1, L2: l2, Alpha: 1e-2}
		c.Ramp, c.FinalMult = ramp, 3
		return c
	}
	fkL1L2, fkLog, fkNL := fkTerm(L1L2, RampLinear, 0.7, 2), fkTerm(LogL2, RampQuadratic, 0.7, 2), fkTerm(LogL2, RampConstant, 0.5, 1)
	Q := randVec(rng, dX*dX, 1) // deliberately not symmetric
	R := randSPD(rng, dU)

	cases := []struct {
		name  string
		term  Term
		build builder
		gn    func(int, []float64) []float64
	}{
		{"action", &Action{Wu: []float64{0.1, 2, 3}}, plain(T, dX, dU), nil},
		{"state/l1l2/constant", state(L1L2, RampConstant, 0.5, 3, 1), plain(T, dX, dU), nil},
		{"state/l1l2/linear/final10", state(L1L2, RampLinear, 0.5, 3, 10), plain(T, dX, dU), nil},
		{"state/l1l2/finalonly", state(L1L2, RampFinalOnly, 1, 0, 10), plain(T, dX, dU), nil},
		{"state/logl2/quadratic", state(LogL2, RampQuadratic, 0.5, 3, 2), plain(T, dX, dU), nil},
		{"fk/l1l2/linear-map", fkL1L2, linFK.builder(T, dU), nil},
		{"fk/logl2/linear-map", fkLog, linFK.builder(T, dU), nil},
		{"fk/logl2/nonlinear-map (Gauss-Newton)", fkNL, nlFK.builder(T, dU), gnTerm(fkNL, nlFK, T)},
		{"quadratic", &Quadratic{Q: Q, R: R}, plain(T, dX, dU), nil},
		{"sum", &Sum{Terms: []Term{&Action{Wu: []float64{1, 1, 1}}, state(L1L2, RampConstant, 0.1, 1, 1), &Quadratic{Q: Q, R: R}},
			Weights: []float64{0.5, 2, -0.25}}, plain(T, dX, dU), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { fdCheck(t, c.term, c.build, X, U, c.gn) })
	}
}

// TestNormCompat checks quirk Q9: the reference's log-norm Hessian (Compat)
// differs from the exact one by exactly l1 (w²∘d)(w²∘d)ᵀ/s², the values and
// gradients agree, and the square-root norm ignores Compat.
func TestNormCompat(t *testing.T) {
	d := []float64{0.3, -0.1, 0.05}
	w := []float64{2, 1, 0.5}
	const D = 3
	for _, kind := range []NormKind{L1L2, LogL2} {
		n := Norm{Kind: kind, L1: 0.7, L2: 2, Alpha: 1e-3}
		ge, he := make([]float64, D), make([]float64, D*D)
		gc, hc := make([]float64, D), make([]float64, D*D)
		le := n.Eval(d, w, ge, he)
		n.Compat = true
		lc := n.Eval(d, w, gc, hc)
		if le != lc {
			t.Errorf("%v: value changed with Compat: %v vs %v", kind, le, lc)
		}
		s := n.Alpha
		for i := range D {
			s += w[i] * w[i] * d[i] * d[i]
			if ge[i] != gc[i] {
				t.Errorf("%v: gradient changed with Compat", kind)
			}
		}
		for i := range D {
			for j := range D {
				want := 0.0
				if kind == LogL2 {
					want = n.L1 * w[i] * w[i] * d[i] * w[j] * w[j] * d[j] / (s * s)
				}
				// 1e-12 absolute: the two Hessians share all but the outer-product
				// term, entries are O(100), so rounding is ~1e-14.
				if diff := hc[i*D+j] - he[i*D+j]; math.Abs(diff-want) > 1e-12 {
					t.Errorf("%v: H_compat − H_exact [%d,%d] = %g, want %g", kind, i, j, diff, want)
				}
			}
		}
	}
}

// TestExpandReproducesCost checks spec §17.3 item 8: a single sample's expansion
// evaluated at its own (x_t, u_t) gives back ℓ_t, its gradient there is (ℓx, ℓu),
// and the mean of several samples' expansions is the mean of the models.
func TestExpandReproducesCost(t *testing.T) {
	const T, dX, dU, dP = 5, 4, 2, 3
	rng := rand.New(rand.NewPCG(3, 4))
	f := newFK(rng, dX, dP, true)
	fkc := NewFK([]float64{0.1, 0.2, 0.3}, []float64{1, 2, 3})
	fkc.Norm.L1 = 0.1
	term := &Sum{Terms: []Term{&Action{Wu: []float64{0.5, 1}}, fkc, &Quadratic{Q: randSPD(rng, dX), R: randSPD(rng, dU)}}, Weights: []float64{1, 1, 0.1}}
	build := f.builder(T, dU)
	const N = 3
	ins := make([]*Input, N)
	ds := make([]*Derivs, N)
	es := make([]*Expansion, N)
	for n := range N {
		ins[n] = build(randVec(rng, T*dX, 1), randVec(rng, T*dU, 1))
		ds[n] = NewDerivs(T, dX, dU)
		Eval(ds[n], term, ins[n])
		es[n] = NewExpansion(T, dX, dU)
		Expand(es[n], ins[n:n+1], ds[n:n+1])
		for s := range T {
			x, u := ins[n].X[s*dX:(s+1)*dX], ins[n].U[s*dU:(s+1)*dU]
			// 1e-10 relative: cc + cvᵀy + ½yᵀCy re-adds terms of size |C||y|² that
			// cancel to ℓ_t; cancellation loses a few digits.
			got, want := es[n].Value(s, x, u), ds[n].L[s]
			if math.Abs(got-want) > 1e-10*math.Max(1, math.Abs(want)) {
				t.Errorf("sample %d t=%d: expansion at own y gives %.15g, ℓ = %.15g", n, s, got, want)
			}
		}
	}
	all := NewExpansion(T, dX, dU)
	Expand(all, ins, ds)
	y := randVec(rng, dX+dU, 1)
	for s := range T {
		mean := 0.0
		for n := range N {
			mean += es[n].Value(s, y[:dX], y[dX:])
		}
		mean /= N
		got := all.Value(s, y[:dX], y[dX:])
		// 1e-10 relative: same cancellation argument as above.
		if math.Abs(got-mean) > 1e-10*math.Max(1, math.Abs(mean)) {
			t.Errorf("t=%d: averaged model %.15g, mean of models %.15g", s, got, mean)
		}
	}
}

func TestRampMultiplier(t *testing.T) {
	cases := []struct {
		ramp Ramp
		fm   float64
		want []float64
	}{
		{RampConstant, 1, []float64{1, 1, 1, 1}},
		{RampConstant, 10, []float64{1, 1, 1, 10}},
		{RampLinear, 1, []float64{0.25, 0.5, 0.75, 1}},
		{RampQuadratic, 2, []float64{0.0625, 0.25, 0.5625, 2}},
		{RampFinalOnly, 10, []float64{0, 0, 0, 10}},
	}
	for _, c := range cases {
		got := make([]float64, 4)
		RampMultiplier(got, c.ramp, c.fm)
		for i := range got {
			if got[i] != c.want[i] { // exact: products of small dyadic fractions
				t.Errorf("%v×%g: got %v, want %v", c.ramp, c.fm, got, c.want)
				break
			}
		}
	}
}

// TestProgrammerErrors: mismatched shapes and singular norms panic with the
// package prefix.
func TestProgrammerErrors(t *testing.T) {
	in := &Input{T: 2, DX: 2, DU: 1, X: make([]float64, 4), U: make([]float64, 2)}
	cases := []struct {
		name string
		f    func()
	}{
		{"action weights", func() { Eval(NewDerivs(2, 2, 1), &Action{Wu: []float64{1, 2}}, in) }},
		{"state index", func() { Eval(NewDerivs(2, 2, 1), NewState([]int{2}, []float64{0}, []float64{1}), in) }},
		{"state targets", func() { Eval(NewDerivs(2, 2, 1), NewState([]int{0}, []float64{0, 1}, []float64{1}), in) }},
		{"fk without points", func() { Eval(NewDerivs(2, 2, 1), NewFK([]float64{0, 0, 0}, []float64{1, 1, 1}), in) }},
		{"derivs size", func() { Eval(NewDerivs(3, 2, 1), &Action{Wu: []float64{1}}, in) }},
		{"input arrays", func() {
			Eval(NewDerivs(2, 2, 1), &Action{Wu: []float64{1}}, &Input{T: 2, DX: 2, DU: 1, X: make([]float64, 3), U: make([]float64, 2)})
		}},
		{"alpha zero", func() {
			Norm{Kind: LogL2, L1: 1, Alpha: 0}.Eval([]float64{0}, []float64{1}, make([]float64, 1), make([]float64, 1))
		}},
		{"sum weights", func() { Eval(NewDerivs(2, 2, 1), &Sum{Terms: []Term{&Action{Wu: []float64{1}}}}, in) }},
	}
	for _, c := range cases {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || len(s) < 6 || s[:6] != "cost: " {
					t.Errorf("%s: recovered %v, want a panic with prefix \"cost: \"", c.name, r)
				}
			}()
			c.f()
		}()
	}
}
