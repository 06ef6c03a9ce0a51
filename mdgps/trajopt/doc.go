// Package trajopt is the C-step of MDGPS: the KL-constrained LQR update of a local
// linear-Gaussian controller (Montgomery & Levine, NIPS 2016, Algorithm 3 line 4
// and §3.1; the reference's TrajOptLQRPython, shared/reference/mdgps-spec.md
// §6.4–6.7).
//
// # The problem
//
// For one condition, given fitted dynamics, a local quadratic cost and a reference
// policy π̄ (the linearised global policy in MDGPS, the previous controller in the
// trajectory-only baseline), find
//
//	p* = argmin_p E_p[Σ_t ℓ(x_t, u_t)]   subject to   Σ_t E_p[KL(p(·|x_t) ‖ π̄(·|x_t))] ≤ ε.
//
// Its Lagrangian with multiplier η, divided by η + ν (ν: an optional maximum-entropy
// weight), is a maximum-entropy LQR problem with the augmented cost
//
//	ℓ̃_t(y) = (ℓ_t(y) − η log π̄(u|x)) / (η + ν),   −log π̄ = ½yᵀG_t y + g_tᵀy + const,
//
// whose solution p(u|x) ∝ exp(−Q̃_t(x,u)) comes from one backward pass
// (Solver.Backward): K_t = −Q_uu⁻¹Q_ux, k_t = −Q_uu⁻¹q_u, Σ_t = Q_uu⁻¹. The dual
// search (Solver.Search) then finds η by bisection in log space until the realised
// KL is within 10% of ε = kl_step · step_mult · T.
//
// Kind selects the reference policy's role: AgainstPolicy (MDGPS),
// AgainstPrevious (the trajectory-only baseline) or BADMM, whose cost adds the
// policy linearisation with per-step weights w_t and Lagrange multipliers λ and
// whose backward pass rescales each stage by (w_{t+1}+η)/(w_t+η) (spec §11.8).
//
// # Failure handling
//
// When some Q_uu is not positive definite, the reference restarts the pass at
// η₀ + δ with δ doubling from 1e-4 (quirk Q31, replicated); once η reaches 1e16 the
// pass fails with a *NotPDError carrying the time step, η, the smallest eigenvalue
// of Q_uu and the failing pivot. Inputs with NaN or Inf are rejected before any
// work with a *lingauss.NonFiniteError naming the array and index. A search that
// does not converge in 50 iterations is a result (Converged = false), not an error;
// it returns, as the reference does, the next untried η (quirk Q14) and says which
// η produced the controller (UsedEta).
//
// # The submission era
//
// Two options reproduce the code behind the paper's figures (spec §15): Settings.EtaSearch
// = OldLineSearch runs the old bracketing line search on η (§15.3; min_eta 1e-4,
// a coin flip drawn from Solver.Rand, four extra stopping rules reported in
// Result.Stop), and Settings.CovAdd = 1e-6 adds 1e-6·I to every controller
// covariance inside the backward pass (§15.4, the "old" step rule). Both default
// to today's behaviour.
//
// There is no compatibility switch in this package: every reference quirk the C-step
// carries (Q14, Q26, Q30, Q31) is replicated by default, as ARCHITECTURE.md
// "Decisions" prescribes, and the golden tests run the default path.
//
// # Performance
//
// A Solver preallocates everything; one backward plus forward pass allocates
// nothing. The dense kernels go through gonum's blas64, so the opt-in OpenBLAS
// build (-tags openblas, internal/blasimpl) speeds up the arm-size pass about
// 2.7×; 7×7 Cholesky work stays in plain Go.
package trajopt
