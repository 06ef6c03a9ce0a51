//go:build cgo && !nomujoco

package mujoco_test

import (
	"fmt"

	"github.com/mirrorgps/mirrorgps/envs/internal/mujoco"
)

// A one-joint pendulum without gravity, driven by a constant torque: after one control
// step of 5 Euler substeps it has turned by about h²·τ/I·(1+2+3+4+5) ≈ 0.026 rad
// (I ≈ 0.057 kg·m² about the hinge), and the tip site moved with it.
func Example() {
	m, err := mujoco.LoadXML(`<mujoco>
  <option timestep="0.01" gravity="0 0 0"/>
  <worldbody>
    <body name="arm">
      <joint name="hinge" type="hinge" axis="0 0 1" damping="0.1"/>
      <geom type="capsule" fromto="0 0 0 0.5 0 0" size="0.02"/>
      <site name="tip" pos="0.5 0 0"/>
    </body>
  </worldbody>
  <actuator><motor joint="hinge" ctrllimited="true" ctrlrange="-1 1"/></actuator>
</mujoco>`)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	d, err := mujoco.NewData(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	if err := d.Reset([]float64{0}, nil); err != nil {
		fmt.Println(err)
		return
	}
	if err := d.Step([]float64{5}, 5); err != nil { // clipped to 1 N·m
		fmt.Println(err)
		return
	}
	q, p, J := make([]float64, 1), make([]float64, 3), make([]float64, 3)
	d.QPos(q)
	d.SitePos(0, p)
	d.SiteJac(0, J)
	fmt.Printf("t = %.2f s, q = %.5f rad\n", d.Time(), q[0])
	fmt.Printf("tip = (%.5f, %.5f, %.5f)\n", p[0], p[1], p[2])
	fmt.Printf("∂tip/∂q = (%.5f, %.5f, %.5f)\n", J[0], J[1], J[2])
	// Output:
	// t = 0.05 s, q = 0.02539 rad
	// tip = (0.49984, 0.01269, 0.00000)
	// ∂tip/∂q = (-0.01269, 0.49984, 0.00000)
}
