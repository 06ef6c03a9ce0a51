package mdgps

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/mdgps/fit"
	"github.com/mirrorgps/mirrorgps/mdgps/internal/dense"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
	"github.com/mirrorgps/mirrorgps/mdgps/nn"
)

// CorruptError reports a checkpoint whose state decodes but is not a state this
// build can run from: an array of the wrong length for the task's dimensions, a
// non-finite value, a covariance or precision that is not positive definite, an
// index out of range, or a phase or iteration count that disagrees with the
// history. The file is left as it is.
type CorruptError struct {
	File   string
	Field  string // path of the bad field in the run state, e.g. "Conds[2].DynPrior.GMM.Sigma"
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("mdgps: checkpoint %s is corrupt: %s: %s", e.File, e.Field, e.Reason)
}

// shape is what a state is checked against: the task's dimensions and the config.
type shape struct {
	d    envs.Dims
	T, M int
	task string
	cfg  Config
}

// validator collects the first failure.
type validator struct {
	file string
	err  *CorruptError
}

func (v *validator) fail(field, format string, args ...any) bool {
	if v.err == nil {
		v.err = &CorruptError{File: v.file, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	return false
}

func (v *validator) length(field string, s []float64, want int) bool {
	if len(s) != want {
		return v.fail(field, "%d values, want %d", len(s), want)
	}
	return true
}

// finite checks that s has want values (want < 0: any length), all finite.
func (v *validator) finite(field string, s []float64, want int) bool {
	if want >= 0 && !v.length(field, s, want) {
		return false
	}
	for i, x := range s {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return v.fail(field, "value %d is %v", i, x)
		}
	}
	return true
}

// pd checks that the blocks of s (count n×n blocks, the first `use` of them)
// are symmetric positive definite.
func (v *validator) pd(field string, s []float64, n, use int) bool {
	r := make([]float64, n*n)
	for b := 0; b < use; b++ {
		a := s[b*n*n : (b+1)*n*n]
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				if a[i*n+j] != a[j*n+i] && math.Abs(a[i*n+j]-a[j*n+i]) > 1e-9*(math.Abs(a[i*n+j])+math.Abs(a[j*n+i])) {
					return v.fail(field, "block %d is not symmetric (%d,%d): %v vs %v", b, i, j, a[i*n+j], a[j*n+i])
				}
			}
		}
		if _, val, ok := dense.UpperChol(r, a, n); !ok {
			return v.fail(field, "block %d is not positive definite (Cholesky pivot %v)", b, val)
		}
	}
	return true
}

func (v *validator) policy(field string, p *lingauss.Policy, T, dX, dU int) bool {
	if p == nil {
		return v.fail(field, "missing")
	}
	if p.T != T || p.DX != dX || p.DU != dU {
		return v.fail(field, "size T=%d dX=%d dU=%d, want T=%d dX=%d dU=%d", p.T, p.DX, p.DU, T, dX, dU)
	}
	return v.finite(field+".K", p.K, T*dU*dX) && v.finite(field+".Bias", p.Bias, T*dU) &&
		v.finite(field+".Cov", p.Cov, T*dU*dU) && v.finite(field+".Chol", p.Chol, T*dU*dU) &&
		v.finite(field+".Prec", p.Prec, T*dU*dU) &&
		v.pd(field+".Cov", p.Cov, dU, T) && v.pd(field+".Prec", p.Prec, dU, T)
}

func (v *validator) dynamics(field string, d *lingauss.Dynamics, s shape) bool {
	if d == nil {
		return v.fail(field, "missing")
	}
	T, dX, dU := s.T, s.d.X, s.d.U
	if d.T != T || d.DX != dX || d.DU != dU {
		return v.fail(field, "size T=%d dX=%d dU=%d, want T=%d dX=%d dU=%d", d.T, d.DX, d.DU, T, dX, dU)
	}
	// The last step's covariance is never used (left zero), so T−1 blocks are PD.
	return v.finite(field+".F", d.F, T*dX*(dX+dU)) && v.finite(field+".Bias", d.Bias, T*dX) &&
		v.finite(field+".Cov", d.Cov, T*dX*dX) && v.finite(field+".X0Mu", d.X0Mu, dX) &&
		v.finite(field+".X0Cov", d.X0Cov, dX*dX) && v.pd(field+".Cov", d.Cov, dX, T-1)
}

