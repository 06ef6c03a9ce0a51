//go:build cgo && !nomujoco

package peg_test

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/peg"
)

// still applies no torque; without gravity the arm stays where it starts.
type still struct{}

func (still) Act(t int, x, obs, noise, u []float64) { clear(u) }

func Example() {
	e, err := peg.New() // fails with installation advice when MuJoCo is missing
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	fmt.Printf("%s: %d conditions, T = %d, dt = %g s, dims %+v\n", e.Name(), e.Conditions(), e.T(), e.Dt(), e.Dims())
	off, _ := e.Offset(4)
	x0, _ := e.X0(4)
	fmt.Printf("condition 4: base offset %v, peg bottom at (%.4f, %.4f, %.4f)\n", off, x0[14], x0[15], x0[16])

	sim, err := e.NewSim()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sim.Close()
	s := envs.NewSample(e)
	if err := envs.Rollout(sim, still{}, 4, nil, s); err != nil {
		fmt.Println(err)
		return
	}
	m := e.Evaluate(s)
	fmt.Printf("final peg-bottom z = %.4f (success iff < %g): %v\n", m.Value, peg.SuccessZ, m.Success)

	blind, _ := peg.NewBlind()
	fmt.Printf("%s: %d conditions, the policy observes %d of %d state dimensions\n",
		blind.Name(), blind.Conditions(), blind.Dims().O, blind.Dims().X)
	// Output:
	// peg: 9 conditions, T = 100, dt = 0.05 s, dims {X:26 U:7 O:26 P:6}
	// condition 4: base offset [0 0], peg bottom at (0.3696, 0.3782, -0.1280)
	// final peg-bottom z = -0.1280 (success iff < -0.44): false
	// blindpeg: 4 conditions, the policy observes 14 of 26 state dimensions
}
