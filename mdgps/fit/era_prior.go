package fit

// dynamicsLimits returns how many trajectories the dynamics prior keeps and the
// config whose clusters() caps K: MaxSamples−1 and MaxClusters (quirk Q2, the
// default), or with SwapLimits the submission's swapped roles (spec §15.4, quirk
// Q3): MaxClusters−1 trajectories, K capped at MaxSamples.
func (c PriorConfig) dynamicsLimits() (keep int, kc PriorConfig) {
	if !c.SwapLimits {
		return c.MaxSamples - 1, c
	}
	kc = c
	kc.MaxClusters = c.MaxSamples
	return c.MaxClusters - 1, kc
}

// keep is PolicyPrior.Update's KeepSamples buffer rule (spec §15.4): append the N
// new trajectories, then keep the last MaxSamples−1 (also on the first update and
// on an empty one, as the reference trims every time).
func (p *PolicyPrior) keep(X, obs []float64, N int) {
	T, dX, dO := p.T, p.DX, p.DO
	p.X = append(p.X, X...)
	p.Obs = append(p.Obs, obs...)
	p.NBuf += N
	if keep := p.Config.MaxSamples - 1; p.NBuf > keep {
		drop := p.NBuf - keep
		p.X = append([]float64(nil), p.X[drop*T*dX:]...)
		p.Obs = append([]float64(nil), p.Obs[drop*T*dO:]...)
		p.NBuf = keep
	}
}
