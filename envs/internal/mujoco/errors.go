package mujoco

import (
	"errors"
	"fmt"
)

// ErrUnavailable is returned by LoadXML when the package was built without MuJoCo
// (CGO_ENABLED=0 or the nomujoco build tag).
var ErrUnavailable = errors.New("mujoco: this binary was built without MuJoCo (CGO_ENABLED=0 or -tags nomujoco); " +
	"install MuJoCo 2.2.2 with `sudo apt-get install libmujoco-dev` (or `make deps`) and build with cgo enabled")

// LoadError reports an MJCF model that MuJoCo could not parse or compile.
type LoadError struct {
	Msg string // MuJoCo's message, e.g. "XML Error: ... Element 'x', line 3"
}

func (e *LoadError) Error() string { return "mujoco: loading model: " + e.Msg }

// Error reports a MuJoCo fatal error (mju_error) raised inside a call of this package.
// The call had no effect that outlives the next Data.Reset.
type Error struct {
	Op  string // the call that failed: "clone", "make data", "reset", "step"
	Msg string // MuJoCo's message
}

func (e *Error) Error() string { return fmt.Sprintf("mujoco: %s: %s", e.Op, e.Msg) }

// DivergedError reports that MuJoCo found a non-finite or huge acceleration during Step
// (warning mjWARN_BADQACC) and reset the simulation state to the model defaults, as it
// does by design. The rollout that produced it is meaningless; the Data stays usable.
type DivergedError struct {
	Time    float64 // simulation time at which the warning was raised
	Substep int     // substep index within the Step call (0-based)
}

// Recovered reports that the simulation is usable after the error: MuJoCo
// reset the state to the model's defaults and a rollout can go on from there,
// as the reference's agent does (envs counts such steps in Sample.Diverged).
func (e *DivergedError) Recovered() bool { return true }

func (e *DivergedError) Error() string {
	return fmt.Sprintf("mujoco: simulation diverged (bad acceleration) at substep %d, t=%g s; MuJoCo reset the state", e.Substep, e.Time)
}

// Object kinds for Model.ID.
type ObjType int

const (
	Body ObjType = iota
	Joint
	Geom
	Site
	Actuator
)

func (k ObjType) String() string {
	switch k {
	case Body:
		return "body"
	case Joint:
		return "joint"
	case Geom:
		return "geom"
	case Site:
		return "site"
	case Actuator:
		return "actuator"
	}
	return fmt.Sprintf("ObjType(%d)", int(k))
}

// CapacityError reports that a Step overflowed the model's contact list or
// constraint rows (warnings mjWARN_CONTACTFULL, mjWARN_CNSTRFULL): MuJoCo then drops
// constraints, so the physics is wrong. Enlarge nconmax/njmax in the model's <size>
// element. The Data must be Reset before the next Step.
type CapacityError struct {
	Substep int    // substep index within the Step call (0-based)
	Msg     string // MuJoCo's warning
}

func (e *CapacityError) Error() string {
	return fmt.Sprintf("mujoco: step: contact or constraint buffer full at substep %d (%s); enlarge nconmax/njmax in the model's <size>", e.Substep, e.Msg)
}
