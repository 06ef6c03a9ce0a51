// Package peg provides the peg-insertion tasks of Montgomery & Levine (NIPS 2016,
// §6): a 7-DoF arm holding a peg must insert it into a tight square hole.
// Conditions move the arm's base, not the hole (tasks.md §3.3):
//
//   - "peg" (New): 9 base offsets on the grid {−0.1, 0, 0.1}² (x outer, y inner);
//     the global policy sees the whole 26-dimensional state.
//   - "blindpeg" (NewBlind): 4 offsets (±0.012, ±0.012); the global policy sees only
//     the 14 joint dimensions (q, q̇), so it cannot tell where the hole is.
//
// The simulator is MuJoCo 2.2.2 through the thin cgo layer envs/internal/mujoco, on
// our own MJCF model (arm.xml, embedded) written from the numbers of
// shared/reference/tasks.md §3.1–3.2. Settings (tasks.md §1, §3.4; configs.md §2.2–2.3):
//
//	T = 100 control steps of dt = 0.05 s, each 5 physics substeps of 0.01 s
//	(semi-implicit Euler with implicit joint damping), gravity 0, frictionless
//	contact between the peg and the hole only;
//	x = [q (7), q̇ (7), p (6), ṗ (6)], p = (peg bottom, peg top) site positions,
//	ṗ_t = (p_t − p_{t−1})/dt with ṗ_0 = 0;
//	u = 7 joint torques, clipped by MuJoCo to ±100 N·m (samples keep the
//	unclipped action, spec quirk Q24);
//	x_0 = [q₀, 0, p(q₀), 0] with q₀ = (0.1, 0.1, −1.54, −1.7, 1.54, −0.2, 0).
//
// Cost (configs.md §2.2, spec §3.4 and §3.6), with d_t = p_t − p* for the target
// p* = (0, 0.3, −0.5, 0, 0.3, −0.2) (the peg standing on the hole bottom) and
// W = diag(2, 2, 1, 2, 2, 1):
//
//	ℓ_t = ½ Σ_j wu_j u_j² + 5 d_tᵀW d_t + 0.05 log(1e-5 + ‖W d_t‖²)
//	      + [t = T−1] · 0.5 log(1e-5 + 100 ‖W d_t‖²) + [t < T−1] · 0.5 log(1e-5),
//
// with wu = 1e-3/PR2_GAINS. The last constant comes from the final-only term, whose
// weights vanish before T−1 but whose log(α + 0) does not, exactly as in the
// reference (configs.md's written-out formula omits it; it does not change any
// derivative).
//
// built from mdgps/cost terms (Action + FK + final-only FK). The FK derivatives go
// through the site Jacobians ∂p/∂q (Gauss–Newton, the second-order term dropped);
// by default the log term's Hessian is exact, Config.Compat gives the reference's
// (spec quirk Q9).
//
// Metric (tasks.md §3.5): the final (t = T−1) height z of the peg bottom; success
// iff z < −0.44, i.e. the peg is at least 4 cm inside the 10 cm-deep hole.
//
// Deliberate differences from the reference (tasks.md §1): end-effector points and
// Jacobians are those of the current state (the reference's were one substep stale,
// up to about 1 cm at 1 m/s); the MuJoCo state is reset before every rollout (the
// reference kept the solver's warm start across rollouts).
//
// The initial state is deterministic (the reference's x0var = 0; its x0var code is
// broken anyway, spec quirk Q29): all randomness comes from the action noise.
// ExampleConfig gives the reference's smaller HEAD example (4 offsets of ±0.08,
// spec quirk Q27: the HEAD offsets) as a smoke test; it is not a paper task.
//
// Without MuJoCo (CGO_ENABLED=0 or -tags nomujoco) the package still builds, and the
// constructors return an error saying how to install it.
package peg
