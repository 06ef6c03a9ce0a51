package blasimpl

import (
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestSwitch checks that the build tag selects the implementation blas64 uses.
func TestSwitch(t *testing.T) {
	_, pure := blas64.Implementation().(gonum.Implementation)
	if pure != (Name == "gonum") {
		t.Fatalf("Name = %q but blas64 uses %T", Name, blas64.Implementation())
	}
	// A small dgemm gives the same answer either way.
	a := blas64.General{Rows: 2, Cols: 2, Stride: 2, Data: []float64{1, 2, 3, 4}}
	c := blas64.General{Rows: 2, Cols: 2, Stride: 2, Data: make([]float64, 4)}
	blas64.Gemm('N', 'N', 1, a, a, 0, c)
	want := []float64{7, 10, 15, 22}
	for i := range want {
		if c.Data[i] != want[i] {
			t.Fatalf("Gemm = %v, want %v", c.Data, want)
		}
	}
}
