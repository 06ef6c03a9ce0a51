package main

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/envs/obstacle"
	"github.com/mirrorgps/mirrorgps/mdgps"
	"github.com/mirrorgps/mirrorgps/viz"
)

func init() {
	register("obstacle-paths", figure{file: "obstacle-paths.svg",
		what: "obstacle task: the global policy's noiseless paths after 12 MDGPS iterations (paper settings, seed 0)",
		make: obstaclePaths})
}

// obstaclePaths runs notebook 01's run (the paper's obstacle settings, 12
// iterations, seed 0) and draws the global policy's noiseless paths.
func obstaclePaths() (viz.Figure, error) {
	env := obstacle.New()
	cfg := mdgps.PaperObstacle()
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