func (v *validator) cost(field string, c *lingauss.QuadCost, s shape) bool {
	if c == nil {
		return v.fail(field, "missing")
	}
	T, dX, dU := s.T, s.d.X, s.d.U
	if c.T != T || c.DX != dX || c.DU != dU {
		return v.fail(field, "size T=%d dX=%d dU=%d, want T=%d dX=%d dU=%d", c.T, c.DX, c.DU, T, dX, dU)
	}
	n := dX + dU
	return v.finite(field+".C", c.C, T*n*n) && v.finite(field+".Cv", c.Cv, T*n) && v.finite(field+".Cc", c.Cc, T)
}

func (v *validator) gmm(field string, g *fit.GMM, D int) bool {
	if g.K == 0 {
		if len(g.Mu)+len(g.Sigma)+len(g.LogMass) != 0 {
			return v.fail(field, "K = 0 with parameters")
		}
		return true
	}
	if g.K < 0 || g.K > 1<<12 {
		return v.fail(field+".K", "%d clusters", g.K)
	}
	if g.D != D {
		return v.fail(field+".D", "%d, want %d", g.D, D)
	}
	if g.N < 0 {
		return v.fail(field+".N", "%d", g.N)
	}
	if !v.finite(field+".Mu", g.Mu, g.K*D) || !v.finite(field+".Sigma", g.Sigma, g.K*D*D) || !v.finite(field+".LogMass", g.LogMass, g.K) {
		return false
	}
	for k, l := range g.LogMass {
		if l > 1e-9 {
			return v.fail(field+".LogMass", "cluster %d has log weight %v > 0", k, l)
		}
	}
	return v.pd(field+".Sigma", g.Sigma, D, g.K)
}

// same checks that a configuration stored inside the state (a prior's, the
// network's) is the run's: the run's configuration is the truth, and a damaged
// copy (say an EM iteration limit of 2³¹) must not run.
func (v *validator) same(field string, got, want any) bool {
	if d := diffValues("", reflect.ValueOf(got), reflect.ValueOf(want)); d != "" {
		return v.fail(field, "differs from the run's configuration: %s", d)
	}
	return true
}

func (v *validator) priorConfig(field string, c fit.PriorConfig) bool {
	if err := c.Validate(); err != nil {
		return v.fail(field, "%v", err)
	}
	return true
}

func (v *validator) sample(field string, smp *envs.Sample, m int, s shape) bool {
	if smp == nil {
		return v.fail(field, "missing")
	}
	T, d := s.T, s.d
	switch {
	case smp.Cond != m:
		return v.fail(field+".Cond", "%d, want %d", smp.Cond, m)
	case smp.T != T:
		return v.fail(field+".T", "%d, want %d", smp.T, T)
	case smp.Dims != d:
		return v.fail(field+".Dims", "%+v, want %+v", smp.Dims, d)
	}
	if !v.finite(field+".X", smp.X, T*d.X) || !v.finite(field+".U", smp.U, T*d.U) || !v.finite(field+".Obs", smp.Obs, T*d.O) {
		return false
	}
	if d.P > 0 && (!v.finite(field+".P", smp.P, T*d.P) || !v.finite(field+".J", smp.J, T*d.P*d.X)) {
		return false
	}
	if smp.Noise != nil && !v.finite(field+".Noise", smp.Noise, T*d.U) {
		return false
	}
	return true
}

