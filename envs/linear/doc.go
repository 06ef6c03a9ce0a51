// Package linear is the linear-quadratic task (name "linear"): deterministic
// linear dynamics x_{t+1} = A x_t + B u_t with the cost xᵀQx + uᵀRu per step.
// It is the setting in which the MDGPS C-step and S-step are exact — the
// dynamics fit recovers (A, B), the local cost model is the cost itself, and a
// linear policy class contains the optimum — so MDGPS is exact mirror descent
// (Montgomery & Levine, NIPS 2016, §3). The task exposes A, B, Q, R, the initial
// states and T so that the Riccati optimum can be computed independently
// (Optimal computes it too).
//
// States use the [positions; velocities] layout that init_lqr assumes (spec
// §8.1). DoubleIntegrator is the 2-D double integrator whose dynamics equal
// init_lqr's guess; Perturbed adds a seeded random stable perturbation so that
// the guess is wrong. Neither is from the paper; their settings are documented
// on their Spec functions. As in every task, the last action is costed but not
// executed (spec §2.2, quirk Q24), which Optimal accounts for.
package linear
