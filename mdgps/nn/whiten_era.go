package nn

import (
	"fmt"
	"math"
)

// WhiteningError reports an input column whose whitening scale 1/std is not
// finite under Config.WhitenNoFloor (spec §15.4): the column is constant over
// the first S-step's rows (or its std underflows). The submission code divided
// by it anyway: its scale became +Inf, the whitened column o·Inf − mean(o·Inf)
// NaN (Inf − Inf, or 0·Inf for o = 0), and the network trained on NaN.
type WhiteningError struct {
	Column int
	Std    float64 // population std of the column over all rows
	Value  float64 // its first value
}

func (e *WhiteningError) Error() string {
	return fmt.Sprintf("nn: input column %d has std %g (first value %g): whitening without the 1e-3 floor (Config.WhitenNoFloor, the submission era) "+
		"would scale it by 1/std = %v and the reference trained on NaN inputs", e.Column, e.Std, e.Value, 1/e.Std)
}

// checkWhitening returns a *WhiteningError for the first column of obs (R×dO)
// whose 1/std is not finite; it computes std as computeWhitening does.
func checkWhitening(obs []float64, R, dO int) error {
	for j := 0; j < dO; j++ {
		mean := 0.0
		for r := 0; r < R; r++ {
			mean += obs[r*dO+j]
		}
		mean /= float64(R)
		v := 0.0
		for r := 0; r < R; r++ {
			e := obs[r*dO+j] - mean
			v += e * e
		}
		std := math.Sqrt(v / float64(R))
		if math.IsInf(1/std, 0) {
			return &WhiteningError{Column: j, Std: std, Value: obs[j]}
		}
	}
	return nil
}
