// Package lingauss holds time-varying linear-Gaussian policies and dynamics and the
// closed-form computations on them that MDGPS needs: the objects of the C-step of
// Montgomery & Levine, "Guided Policy Search via Approximate Mirror Descent" (NIPS
// 2016, §3 and Algorithm 3), as the reference implementation cbfinn/gps computes
// them (shared/reference/mdgps-spec.md §1, §6.2, §6.3, §6.6, §8.1).
//
// # Objects
//
// A local controller (Policy) is p(u_t|x_t) = N(K_t x_t + k_t, Σ_t), stored with the
// upper Cholesky factor R_t (Σ_t = R_tᵀR_t, the reference's convention) and the
// precision P_t = Σ_t⁻¹. Fitted dynamics (Dynamics) are
// p(x_{t+1}|x_t,u_t) = N(F_t[x_t;u_t] + f_t, Σ^dyn_t) with x_0 ~ N(x̄_0, Σ_0). A
// local cost model (QuadCost) is ℓ_t(y) ≈ cc_t + c_tᵀy + ½yᵀC_t y with y = [x;u].
// Arrays are flat, row-major, time first, so that they serialise with encoding/gob
// and cost nothing to slice per time step.
//
// # Computations
//
//   - Forward: the state-action marginals N(μ_t, S_t) of a policy under dynamics (§6.2).
//   - KL and KLAlt: the expected trajectory KL Σ_t E[KL(p_new(·|x_t) ‖ p_prev(·|x_t))]
//     in the reference's two forms (§6.6), each step clamped at 0 (quirk Q26).
//   - ExpectedCost: E[Σ_t ℓ_t] under the quadratic model (§6.3, "estimate_cost").
//   - InitLQR: the reference's initial controller (§8.1).
//
// A Workspace holds the scratch memory of these calls; use one per goroutine to
// run them without allocating. The package functions of the same names allocate a
// workspace for one call.
//
// # Agreement with the reference
//
// The golden tests (testdata/golden and $MDGPS_GOLDEN_DIR) reproduce init_lqr to
// 1e-11 and the forward pass and both KL forms to 1e-9 normwise, the tolerances of
// shared/golden/README.md. The forward pass keeps the reference's order of
// operations (S_xu = S_xx Kᵀ and S_ux = K S_xx computed separately): at arm size
// the closed loop amplifies rounding by ~1e7 over 100 steps, and a symmetric
// shortcut alone moved S_99 by 1e-9.
package lingauss
