package peg

// TorqueLimit is the arm's actuator range (arm.xml: every motor has gear 1 and
// ctrlrange −100 … 100, ctrllimited, so MuJoCo clamps the commanded torque).
const TorqueLimit = 100.0

// ControlLimits returns ±TorqueLimit for each of the seven joints
// (envs.ControlLimiter).
func (e *Env) ControlLimits() (lo, hi []float64) {
	lo, hi = make([]float64, 7), make([]float64, 7)
	for i := range lo {
		lo[i], hi[i] = -TorqueLimit, TorqueLimit
	}
	return lo, hi
}
