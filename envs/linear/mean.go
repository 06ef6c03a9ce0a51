package linear

// MeanOptimalCost returns the Riccati optimum x_0ᵀV_0x_0 averaged over the
// task's conditions: the lowest mean cost any policy reaches, the target a
// global policy's mean cost (mdgps.Iteration.CostGlobalMean) converges to.
func (e *Env) MeanOptimalCost() float64 {
	_, v0 := e.Optimal()
	sum := 0.0
	for _, x0 := range e.x0 {
		for i := range x0 {
			for j := range x0 {
				sum += x0[i] * v0.At(i, j) * x0[j]
			}
		}
	}
	return sum / float64(len(e.x0))
}
