// Package cost implements the cost terms of guided policy search with analytic
// first and second derivatives, their weighted sums, and the quadratic expansion
// of sample costs that the C-step optimises (Montgomery & Levine, NIPS 2016, §3;
// the reference's algorithm/cost/*.py as distilled in mdgps-spec.md §3).
//
// The package works on plain row-major arrays (Input, Derivs) and imports nothing
// else of this module, so that the task package envs can depend on it.
package cost
