// Package blasimpl is the opt-in switch from gonum's pure-Go BLAS to OpenBLAS
// (ARCHITECTURE.md "Performance notes", "Decisions").
//
// Importing it for side effects does nothing in a default build. Built with
// `-tags openblas` (which needs cgo and Debian's libopenblas-dev), its init calls
// blas64.Use(netlib.Implementation{}) and pins OpenBLAS to one thread, so that
// parallelism stays with our goroutines (one condition per goroutine).
//
// Programs (the CLI) and the tests and benchmarks of the numerical packages import
// it as
//
//	import _ "github.com/mirrorgps/mirrorgps/internal/blasimpl"
package blasimpl
