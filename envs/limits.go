package envs

// ControlLimiter is implemented by tasks whose actuators clip the commanded
// action (spec §2.2: samples record the unclipped action). The driver uses it
// for the saturation diagnostic (mdgps.Cond.Saturation).
type ControlLimiter interface {
	// ControlLimits returns the lower and upper limit of every action
	// component (length Dims().U each).
	ControlLimits() (lo, hi []float64)
}

// Saturation returns the fraction of action components of the samples
// outside [lo, hi] (0 for no samples or nil limits).
func Saturation(samples []*Sample, lo, hi []float64) float64 {
	if len(lo) == 0 || len(samples) == 0 {
		return 0
	}
	n, out := 0, 0
	dU := len(lo)
	for _, s := range samples {
		for i, u := range s.U {
			j := i % dU
			if u < lo[j] || u > hi[j] {
				out++
			}
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(out) / float64(n)
}
