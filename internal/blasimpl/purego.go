//go:build !openblas

package blasimpl

// Name names the BLAS implementation in use.
const Name = "gonum"
