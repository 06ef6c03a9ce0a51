package trajopt

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/mirrorgps/mirrorgps/mdgps/internal/dense"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// Kind selects how the KL term enters the cost (spec §6.4).
type Kind int

const (
	// AgainstPolicy is the MDGPS C-step: the reference is the linearised global
	// policy π̄ and C̃_t = (C_t + η G_t)/(η + ν), c̃_t = (c_t + η g_t)/(η + ν).
	AgainstPolicy Kind = iota
	// AgainstPrevious is the trajectory-only (and BADMM-style) step: the reference
	// is the previous local controller and C̃_t = C_t/(η + ν) + η/(η + ν) G_t.
	AgainstPrevious
	// BADMM is the C-step of the BADMM baseline (spec §11.8): the KL term is
	// against the previous controller (Ref, weight η) and the policy
	// linearisation (Lin, weight w_t = PolWt[t]), with Lagrange multipliers λ:
	//
	//	C̃_t = (C_t − [[0, λ_Kᵀ], [λ_K, 0]] + η G_t + w_t H_t)/(η + w_t + ν),
	//	c̃_t = (c_t − [0; λ_k] + η g_t + w_t h_t)/(η + w_t + ν),
	//
	// and the backward pass scales the next step's value by (w_{t+1}+η)/(w_t+η).
	BADMM
)

