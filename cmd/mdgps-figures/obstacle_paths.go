package main

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/envs/obstacle"
	"github.com/mirrorgps/mirrorgps/mdgps"
	"github.com/mirrorgps/mirrorgps/viz"
)

func init() {
	register("obstacle-paths", figure{file: "obstacle-paths.svg",
		what: "obstacle task: the global policy's noiseless paths after 12 MDGPS iterations (notebook 01's run: paper settings, submission era, off-policy, global step, seed 0)",
		make: obstaclePaths})
}

// obstaclePaths runs notebook 01's run (the paper's obstacle settings in the
// submission era, off-policy samples, the global step rule, 12 iterations,
// seed 0) and draws the global policy's noiseless paths.
func obstaclePaths() (viz.Figure, error) {
	env := obstacle.New()
	cfg := mdgps.PaperObstacle()
	mdgps.Variant{Algorithm: mdgps.MDGPS, Sampling: mdgps.OffPolicy, Step: mdgps.GlobalStep, Era: mdgps.SubmissionEra}.Apply(&cfg)
	cfg.Iterations = 12
	run, err := mdgps.New(env, cfg)
	if err != nil {
		return nil, err
	}
	if err := run.Run(nil); err != nil {
		return nil, err
	}
	paths, err := viz.NoiselessRollouts(env, run.Global())
	if err != nil {
		return nil, err
	}
	return viz.SamplePaths(fmt.Sprintf("Global policy after %d iterations (noiseless)", run.Iteration()), env, paths), nil
}
