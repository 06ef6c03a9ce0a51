// Package mujoco is a thin cgo layer over MuJoCo 2.2.2 (Debian libmujoco-dev), the
// engine the reference ran its arm tasks on (shared/reference/tasks.md §1, §4–§5).
//
// It offers exactly what the peg tasks need:
//
//   - LoadXML compiles an MJCF model held in a string (through MuJoCo's virtual file
//     system; nothing is written to disk) and returns a *LoadError with MuJoCo's own
//     message when the model does not compile.
//   - Model.Clone makes a per-condition copy whose body positions can be changed
//     (SetBodyPos): the peg conditions move the arm base, body 1.
//   - NewData makes one simulation state per goroutine. A Model is read-only while
//     simulating, so many Data may step one Model concurrently.
//   - Data.Reset restores the model defaults (mj_resetData: zero warm start, zero
//     controls, time 0), sets (q, q̇) and computes the kinematics, so nothing leaks
//     between rollouts.
//   - Data.Step holds the control for n substeps of MuJoCo's two-phase step
//     (mj_step1, set ctrl, mj_step2). In this path MuJoCo 2.2.2 integrates with
//     semi-implicit Euler and implicit joint damping whatever integrator the model
//     names (tasks.md §1). After the last substep it recomputes the kinematics, so
//     SitePos and SiteJac describe the current state (the reference read them one
//     substep stale; see tasks.md §1).
//   - SitePos and SiteJac (mj_jacSite: the 3×nv translational Jacobian ∂p/∂q̇ of a
//     site point) feed the end-effector cost (spec §3.6).
//
// MuJoCo's fatal-error callback would normally exit the process. This package installs
// handlers that turn a MuJoCo error inside LoadXML, Clone, NewData, Reset or Step into a
// Go error (*Error), and that keep warnings out of MUJOCO_LOG.TXT; warnings are kept per
// Data (Data.Warnings). After an error the Data is reset on its next Reset, so it stays
// usable. Controls are checked for NaN/Inf before they reach the engine. When MuJoCo
// detects a diverging simulation (bad qacc) it resets the state by itself; Step reports
// that as a *DivergedError. When the contact list or the constraint rows overflow
// (the model's <size nconmax njmax>), MuJoCo would silently drop constraints; Step
// reports a *CapacityError instead.
//
// MuJoCo 2.2.2's XML compiler keeps global state, so LoadXML calls are serialised;
// stepping needs no lock.
//
// The cgo files build with the tags `cgo && !nomujoco`. Without cgo, or with the tag
// nomujoco, the same API exists, and LoadXML returns ErrUnavailable, whose message says
// how to install MuJoCo (apt-get install libmujoco-dev, or make deps).
package mujoco