func (k Kind) String() string {
	switch k {
	case AgainstPolicy:
		return "policy"
	case AgainstPrevious:
		return "previous"
	case BADMM:
		return "badmm"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Problem is one condition's C-step: minimise E_p[Σ_t ℓ_t] subject to
// KL(p ‖ Ref) ≤ budget under the fitted dynamics (paper Algorithm 3, C-step).
type Problem struct {
	Dyn    *lingauss.Dynamics // fitted dynamics p(x'|x,u) and x0 distribution
	Cost   *lingauss.QuadCost // local quadratic cost ℓ_t(y) ≈ cc + cᵀy + ½yᵀCy
	Ref    *lingauss.Policy   // reference policy of the KL constraint (uses K, k, Prec, Chol)
	Kind   Kind
	MaxEnt float64 // ν ≥ 0, weight of the maximum-entropy term (the reference's max_ent_traj)

	// BADMM only (Kind == BADMM; spec §11.8).
	Lin     *lingauss.Policy // policy linearisation π̄ (its −log-likelihood H_t, h_t)
	PolWt   []float64        // w_t ≥ 0, length T
	LambdaK []float64        // λ_K, T×dU×dX
	Lambdak []float64        // λ_k, T×dU
}

// Check reports inconsistent sizes, a negative ν, or NaN/Inf in any input array
// (a *lingauss.NonFiniteError naming the array and index).
func (pr *Problem) Check() error {
	if pr.Dyn == nil || pr.Cost == nil || pr.Ref == nil {
		return fmt.Errorf("trajopt: Problem needs Dyn, Cost and Ref")
	}
	T, dX, dU := pr.Ref.T, pr.Ref.DX, pr.Ref.DU
	if pr.Dyn.T != T || pr.Dyn.DX != dX || pr.Dyn.DU != dU || pr.Cost.T != T || pr.Cost.DX != dX || pr.Cost.DU != dU {
		return fmt.Errorf("trajopt: sizes differ: Ref %d/%d/%d, Dyn %d/%d/%d, Cost %d/%d/%d (T/dX/dU)",
			T, dX, dU, pr.Dyn.T, pr.Dyn.DX, pr.Dyn.DU, pr.Cost.T, pr.Cost.DX, pr.Cost.DU)
	}
	if !(pr.MaxEnt >= 0) || math.IsInf(pr.MaxEnt, 0) {
		return fmt.Errorf("trajopt: Problem.MaxEnt = %v, need a finite value ≥ 0", pr.MaxEnt)
	}
	switch pr.Kind {
	case AgainstPolicy, AgainstPrevious:
	case BADMM:
		if pr.Lin == nil || pr.Lin.T != T || pr.Lin.DX != dX || pr.Lin.DU != dU ||
			len(pr.PolWt) != T || len(pr.LambdaK) != T*dU*dX || len(pr.Lambdak) != T*dU {
			return fmt.Errorf("trajopt: BADMM problem needs Lin (%d/%d/%d), PolWt (T), LambdaK (T·dU·dX), Lambdak (T·dU)", T, dX, dU)
		}
		for t, w := range pr.PolWt {
			if !(w >= 0) || math.IsInf(w, 0) {
				return fmt.Errorf("trajopt: Problem.PolWt[%d] = %v, need a finite value ≥ 0", t, w)
			}
		}
		if err := lingauss.CheckFinite("LambdaK", pr.LambdaK); err != nil {
			return err
		}
		if err := lingauss.CheckFinite("Lambdak", pr.Lambdak); err != nil {
			return err
		}
		if err := pr.Lin.Check(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("trajopt: Problem.Kind = %v, need AgainstPolicy, AgainstPrevious or BADMM", pr.Kind)
	}
	if err := pr.Dyn.Check(); err != nil {
		return err
	}
	if err := pr.Cost.Check(); err != nil {
		return err
	}
	return pr.Ref.Check()
}

// Settings of the backward pass and the dual search (spec §6.1; the zero value of
// each field means the reference's default, given in parentheses).
type Settings struct {
	Del0     float64 // first η increment after a non-PD Q_uu (1e-4); doubles on each failure
	EtaLimit float64 // η at which a non-PD pass is an error (1e16)
	MinEta   float64 // lower end of the η bracket (1e-8)
	MaxEta   float64 // upper end of the η bracket (1e16)
	MaxIter  int     // dual iterations (50, the reference's DGD_MAX_ITER)
	Tol      float64 // converged when |KL − budget| < Tol·budget (0.1)

	// EtaSearch selects the dual search (Bisection, the default, spec §6.7; or
	// OldLineSearch, the submission era's line search, spec §15.3, whose MinEta
	// defaults to 1e-4 instead of 1e-8 and whose coin flip comes from Solver.Rand).
	EtaSearch EtaSearch
	// CovAdd c ≥ 0 is added to every Σ_t = Q_uu⁻¹ of the backward pass as c·I,
	// with the Cholesky factor and the precision recomputed from it (K_t, k_t and
	// the value function keep Q_uu), so the search's KL sees it. 0 (the default)
	// adds nothing. The submission era used 1e-6 with the "old" (classic) step
	// rule and in the trajectory-only optimiser (spec §15.4, the reference's
	// traj_opt_lqr_python*.py at afc2519).
	CovAdd float64
}

func (s Settings) withDefaults() Settings {
	if s.Del0 == 0 {
		s.Del0 = 1e-4
	}
	if s.EtaLimit == 0 {
		s.EtaLimit = 1e16
	}
	if s.MinEta == 0 {
		s.MinEta = 1e-8
		if s.EtaSearch == OldLineSearch {
			s.MinEta = 1e-4 // the submission era's min_eta (spec §15.3)
		}
	}
	if s.MaxEta == 0 {
		s.MaxEta = 1e16
	}
	if s.MaxIter == 0 {
		s.MaxIter = 50
	}
	if s.Tol == 0 {
		s.Tol = 0.1
	}
	return s
}

// Validate reports the first field outside its allowed range (after defaults).
func (s Settings) Validate() error {
	s = s.withDefaults()
	switch {
	case !(s.Del0 > 0) || math.IsInf(s.Del0, 0):
		return fmt.Errorf("trajopt: Settings.Del0 = %v, need a finite value > 0", s.Del0)
	case !(s.MinEta > 0) || !(s.MaxEta > s.MinEta) || math.IsInf(s.MaxEta, 0):
		return fmt.Errorf("trajopt: Settings.MinEta, MaxEta = %v, %v, need 0 < MinEta < MaxEta < ∞", s.MinEta, s.MaxEta)
	case !(s.EtaLimit > 0) || math.IsInf(s.EtaLimit, 0):
		return fmt.Errorf("trajopt: Settings.EtaLimit = %v, need a finite value > 0", s.EtaLimit)
	case s.MaxIter < 1:
		return fmt.Errorf("trajopt: Settings.MaxIter = %d, need ≥ 1", s.MaxIter)
	case !(s.Tol > 0 && s.Tol < 1):
		return fmt.Errorf("trajopt: Settings.Tol = %v, need 0 < Tol < 1", s.Tol)
	case s.EtaSearch != "" && s.EtaSearch != Bisection && s.EtaSearch != OldLineSearch:
		return fmt.Errorf("trajopt: Settings.EtaSearch = %q, need %q (default) or %q", s.EtaSearch, Bisection, OldLineSearch)
	case !(s.CovAdd >= 0) || math.IsInf(s.CovAdd, 0):
		return fmt.Errorf("trajopt: Settings.CovAdd = %v, need a finite value ≥ 0 (submission era 1e-6)", s.CovAdd)
	}
	return nil
}

// EtaIncrease records one restart of the backward pass with a larger η after
// Q_uu was not positive definite.
type EtaIncrease struct {
	From, To float64
	T        int // time step whose Q_uu failed
}

// NotPDError is returned when Q_uu is still not positive definite with η at its
// limit (the reference's "Failed to find PD solution even for very large eta").
type NotPDError struct {
	T         int     // time step of the last failure
	Eta       float64 // η of the last failed pass
	MinEig    float64 // smallest eigenvalue of the symmetrised Q_uu at T in that pass
	Pivot     int     // failing Cholesky pivot
	Increases int     // number of η increases tried
}

func (e *NotPDError) Error() string {
	return fmt.Sprintf("trajopt: Q_uu not positive definite at t=%d even at eta=%.3g after %d increases "+
		"(smallest eigenvalue %.6g, Cholesky pivot %d); check that dynamics and cost are well conditioned",
		e.T, e.Eta, e.Increases, e.MinEig, e.Pivot)
}

// NonFiniteResultError reports a NaN or Inf produced by the backward pass although
// every input was finite (e.g. overflow at extreme η).
type NonFiniteResultError struct {
	T   int
	Eta float64
}

func (e *NonFiniteResultError) Error() string {
	return fmt.Sprintf("trajopt: backward pass at eta=%.3g produced a non-finite controller at t=%d", e.Eta, e.T)
}

// Solver holds the preallocated workspace of the C-step for one problem size. A
// Solver is not safe for concurrent use; use one per condition (per goroutine).
type Solver struct {
	T, DX, DU int
	Settings  Settings
	// Rand is the stream OldLineSearch draws its coin flip from (one Float64 per
	// flip, heads when < ½, as the reference's np.random.rand() < 0.5). Search
	// needs it with Settings.EtaSearch = OldLineSearch and ignores it otherwise;
	// pass the run's seeded stream so that results are reproducible.
	Rand *rand.Rand

	coin    func() bool // tests: replaces Rand
	lg      *lingauss.Workspace
	g       []float64 // T×n×n: quadratic of −log Ref (spec §6.4 G_t)
	gv      []float64 // T×n
	h, hv   []float64 // the same for the BADMM policy linearisation (allocated on first use)
	q, qv   []float64 // n×n, n
	vf      []float64 // dX×n
	vxx, vx []float64 // dX×dX, dX
	w       []float64 // dX
	r, quu  []float64 // dU×dU
	incs    []EtaIncrease
	marg    *lingauss.Marginal
}

// NewSolver returns a Solver for horizon T, state dimension dX and action
// dimension dU. Zero fields of s take the reference's defaults.
func NewSolver(T, dX, dU int, s Settings) *Solver {
	if T <= 0 || dX <= 0 || dU <= 0 {
		panic(fmt.Sprintf("trajopt: bad size T=%d dX=%d dU=%d", T, dX, dU))
	}
	n := dX + dU
	return &Solver{
		T: T, DX: dX, DU: dU, Settings: s.withDefaults(),
		lg: lingauss.NewWorkspace(T, dX, dU),
		g:  make([]float64, T*n*n), gv: make([]float64, T*n),
		q: make([]float64, n*n), qv: make([]float64, n),
		vf:  make([]float64, dX*n),
		vxx: make([]float64, dX*dX), vx: make([]float64, dX),
		w: make([]float64, dX),
		r: make([]float64, dU*dU), quu: make([]float64, dU*dU),
		incs: make([]EtaIncrease, 0, 64),
		marg: lingauss.NewMarginal(T, dX, dU),
	}
}

func (s *Solver) checkSize(T, dX, dU int) {
	if s.T != T || s.DX != dX || s.DU != dU {
		panic(fmt.Sprintf("trajopt: solver for %d/%d/%d used with %d/%d/%d", s.T, s.DX, s.DU, T, dX, dU))
	}
}

// prepare computes the reference policy's negative log-likelihood quadratic G_t,
// g_t (and, for BADMM, the policy linearisation's H_t, h_t).
func (s *Solver) prepare(pr *Problem) {
	n := s.DX + s.DU
	for t := 0; t < s.T; t++ {
		s.lg.NLLQuadratic(s.g[t*n*n:(t+1)*n*n], s.gv[t*n:(t+1)*n], pr.Ref, t)
	}
	if pr.Kind == BADMM {
		if s.h == nil {
			s.h, s.hv = make([]float64, s.T*n*n), make([]float64, s.T*n)
		}
		for t := 0; t < s.T; t++ {
			s.lg.NLLQuadratic(s.h[t*n*n:(t+1)*n*n], s.hv[t*n:(t+1)*n], pr.Lin, t)
		}
	}
}

// augment writes the KL-augmented cost of step t at η into s.q, s.qv (spec §6.4).
func (s *Solver) augment(pr *Problem, t int, eta float64) {
	n := s.DX + s.DU
	C := pr.Cost.C[t*n*n : (t+1)*n*n]
	c := pr.Cost.Cv[t*n : (t+1)*n]
	G := s.g[t*n*n : (t+1)*n*n]
	g := s.gv[t*n : (t+1)*n]
	if pr.Kind == BADMM {
		s.augmentBADMM(pr, t, eta)
		return
	}
	den := eta + pr.MaxEnt
	if pr.Kind == AgainstPolicy {
		for i := range s.q {
			s.q[i] = (C[i] + G[i]*eta) / den
		}
		for i := range s.qv {
			s.qv[i] = (c[i] + g[i]*eta) / den
		}
		return
	}
	for i := range s.q {
		s.q[i] = C[i]/den + eta*G[i]/den
	}
	for i := range s.qv {
		s.qv[i] = c[i]/den + eta*g[i]/den
	}
}

// augmentBADMM is augment for Kind BADMM (spec §11.8).
func (s *Solver) augmentBADMM(pr *Problem, t int, eta float64) {
	dX, dU := s.DX, s.DU
	n := dX + dU
	C := pr.Cost.C[t*n*n : (t+1)*n*n]
	c := pr.Cost.Cv[t*n : (t+1)*n]
	G, g := s.g[t*n*n:(t+1)*n*n], s.gv[t*n:(t+1)*n]
	H, h := s.h[t*n*n:(t+1)*n*n], s.hv[t*n:(t+1)*n]
	w := pr.PolWt[t]
	lK := pr.LambdaK[t*dU*dX : (t+1)*dU*dX]
	lk := pr.Lambdak[t*dU : (t+1)*dU]
	den := eta + w + pr.MaxEnt
	copy(s.q, C)
	copy(s.qv, c)
	for i := 0; i < dU; i++ {
		s.qv[dX+i] -= lk[i]
		for j := 0; j < dX; j++ {
			s.q[(dX+i)*n+j] -= lK[i*dX+j]
			s.q[j*n+dX+i] -= lK[i*dX+j]
		}
	}
	for i := range s.q {
		s.q[i] = (s.q[i] + eta*G[i] + w*H[i]) / den
	}
	for i := range s.qv {
		s.qv[i] = (s.qv[i] + eta*g[i] + w*h[i]) / den
	}
}

// AugmentedCost writes the cost the backward pass optimises at η, C̃ and c̃ (spec
// §6.4), into dst (its Cc is left zero).
func (s *Solver) AugmentedCost(dst *lingauss.QuadCost, pr *Problem, eta float64) {
	s.checkSize(pr.Ref.T, pr.Ref.DX, pr.Ref.DU)
	s.prepare(pr)
	n := s.DX + s.DU
	for t := 0; t < s.T; t++ {
		s.augment(pr, t, eta)
		copy(dst.C[t*n*n:], s.q)
		copy(dst.Cv[t*n:], s.qv)
		dst.Cc[t] = 0
	}
}

// BackwardInfo describes one call of Backward.
type BackwardInfo struct {
	Eta       float64       // η of the successful pass (≥ the η asked for)
	Increases []EtaIncrease // η increases (a view of solver memory, valid until the next call)
}

// Backward runs the LQR backward pass on the KL-augmented cost at η (spec §6.5),
// writing the maximum-entropy controller p(u|x) ∝ exp(−Q̃(x,u)) into dst:
//
//	Q_t = sym(C̃_t + F_tᵀ V_{t+1} F_t),  q_t = c̃_t + F_tᵀ(v_{t+1} + V_{t+1} f_t),
//	P_t = Q_uu,  Σ_t = Q_uu⁻¹,  K_t = −Q_uu⁻¹Q_ux,  k_t = −Q_uu⁻¹q_u,
//	V_t = sym(Q_xx + Q_xu K_t),  v_t = q_x + Q_xu k_t.
//
// When some Q_uu is not positive definite the whole pass restarts at η₀ + δ with δ
// doubling from Del0 (the reference's rule, quirk Q31); past EtaLimit it returns a
// *NotPDError. Inputs are not checked here (see Problem.Check).
func (s *Solver) Backward(dst *lingauss.Policy, pr *Problem, eta float64) (BackwardInfo, error) {
	s.checkSize(pr.Ref.T, pr.Ref.DX, pr.Ref.DU)
	s.checkSize(dst.T, dst.DX, dst.DU)
	s.checkSize(pr.Dyn.T, pr.Dyn.DX, pr.Dyn.DU)
	s.prepare(pr)
	return s.backward(dst, pr, eta)
}

func (s *Solver) backward(dst *lingauss.Policy, pr *Problem, eta float64) (BackwardInfo, error) {
	T, dX, dU := s.T, s.DX, s.DU
	n := dX + dU
	eta0, del := eta, s.Settings.Del0
	s.incs = s.incs[:0]
	for {
		failT, piv := s.pass(dst, pr, eta)
		if failT < 0 {
			for t := 0; t < T; t++ {
				if lingauss.CheckFinite("", dst.K[t*dU*dX:(t+1)*dU*dX]) != nil || lingauss.CheckFinite("", dst.Bias[t*dU:(t+1)*dU]) != nil {
					return BackwardInfo{Eta: eta, Increases: s.incs}, &NonFiniteResultError{T: t, Eta: eta}
				}
			}
			return BackwardInfo{Eta: eta, Increases: s.incs}, nil
		}
		next := eta0 + del
		del *= 2
		s.incs = append(s.incs, EtaIncrease{From: eta, To: next, T: failT})
		if next >= s.Settings.EtaLimit {
			// Evidence: the smallest eigenvalue of the failing Q_uu (s.q still holds it).
			for i := 0; i < dU; i++ {
				copy(s.quu[i*dU:(i+1)*dU], s.q[(dX+i)*n+dX:(dX+i)*n+n])
			}
			var es mat.EigenSym
			minEig := math.NaN()
			if es.Factorize(mat.NewSymDense(dU, append([]float64(nil), s.quu...)), false) {
				minEig = es.Values(nil)[0]
			}
			return BackwardInfo{Eta: eta, Increases: s.incs}, &NotPDError{T: failT, Eta: eta, MinEig: minEig, Pivot: piv, Increases: len(s.incs)}
		}
		eta = next
	}
}

// pass runs one backward sweep at η. It returns the time step whose Q_uu was not
// positive definite (and the failing pivot), or −1.
func (s *Solver) pass(dst *lingauss.Policy, pr *Problem, eta float64) (int, int) {
	T, dX, dU := s.T, s.DX, s.DU
	n := dX + dU
	d := pr.Dyn
	Q := blas64.General{Rows: n, Cols: n, Stride: n, Data: s.q}
	V := blas64.General{Rows: dX, Cols: dX, Stride: dX, Data: s.vxx}
	VF := blas64.General{Rows: dX, Cols: n, Stride: n, Data: s.vf}
	for t := T - 1; t >= 0; t-- {
		s.augment(pr, t, eta)
		if t < T-1 {
			F := blas64.General{Rows: dX, Cols: n, Stride: n, Data: d.F[t*dX*n : (t+1)*dX*n]}
			// Q += sc·Fᵀ (V F);  q += sc·Fᵀ (v + V f); sc = 1 except for BADMM,
			// whose stages are in units of (w_t + η) (spec §6.5, §11.8).
			sc := 1.0
			if pr.Kind == BADMM {
				sc = (pr.PolWt[t+1] + eta) / (pr.PolWt[t] + eta)
			}
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, V, F, 0, VF)
			blas64.Gemm(blas.Trans, blas.NoTrans, sc, F, VF, 1, Q)
			copy(s.w, s.vx)
			blas64.Gemv(blas.NoTrans, 1, V, blas64.Vector{N: dX, Inc: 1, Data: d.Bias[t*dX : (t+1)*dX]}, 1, blas64.Vector{N: dX, Inc: 1, Data: s.w})
			blas64.Gemv(blas.Trans, sc, F, blas64.Vector{N: dX, Inc: 1, Data: s.w}, 1, blas64.Vector{N: n, Inc: 1, Data: s.qv})
		}
		dense.Symmetrize(s.q, n, n)
		for i := 0; i < dU; i++ {
			copy(s.quu[i*dU:(i+1)*dU], s.q[(dX+i)*n+dX:(dX+i)*n+n])
		}
		if piv, _, ok := dense.UpperChol(s.r, s.quu, dU); !ok {
			return t, piv
		}
		uu := dU * dU
		prec := dst.Prec[t*uu : (t+1)*uu]
		cov := dst.Cov[t*uu : (t+1)*uu]
		copy(prec, s.quu)
		dense.CholInverse(cov, s.r, dU)
		if piv, _, ok := dense.UpperChol(dst.Chol[t*uu:(t+1)*uu], cov, dU); !ok {
			return t, piv
		}
		if c := s.Settings.CovAdd; c > 0 {
			// Σ_t += c·I, then its Cholesky factor and P_t = Σ_t⁻¹ from it (spec §15.4).
			for i := 0; i < dU; i++ {
				cov[i*dU+i] += c
			}
			if piv, _, ok := dense.UpperChol(dst.Chol[t*uu:(t+1)*uu], cov, dU); !ok {
				return t, piv
			}
			dense.CholInverse(prec, dst.Chol[t*uu:(t+1)*uu], dU)
		}
		K := dst.K[t*dU*dX : (t+1)*dU*dX]
		k := dst.Bias[t*dU : (t+1)*dU]
		for i := 0; i < dU; i++ {
			copy(K[i*dX:(i+1)*dX], s.q[(dX+i)*n:(dX+i)*n+dX])
		}
		copy(k, s.qv[dX:])
		dense.CholSolve(s.r, K, dU, dX, -1)
		dense.CholSolve(s.r, k, dU, 1, -1)
		// V = sym(Q_xx + Q_xu K);  v = q_x + Q_xu k.
		for i := 0; i < dX; i++ {
			copy(s.vxx[i*dX:(i+1)*dX], s.q[i*n:i*n+dX])
		}
		Qxu := blas64.General{Rows: dX, Cols: dU, Stride: n, Data: s.q[dX:]}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, Qxu, blas64.General{Rows: dU, Cols: dX, Stride: dX, Data: K}, 1, V)
		copy(s.vx, s.qv[:dX])
		blas64.Gemv(blas.NoTrans, 1, Qxu, blas64.Vector{N: dU, Inc: 1, Data: k}, 1, blas64.Vector{N: dX, Inc: 1, Data: s.vx})
		dense.Symmetrize(s.vxx, dX, dX)
	}
	return -1, 0
}

// Forward computes the state-action marginals of p under the problem's dynamics
// into dst (lingauss.Workspace.Forward with this solver's workspace).
func (s *Solver) Forward(dst *lingauss.Marginal, p *lingauss.Policy, d *lingauss.Dynamics) {
	s.lg.Forward(dst, p, d)
}

// KL returns Σ_t KL_t(p ‖ ref) under the marginals m (the reference's
// traj_distr_kl, spec §6.6), per step into perT (may be nil).
func (s *Solver) KL(perT []float64, m *lingauss.Marginal, p, ref *lingauss.Policy) float64 {
	return s.lg.KL(perT, m, p, ref)
}
