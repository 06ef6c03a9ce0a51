package obstacle

// ControlLimits returns the actuator range ±ForceLimit per axis (envs.ControlLimiter).
func (e *Env) ControlLimits() (lo, hi []float64) {
	return []float64{-ForceLimit, -ForceLimit}, []float64{ForceLimit, ForceLimit}
}
