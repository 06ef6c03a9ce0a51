package lingauss

// Predict writes the dynamics' mean prediction of the next state into out:
//
//	out = F_t [x; u] + f_t   (spec §1.2; the noise w_t has mean zero).
//
// It panics if t is out of range or the lengths do not match DX, DU and DX.
func (d *Dynamics) Predict(t int, x, u, out []float64) {
	dX, dU := d.DX, d.DU
	if t < 0 || t >= d.T {
		panic("lingauss: Predict time step out of range")
	}
	if len(x) != dX || len(u) != dU || len(out) != dX {
		panic("lingauss: Predict dimension mismatch")
	}
	n := dX + dU
	F := d.F[t*dX*n : (t+1)*dX*n]
	for r := 0; r < dX; r++ {
		s := d.Bias[t*dX+r]
		row := F[r*n : (r+1)*n]
		for c, v := range x {
			s += row[c] * v
		}
		for c, v := range u {
			s += row[dX+c] * v
		}
		out[r] = s
	}
}
