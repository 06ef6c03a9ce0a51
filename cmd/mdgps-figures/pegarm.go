package main

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/envs/peg"
	"github.com/mirrorgps/mirrorgps/mdgps"
	"github.com/mirrorgps/mirrorgps/viz"
)

func init() {
	register("peg-arm", figure{file: "peg-arm.svg",
		what: "blind peg insertion: the arm seen from the side along the global policy's noiseless rollout after 12 MDGPS iterations (paper settings, seed 0, condition 0)",
		make: pegArm})
}

// pegArm runs the blind peg task with the paper's settings for 12 iterations and
// draws the arm (peg.Env.Geometry: MuJoCo's forward kinematics along the global
// policy's noiseless rollout of condition 0) from the side: four snapshots, the
// peg bottom's path and the table cut through the hole.
func pegArm() (viz.Figure, error) {
	env, err := peg.NewBlind()
	if err != nil {
		return nil, err
	}
	cfg := mdgps.PaperBlindPeg()
	cfg.Iterations = 12
	run, err := mdgps.New(env, cfg)
	if err != nil {
		return nil, err
	}
	if err := run.Run(nil); err != nil {
		return nil, err
	}
	rollouts, err := viz.NoiselessRollouts(env, run.Global())
	if err != nil {
		return nil, err
	}
	const cond = 0
	g, err := env.Geometry(rollouts[cond])
	if err != nil {
		return nil, err
	}
	verdict := "inserted"
	if d := env.Distance(rollouts[cond]); d >= peg.SuccessZ-peg.HoleZ {
		verdict = fmt.Sprintf("not inserted (%.0f mm above the hole bottom)", 1000*d)
	}
	title := fmt.Sprintf("Blind peg, condition %d, global policy after %d iterations: %s", cond, run.Iteration(), verdict)
	return viz.ArmFigure(title, g, viz.SideView), nil
}
