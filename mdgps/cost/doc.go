// Package cost implements the cost terms of guided policy search with analytic
// first and second derivatives, their weighted sums, and the quadratic expansion
// of sample costs that the C-step optimises (Montgomery & Levine, NIPS 2016, §3
// and Algorithm 3; the reference's algorithm/cost/*.py and
// Algorithm._eval_cost, as distilled in shared/reference/mdgps-spec.md §3).
//
// # Data
//
// The package works on plain row-major arrays and imports nothing else of this
// module, so that the task package envs can depend on it. An Input is one
// sample: states X (T×DX), actions U (T×DU) and, for end-effector terms, the
// points P (T×DP) and their Jacobians J = ∂p/∂x (T×DP×DX). Derivs holds the
// six arrays every reference cost returns: ℓ_t, ℓx, ℓu, ℓxx, ℓuu, ℓux at the
// sample's own (x_t, u_t).
//
// # Terms
//
//   - Action (CostAction, §3.4): ½ Σ wu_j u_j².
//   - State (CostState, §3.5): a Norm of x_block − target, identity Jacobian.
//   - FK (CostFK, §3.6): a Norm of p_t − target through J_t (Gauss–Newton).
//   - Quadratic: xᵀQx + uᵀRu, for the linear task.
//   - Sum (CostSum, §3.7): weighted sums of terms.
//
// Norm offers the reference's two penalties on a weighted distance (§3.2–3.3):
// L1L2, ½ l2 Σ w d² + l1 √(α + Σ (w d)²), and LogL2, ½ l2 Σ w d² +
// ½ l1 log(α + Σ (w d)²). Ramp multipliers (§3.1) scale the weights over time,
// with a final-step multiplier. Terms accumulate (Term.AddTo), so sums need
// no scratch space; Eval overwrites.
//
// # Quadratic model
//
// Expand turns the derivatives of N samples into the local model
// ℓ_t(y) ≈ Cc_t + Cv_tᵀ y + ½ yᵀ C_t y in absolute coordinates y = [x; u]: the
// mean over samples of each sample's second-order Taylor expansion (§3.8). Its
// arrays have lingauss.QuadCost's layout.
//
// # Agreement with the reference; quirk Q9
//
// The golden test reproduces the reference's eval_cost.json (per-sample costs
// and the averaged expansion) to 3e-13 normwise (required: 1e-9). All
// Hessians are exact, including the LogL2 one; Norm.Compat reproduces the
// reference's LogL2 Hessian, whose outer-product term lacks a factor 2 (quirk
// Q9). This is the package's only compatibility option; the golden file has no
// LogL2 term, so both settings are tested against it, and the difference is
// tested on its own. Every derivative is checked against finite differences.
package cost
