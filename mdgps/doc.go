// Package mdgps is the MDGPS driver (Montgomery & Levine, NIPS 2016, Algorithm 3;
// shared/reference/mdgps-spec.md §7): step-size rules, and (as it grows) the
// steppable run with its phases, diagnostics and checkpoints.
package mdgps
