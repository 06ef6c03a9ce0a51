// Package nn is the global policy of MDGPS and its S-step (paper §3, Algorithm 3
// step 5; spec §7.4 and §10): a small fully connected network with a Gaussian
// output, trained by precision-weighted regression onto the local controllers, and
// a time-varying linear-Gaussian policy class whose S-step is the exact projection.
//
// # The S-step loss and the KL
//
// The S-step minimises the flipped KL of paper §3 over the sampled observations,
//
//	min_θ Σ_{i,t,j} KL(π_θ(u|o_{t,i,j}) ‖ p_i(u|x_{t,i,j})),
//
// with π_θ(u|o) = N(f_θ(o), Σ^π) and p_i(u|x) = N(μ, P⁻¹), μ = K_t x + k_t,
// P = Σ_t⁻¹. For two Gaussians in dU dimensions
//
//	KL(π ‖ p) = ½ (μ − f_θ(o))ᵀ P (μ − f_θ(o))
//	          + ½ [tr(P Σ^π) − log det Σ^π − log det P − dU],
//
// so the mean and the covariance separate. The mean part is the precision-weighted
// regression the trainer runs by minibatch Adam (spec §10.5),
//
//	J(θ) = (1/2B) Σ_{r∈batch} w̃_r (μ_r − f_θ(o'_r))ᵀ P_r (μ_r − f_θ(o'_r)) + ½λ‖θ‖²,
//
// with normalised weights w̃ (spec §10.3), whitened inputs o' (spec §10.4) and
// weight decay λ; the covariance part, for the state-independent diagonal
// Σ^π = diag(Var), is minimised in closed form (spec §10.6) by
//
//	Var_j = Σ_r w̃_r / Σ_r w̃_r (P_r)_jj.
//
// # Policy classes
//
// [MLP] is the network (paper §6: two hidden layers of 40 ReLU units) with
// analytic backpropagation, Adam (whose moments and step count carry over from one
// S-step to the next, as the reference's solver does), and gob-serialisable state
// from which training resumes bit for bit. [Linear] is the convex class of paper
// §3 in which MDGPS is exact mirror descent: a *lingauss.Policy on the observation,
// fitted per time step by generalised weighted least squares with the KL-optimal
// full covariance. Both satisfy [Global]: Act (the signature of
// lingauss.Policy.Act, so local and global policies share the rollout loop), Prob
// (means and covariances on many observations, for the linearisation of spec §5),
// and SStep on a [Dataset] of plain arrays. [KL] evaluates the per-row divergence
// the S-step minimises, for the driver's diagnostics.
//
// # Determinism and the reference's quirks
//
// Initial weights and minibatch orders come from math/rand/v2 PCG streams derived
// from Config.Seed and the S-step count, so the same seed gives bit-identical
// weights, also after a checkpoint. The trainer's matrix products go through
// blas64.Gemm (pure Go by default, OpenBLAS with -tags openblas; the two builds may
// differ in the last bits, each is deterministic); evaluation (Act, Prob) uses a
// hand-written loop whose result for a row does not depend on the batch it is
// evaluated in. By default the minibatch order
// is reshuffled every epoch and the covariance uses the weighted mean precision;
// Config.Compat restores the reference's single shuffle per call with the remainder
// never used (spec §16 Q20) and its unweighted precision sum (Q21). The two agree
// when all weights are equal, as in MDGPS.
package nn
