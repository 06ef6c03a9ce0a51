// Package envs defines what a task is for guided policy search: the Env
// interface (an immutable task description that creates per-goroutine
// simulators), the Sample type (states, actions, observations and end-effector
// data of one rollout), the Policy interface shared by linear-Gaussian
// controllers and the global policy, the rollout loop of spec §2.2 (the last
// action is recorded and costed but never executed, quirk Q24) and the smoothed
// exploration noise of spec §2.3.
//
// The tasks live in sub-packages: obstacle (2-D point mass among obstacles,
// tasks.md §2), peg (7-DoF arm peg insertion and its blind variant, tasks.md §3,
// on MuJoCo) and linear (linear dynamics with a quadratic cost, the setting in
// which MDGPS is exact mirror descent, paper §3).
//
// Randomness: the noise of every rollout comes from its own math/rand/v2 PCG
// stream keyed by (seed, iteration, condition, sample), so parallel rollouts
// give bit-identical results whatever the goroutine scheduling.
package envs
