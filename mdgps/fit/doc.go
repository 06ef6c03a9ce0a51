// Package fit estimates the local models MDGPS needs from a handful of rollouts:
// Gaussian mixtures by EM, time-varying linear-Gaussian dynamics under a GMM-based
// normal-inverse-Wishart prior, and the linearisation of the global policy
// (spec §4 and §5 of shared/reference/mdgps-spec.md; paper §3.1).
package fit
