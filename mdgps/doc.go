// Package mdgps is the steppable MDGPS driver: Mirror Descent Guided Policy Search
// (Montgomery & Levine, "Guided Policy Search via Approximate Mirror Descent",
// NIPS 2016, Algorithm 3) as the reference implementation cbfinn/gps runs it
// (shared/reference/mdgps-spec.md §7, §12, §13, §15), with every quantity the
// paper reasons about available as a value.
//
// # One iteration
//
// A Run holds M local controllers p_i(u|x) = N(K_t x + k_t, Σ_t), one per
// condition (initial state), and a global policy π_θ(u|o). Iteration k runs these
// phases, one method each (Step runs them all):
//
//  1. Sample: N rollouts per condition from p_i (off-policy) or π_θ (on-policy),
//     with smoothed exploration noise from seeded streams.
//
//  2. FitDynamics: p_i(x'|x,u) = N(F_t[x;u] + f_t, Σ^dyn_t) by regression under a
//     GMM normal-inverse-Wishart prior (package fit); the cost is expanded to
//     ℓ_t(y) ≈ cc_t + c_tᵀy + ½yᵀC_t y around the samples.
//
//  3. Imitate (k = 1 only): an S-step on the initial controllers.
//
//  4. FitPolicy: the global policy linearised around the samples,
//     π̄_i(u|x) = N(K̄_t x + k̄_t, S̄_t).
//
//  5. AdjustStep (k > 1): the step rule updates each multiplier (paper §4.2):
//     with the costs ℓ of the quadratic model under the fitted dynamics,
//
//     classic: ε' = ε (ℓ^{k}_{k−1} − ℓ^{k−1,π}_{k−1}) / 2(ℓ^{k}_{k−1} − ℓ^{k}_{k}),
//     global:  ε' = ε (ℓ^{k}_{k−1} − ℓ^{k−1,π}_{k−1}) / 2(ℓ^{k}_{k−1} − ℓ^{k,π}_{k}),
//
//     clipped to [MinMult, MaxMult]·KLStep (NewMult; fixed keeps ε).
//
//  6. CStep: p_i ← argmin_p E_p[Σ_t ℓ_t] s.t. Σ_t E[KL(p(·|x_t) ‖ π̄_i(·|x_t))] ≤ ε·T,
//     by the dual search on η (package trajopt).
//
//  7. SStep: θ ← argmin_θ Σ_{i,t,j} KL(π_θ(u|o_{t,i,j}) ‖ p_i(u|x_{t,i,j})), a
//     precision-weighted regression (package nn).
//
//  8. Finish: one noiseless and EvalSamples noisy rollouts of π_θ per condition,
//     the Iteration record, and the move to iteration k+1.
//
// Phase says which phase comes next; calling another is a *PhaseError naming the
// expected one.
//
// # Diagnostics
//
// The Iteration record holds, per condition, the realised KL(p_i ‖ π̄_i) per time
// step and its budget ε, η and whether its search converged, the predicted and
// actual improvements of the step rule, the sample-based KL(π_θ ‖ p_i) the S-step
// minimises, the global policy's cost (noiseless and Monte Carlo), the task
// metric, and the paper's Lemma 2 bound on the global policy's expected cost,
//
//	Σ_t E_{π_θ}[ℓ_t] ≤ Σ_t E_{p_i}[ℓ_t] + √(2ε_t)·ℓmax_t + 2√(2ε_t)·Q_t,
//
// with our estimators (shared/reference/paper-notes.md): ε_t the largest
// KL(p_i(u|x) ‖ π_θ(u|x)) over the sampled x_t, ℓmax_t the largest sampled cost at
// t, Q_t = Σ_{t'≥t} ℓmax_{t'}, and E_p[ℓ_t] from the fitted model. It is an
// empirical bound: the true maxima are unbounded for quadratic costs.
//
// # Checkpoints
//
// GoNB runs every notebook cell as a fresh program, so a Run's whole state
// (controllers, priors with their sample buffers, the network with its Adam
// moments, multipliers, η, samples and fits of the current iteration, history) is
// one gob-encoded struct, written atomically (temporary file + rename) after every
// phase. Open resumes it; the resumed run is bit-identical to an uninterrupted one
// (same binary). A corrupt or other-version file is a *CheckpointError and is
// left untouched.
//
// # Failures
//
// A numerical failure in one condition's C-step (η at its limit, NaN) is recorded
// with its evidence in Cond.Error and the condition keeps its previous
// controller; a dual search that merely does not converge is recorded
// (Cond.Converged) and its result used.
//
// # Variants and what is missing
//
// Config selects off- or on-policy sampling, the step rule (classic, global,
// fixed, and the later reference's laplace and mc), per-condition or shared
// multipliers, the neural or the linear policy class (the convex case in which
// MDGPS is exact mirror descent, paper §3), and the trajectory-only baseline
// (Algorithm TrajOpt), and the BADMM baseline (Algorithm BADMM, spec §11): its
// C-step is constrained to the previous controller and pulled toward the
// linearised global policy by per-step weights and Lagrange multipliers, with
// its four inner C/S rounds run inside the CStep phase (no separate Imitate or
// SStep phases).
package mdgps