// validate checks a decoded state against the task's shape before anything runs
// on it (no code reachable from Open may panic on loaded data). The checks: every
// array's length against the dimensions, finiteness, positive-definiteness of
// stored covariances and precisions, indices in range, and the phase and
// iteration against the history.
func validate(file string, st *state, s shape) error {
	v := &validator{file: file}
	v.state(st, s)
	if v.err != nil {
		return v.err
	}
	return nil
}

func (v *validator) state(st *state, s shape) bool {
	cfg := s.cfg
	T, d := s.T, s.d
	if st.Task != s.task {
		return v.fail("Task", "%q, want %q", st.Task, s.task)
	}
	if st.Iter < 0 || st.Iter != len(st.History) {
		return v.fail("Iter", "%d completed iterations with %d records", st.Iter, len(st.History))
	}
	// The phases of this iteration that have run: those before the current one.
	seq := (&Run{st: st}).phases()
	at := -1
	for i, p := range seq {
		if p == (step{st.Phase, st.Round}) {
			at = i
			break
		}
	}
	if at < 0 {
		return v.fail("Phase", "%s (round %d) is not a phase of iteration %d of this configuration", st.Phase, st.Round, st.Iter+1)
	}
	ran := map[Phase]bool{}
	for _, p := range seq[:at] {
		ran[p.Phase] = true
	}
	for i, it := range st.History {
		if it.Iteration != i+1 {
			return v.fail(fmt.Sprintf("History[%d].Iteration", i), "%d, want %d", it.Iteration, i+1)
		}
	}
	if math.IsNaN(st.Wall) || st.Wall < 0 {
		return v.fail("Wall", "%v", st.Wall)
	}
	if len(st.Conds) != s.M {
		return v.fail("Conds", "%d conditions, want %d", len(st.Conds), s.M)
	}
	global := cfg.Algorithm != TrajOpt
	if global && !v.global(st, s) {
		return false
	}
	for m, c := range st.Conds {
		f := fmt.Sprintf("Conds[%d]", m)
		if c == nil {
			return v.fail(f, "missing")
		}
		if !v.policy(f+".Local", c.Local, T, d.X, d.U) {
			return false
		}
		if !(c.Eta > 0) || math.IsInf(c.Eta, 0) {
			return v.fail(f+".Eta", "%v, want a finite value > 0", c.Eta)
		}
		if !(c.StepMult > 0) || math.IsInf(c.StepMult, 0) {
			return v.fail(f+".StepMult", "%v, want a finite value > 0", c.StepMult)
		}
		if math.IsNaN(c.PrevMC) || math.IsInf(c.PrevMC, 0) {
			return v.fail(f+".PrevMC", "%v", c.PrevMC)
		}
		p := c.DynPrior
		if p == nil {
			return v.fail(f+".DynPrior", "missing")
		}
		if !v.priorConfig(f+".DynPrior.Config", p.Config) || !v.same(f+".DynPrior.Config", p.Config, cfg.DynPrior) {
			return false
		}
		if p.T != T || p.DX != d.X || p.DU != d.U {
			return v.fail(f+".DynPrior", "size T=%d dX=%d dU=%d, want T=%d dX=%d dU=%d", p.T, p.DX, p.DU, T, d.X, d.U)
		}
		if p.NBuf < 0 || p.NBuf > 1<<20 {
			return v.fail(f+".DynPrior.NBuf", "%d", p.NBuf)
		}
		if !v.finite(f+".DynPrior.X", p.X, p.NBuf*T*d.X) || !v.finite(f+".DynPrior.U", p.U, p.NBuf*T*d.U) ||
			!v.gmm(f+".DynPrior.GMM", &p.GMM, 2*d.X+d.U) {
			return false
		}
		if global {
			q := c.PolPrior
			if q == nil {
				return v.fail(f+".PolPrior", "missing")
			}
			if !v.priorConfig(f+".PolPrior.Config", q.Config) || !v.same(f+".PolPrior.Config", q.Config, cfg.PolPrior) {
				return false
			}
			if q.T != T || q.DX != d.X || q.DO != d.O || q.DU != d.U {
				return v.fail(f+".PolPrior", "size T=%d dX=%d dO=%d dU=%d, want T=%d dX=%d dO=%d dU=%d", q.T, q.DX, q.DO, q.DU, T, d.X, d.O, d.U)
			}
			if q.NBuf < 0 || q.NBuf > 1<<20 {
				return v.fail(f+".PolPrior.NBuf", "%d", q.NBuf)
			}
			if !v.finite(f+".PolPrior.X", q.X, q.NBuf*T*d.X) || !v.finite(f+".PolPrior.Obs", q.Obs, q.NBuf*T*d.O) ||
				!v.gmm(f+".PolPrior.GMM", &q.GMM, d.X+d.U) {
				return false
			}
		}
		if cfg.Algorithm == BADMM {
			b := c.BADMM
			if b == nil {
				return v.fail(f+".BADMM", "missing")
			}
			if !v.finite(f+".BADMM.PolWt", b.PolWt, T) || !v.finite(f+".BADMM.LambdaK", b.LambdaK, T*d.U*d.X) ||
				!v.finite(f+".BADMM.Lambdak", b.Lambdak, T*d.U) {
				return false
			}
			if b.PrevKL != nil && !v.finite(f+".BADMM.PrevKL", b.PrevKL, T) {
				return false
			}
			if b.InitKL != nil && !v.finite(f+".BADMM.InitKL", b.InitKL, T) {
				return false
			}
		}

		// Samples: the current iteration's after Sample; the previous one's (or
		// none) before it.
		if ran[PhaseSample] && len(c.Samples) != cfg.Samples {
			return v.fail(f+".Samples", "%d samples, want %d", len(c.Samples), cfg.Samples)
		}
		if len(c.Samples) != 0 && len(c.Samples) != cfg.Samples {
			return v.fail(f+".Samples", "%d samples, want 0 or %d", len(c.Samples), cfg.Samples)
		}
		for n, smp := range c.Samples {
			if !v.sample(fmt.Sprintf("%s.Samples[%d]", f, n), smp, m, s) {
				return false
			}
		}
		if c.SampleCst != nil && !v.finite(f+".SampleCst", c.SampleCst, len(c.Samples)*T) {
			return false
		}
		if ran[PhaseFitDynamics] || c.Dyn != nil {
			if !v.dynamics(f+".Dyn", c.Dyn, s) || !v.cost(f+".Cost", c.Cost, s) || !v.finite(f+".SampleCst", c.SampleCst, len(c.Samples)*T) {
				return false
			}
			if p.GMM.K == 0 {
				return v.fail(f+".DynPrior.GMM", "empty after FitDynamics")
			}
		}
		if global && (ran[PhaseFitPolicy] || c.Lin != nil) {
			if !v.policy(f+".Lin", c.Lin, T, d.X, d.U) {
				return false
			}
			if c.PolPrior.GMM.K == 0 {
				return v.fail(f+".PolPrior.GMM", "empty after FitPolicy")
			}
		}
		if ran[PhaseCStep] || c.New != nil {
			if !v.policy(f+".New", c.New, T, d.X, d.U) {
				return false
			}
		}
		if c.Search.KLPerT != nil && !v.finite(f+".Search.KLPerT", c.Search.KLPerT, T) {
			return false
		}
		if st.Iter > 0 || c.PrevDyn != nil {
			if !v.dynamics(f+".PrevDyn", c.PrevDyn, s) || !v.cost(f+".PrevCost", c.PrevCost, s) ||
				!v.policy(f+".PrevLoc", c.PrevLoc, T, d.X, d.U) {
				return false
			}
			if global && !v.policy(f+".PrevLin", c.PrevLin, T, d.X, d.U) {
				return false
			}
		}
	}
	// Any other float array of the run (fields added later included) must be finite.
	for _, ff := range collectFloats(reflect.ValueOf(st).Elem(), nil, nil, 0) {
		if strings.HasPrefix(ff.path, ".History") {
			continue // records: output only, may hold NaN diagnostics
		}
		if !v.finite(strings.TrimPrefix(ff.path, "."), ff.s, -1) {
			return false
		}
	}
	return true
}

