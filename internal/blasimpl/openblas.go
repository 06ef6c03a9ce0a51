//go:build openblas

package blasimpl

/*
#cgo LDFLAGS: -lopenblas
void openblas_set_num_threads(int num_threads);
*/
import "C"

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// Name names the BLAS implementation in use.
const Name = "openblas"

func init() {
	C.openblas_set_num_threads(1)
	blas64.Use(netlib.Implementation{})
}
