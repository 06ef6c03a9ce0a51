//go:build !cgo || nomujoco

package mujoco

// This file gives the package's API in builds without MuJoCo (CGO_ENABLED=0 or the
// nomujoco tag): LoadXML returns ErrUnavailable, so no Model or Data can exist, and
// every method panics if reached anyway.

const unavailable = "mujoco: built without MuJoCo"

// Available reports whether this build links MuJoCo.
func Available() bool { return false }

// Version returns 0: no MuJoCo library is linked.
func Version() int { return 0 }

// Model is a compiled MuJoCo model; it cannot be created in this build.
type Model struct {
	NQ, NV, NU, NBody, NSite int
	Timestep                 float64
}

// LoadXML returns ErrUnavailable in builds without MuJoCo.
func LoadXML(xml string) (*Model, error) { return nil, ErrUnavailable }

// Clone returns ErrUnavailable in builds without MuJoCo.
func (m *Model) Clone() (*Model, error) { return nil, ErrUnavailable }

// Close does nothing in builds without MuJoCo.
func (m *Model) Close() {}

// ID returns ErrUnavailable in builds without MuJoCo.
func (m *Model) ID(kind ObjType, name string) (int, error) { return -1, ErrUnavailable }

// BodyPos panics in builds without MuJoCo.
func (m *Model) BodyPos(id int) [3]float64 { panic(unavailable) }

// SetBodyPos panics in builds without MuJoCo.
func (m *Model) SetBodyPos(id int, pos [3]float64) { panic(unavailable) }

// BodyMass panics in builds without MuJoCo.
func (m *Model) BodyMass(id int) float64 { panic(unavailable) }

// CtrlRange panics in builds without MuJoCo.
func (m *Model) CtrlRange(i int) (lo, hi float64) { panic(unavailable) }

// Data is one simulation state; it cannot be created in this build.
type Data struct{}

// NewData returns ErrUnavailable in builds without MuJoCo.
func NewData(m *Model) (*Data, error) { return nil, ErrUnavailable }

// Close does nothing in builds without MuJoCo.
func (d *Data) Close() {}

// SetModel returns ErrUnavailable in builds without MuJoCo.
func (d *Data) SetModel(m *Model) error { return ErrUnavailable }

// Model panics in builds without MuJoCo.
func (d *Data) Model() *Model { panic(unavailable) }

// Reset returns ErrUnavailable in builds without MuJoCo.
func (d *Data) Reset(qpos, qvel []float64) error { return ErrUnavailable }

// Step returns ErrUnavailable in builds without MuJoCo.
func (d *Data) Step(ctrl []float64, n int) error { return ErrUnavailable }

// Dynamics returns ErrUnavailable in builds without MuJoCo.
func (d *Data) Dynamics(qpos, qvel, M, bias []float64) error { return ErrUnavailable }

// Warnings panics in builds without MuJoCo.
func (d *Data) Warnings() (n int, last string) { panic(unavailable) }

// Time panics in builds without MuJoCo.
func (d *Data) Time() float64 { panic(unavailable) }

// NCon panics in builds without MuJoCo.
func (d *Data) NCon() int { panic(unavailable) }

// QPos panics in builds without MuJoCo.
func (d *Data) QPos(dst []float64) { panic(unavailable) }

// QVel panics in builds without MuJoCo.
func (d *Data) QVel(dst []float64) { panic(unavailable) }

// SitePos panics in builds without MuJoCo.
func (d *Data) SitePos(i int, dst []float64) { panic(unavailable) }

// SiteJac returns ErrUnavailable in builds without MuJoCo.
func (d *Data) SiteJac(i int, dst []float64) error { return ErrUnavailable }