// global checks the global policy.
func (v *validator) global(st *state, s shape) bool {
	d, T := s.d, s.T
	switch s.cfg.Policy {
	case NeuralPolicy:
		m := st.MLP
		if m == nil || st.Linear != nil {
			return v.fail("MLP", "missing (or a linear policy beside it)")
		}
		if m.DO != d.O || m.DU != d.U {
			return v.fail("MLP", "dO=%d dU=%d, want dO=%d dU=%d", m.DO, m.DU, d.O, d.U)
		}
		if err := m.Config.Validate(); err != nil {
			return v.fail("MLP.Config", "%v", err)
		}
		nc := s.cfg.NN
		nc.Seed = s.cfg.Seed
		if !v.same("MLP.Config", m.Config, nc) {
			return false
		}
		n, prev := 0, d.O
		for i, h := range append(append([]int(nil), m.Config.Hidden...), d.U) {
			if h > 1<<16 {
				return v.fail("MLP.Config.Hidden", "layer %d of width %d", i, h)
			}
			n += h*prev + h
			prev = h
		}
		if !v.finite("MLP.Theta", m.Theta, n) || !v.finite("MLP.Scale", m.Scale, d.O) || !v.finite("MLP.Shift", m.Shift, d.O) ||
			!v.finite("MLP.Var", m.Var, d.U) {
			return false
		}
		for i, x := range m.Var {
			if !(x > 0) {
				return v.fail("MLP.Var", "value %d is %v, want > 0", i, x)
			}
		}
		if (m.AdamM != nil || m.AdamV != nil) && (!v.finite("MLP.AdamM", m.AdamM, n) || !v.finite("MLP.AdamV", m.AdamV, n)) {
			return false
		}
		if m.AdamStep < 0 || m.Calls < 0 {
			return v.fail("MLP", "AdamStep %d, Calls %d", m.AdamStep, m.Calls)
		}
	case LinearPolicy:
		l := st.Linear
		if l == nil || st.MLP != nil {
			return v.fail("Linear", "missing (or a network beside it)")
		}
		return v.policy("Linear.Policy", l.Policy, T, d.O, d.U)
	default:
		return v.fail("Config.Policy", "%q", s.cfg.Policy)
	}
	return true
}

var _ nn.Global = (*nn.MLP)(nil)

// ConfigDiff names the first field where two configs differ, with both values
// ("KLStep: 2 vs 1"); "" when they are equal (nil and empty slices alike).
func ConfigDiff(a, b Config) string {
	return diffValues("", reflect.ValueOf(a), reflect.ValueOf(b))
}

func diffValues(path string, a, b reflect.Value) string {
	name := strings.TrimPrefix(path, ".")
	switch a.Kind() {
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !a.Type().Field(i).IsExported() {
				continue
			}
			if d := diffValues(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %v vs %v", name, a.Interface(), b.Interface())
		}
		for i := 0; i < a.Len(); i++ {
			if d := diffValues(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Sprintf("%s: %v vs %v", name, a.Interface(), b.Interface())
			}
			return ""
		}
		return diffValues(path, a.Elem(), b.Elem())
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		if x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
			return fmt.Sprintf("%s: %v vs %v", name, x, y)
		}
		return ""
	case reflect.Map, reflect.Func, reflect.Chan:
		return ""
	}
	if a.CanInterface() && !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return fmt.Sprintf("%s: %v vs %v", name, a.Interface(), b.Interface())
	}
	return ""
}
