//go:build cgo && !nomujoco

package mujoco

/*
#cgo LDFLAGS: -lmujoco
#include <mujoco/mujoco.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Per-call status: MuJoCo's fatal-error and warning callbacks are process-wide, so a
// guarded call points this thread-local at its own status block and jump buffer.
typedef struct {
	char err[1024];
	char warn[1024];
	int  nwarn;
} mg_status;

static __thread mg_status* mg_cur;
static __thread jmp_buf*   mg_jb;

static void mg_on_error(const char* msg) {
	if (mg_cur) {
		snprintf(mg_cur->err, sizeof mg_cur->err, "%s", msg);
	}
	if (mg_jb) {
		longjmp(*mg_jb, 1);
	}
	// A MuJoCo error outside a guarded call: fail loudly, as MuJoCo itself would.
	fprintf(stderr, "mujoco: fatal MuJoCo error outside a guarded call: %s\n", msg);
	abort();
}

static void mg_on_warning(const char* msg) {
	if (mg_cur) {
		snprintf(mg_cur->warn, sizeof mg_cur->warn, "%s", msg);
		mg_cur->nwarn++;
	}
}

static void mg_install(void) {
	mju_user_error = mg_on_error;
	mju_user_warning = mg_on_warning;
}

// mg_load compiles the MJCF text xml (length n) through a private virtual file system.
static mjModel* mg_load(const char* xml, int n, char* err, int errsz) {
	mjVFS* vfs = (mjVFS*)malloc(sizeof(mjVFS));
	if (!vfs) {
		snprintf(err, errsz, "out of memory for the virtual file system");
		return NULL;
	}
	mj_defaultVFS(vfs);
	const char* name = "mirrorgps_model.xml";
	if (mj_makeEmptyFileVFS(vfs, name, n) != 0) {
		snprintf(err, errsz, "could not create the in-memory model file");
		free(vfs);
		return NULL;
	}
	int i = mj_findFileVFS(vfs, name);
	memcpy(vfs->filedata[i], xml, n);

	mg_status st;
	memset(&st, 0, sizeof st);
	jmp_buf jb;
	mjModel* volatile m = NULL;
	mg_cur = &st;
	mg_jb = &jb;
	if (setjmp(jb) == 0) {
		m = mj_loadXML(name, vfs, err, errsz);
	} else {
		snprintf(err, errsz, "%s", st.err);
		m = NULL;
	}
	mg_jb = NULL;
	mg_cur = NULL;
	mj_deleteVFS(vfs);
	free(vfs);
	return m;
}

static mjModel* mg_copy(const mjModel* src, mg_status* st) {
	jmp_buf jb;
	mjModel* volatile m = NULL;
	mg_cur = st;
	mg_jb = &jb;
	if (setjmp(jb) == 0) {
		m = mj_copyModel(NULL, src);
	} else {
		m = NULL;
	}
	mg_jb = NULL;
	mg_cur = NULL;
	return m;
}

static mjData* mg_make_data(const mjModel* m, mg_status* st) {
	jmp_buf jb;
	mjData* volatile d = NULL;
	mg_cur = st;
	mg_jb = &jb;
	if (setjmp(jb) == 0) {
		d = mj_makeData(m);
	} else {
		d = NULL;
	}
	mg_jb = NULL;
	mg_cur = NULL;
	return d;
}

// mg_reset restores defaults, sets (qpos, qvel) and computes kinematics and com-based
// quantities, so that site positions and Jacobians are current. Returns 0 or -1 (error).
static int mg_reset(const mjModel* m, mjData* d, const mjtNum* qpos, const mjtNum* qvel, mg_status* st) {
	jmp_buf jb;
	int rc = 0;
	mg_cur = st;
	mg_jb = &jb;
	if (setjmp(jb) == 0) {
		mj_resetData(m, d);
		if (qpos) {
			mju_copy(d->qpos, qpos, m->nq);
		}
		if (qvel) {
			mju_copy(d->qvel, qvel, m->nv);
		}
		mj_kinematics(m, d);
		mj_comPos(m, d);
	} else {
		rc = -1;
	}
	mg_jb = NULL;
	mg_cur = NULL;
	return rc;
}

static int mg_badcount(const mjData* d) {
	return d->warning[mjWARN_BADQPOS].number + d->warning[mjWARN_BADQVEL].number +
	       d->warning[mjWARN_BADQACC].number;
}

static int mg_fullcount(const mjData* d) {
	return d->warning[mjWARN_CONTACTFULL].number + d->warning[mjWARN_CNSTRFULL].number;
}

// mg_step holds ctrl for nsub two-phase steps, then recomputes kinematics for the
// current state. Returns 0 on success, -1 on a MuJoCo error, k+1 when MuJoCo reset
// the state because of bad numbers during substep k, and -(k+2) when the contact or
// constraint buffers overflowed during substep k (MuJoCo then drops constraints).
static int mg_step(const mjModel* m, mjData* d, const mjtNum* ctrl, int nsub, mg_status* st) {
	jmp_buf jb;
	volatile int rc = 0;
	mg_cur = st;
	mg_jb = &jb;
	if (setjmp(jb) == 0) {
		for (int k = 0; k < nsub; k++) {
			int bad = mg_badcount(d), full = mg_fullcount(d);
			mj_step1(m, d);
			mju_copy(d->ctrl, ctrl, m->nu);
			mj_step2(m, d);
			if (mg_badcount(d) != bad) {
				rc = k + 1;
				break;
			}
			if (mg_fullcount(d) != full) {
				rc = -(k + 2);
				break;
			}
		}
		mj_kinematics(m, d);
		mj_comPos(m, d);
	} else {
		rc = -1;
	}
	mg_jb = NULL;
	mg_cur = NULL;
	return rc;
}

static int mg_jac_site(const mjModel* m, const mjData* d, mjtNum* jacp, int site, mg_status* st) {
	jmp_buf jb;
	int rc = 0;
	mg_cur = st;
	mg_jb = &jb;
	if (setjmp(jb) == 0) {
		mj_jacSite(m, d, jacp, NULL, site);
	} else {
		rc = -1;
	}
	mg_jb = NULL;
	mg_cur = NULL;
	return rc;
}

// mg_dynamics sets (qpos, qvel) and computes the joint-space inertia M (nv×nv,
// armature included) and the force b = C(q,q̇)q̇ + g(q) − f_passive(q,q̇), so that
// in free motion M q̈ + b = τ (damping taken explicitly).
static int mg_dynamics(const mjModel* m, mjData* d, const mjtNum* qpos, const mjtNum* qvel,
                       mjtNum* M, mjtNum* bias, mg_status* st) {
	jmp_buf jb;
	int rc = 0;
	mg_cur = st;
	mg_jb = &jb;
	if (setjmp(jb) == 0) {
		mju_copy(d->qpos, qpos, m->nq);
		mju_copy(d->qvel, qvel, m->nv);
		mj_kinematics(m, d);
		mj_comPos(m, d);
		mj_crb(m, d);
		mj_comVel(m, d);
		mj_passive(m, d);
		mj_rne(m, d, 0, bias);
		mju_subFrom(bias, d->qfrc_passive, m->nv);
		mj_fullM(m, M, d->qM);
	} else {
		rc = -1;
	}
	mg_jb = NULL;
	mg_cur = NULL;
	return rc;
}

// mg_same_sizes reports whether a and b have identical size fields (nq … nbuffer),
// which are all that the layout of an mjData depends on.
static int mg_same_sizes(const mjModel* a, const mjModel* b) {
	size_t n = (const char*)(&a->nbuffer + 1) - (const char*)(&a->nq);
	return memcmp(&a->nq, &b->nq, n) == 0;
}

static int mg_objtype(int k) {
	switch (k) {
	case 0: return mjOBJ_BODY;
	case 1: return mjOBJ_JOINT;
	case 2: return mjOBJ_GEOM;
	case 3: return mjOBJ_SITE;
	case 4: return mjOBJ_ACTUATOR;
	}
	return mjOBJ_UNKNOWN;
}
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"unsafe"
)

var (
	installOnce sync.Once
	// loadMu serialises compilation: MuJoCo 2.2.2's XML loader keeps global state
	// (the last loaded XML) and swaps the error callbacks while compiling.
	loadMu sync.Mutex
)

func install() { installOnce.Do(func() { C.mg_install() }) }

// Available reports whether this build links MuJoCo.
func Available() bool { return true }

// Version returns the MuJoCo library version, 100·major + 10·minor + patch (222 for 2.2.2).
func Version() int { return int(C.mj_version()) }

// Model is a compiled MuJoCo model (mjModel). It is read-only while Data step it, so
// many goroutines may each step their own Data on one Model; SetBodyPos must not run
// concurrently with them.
type Model struct {
	ptr *C.mjModel
	// Sizes: generalized coordinates, degrees of freedom, actuators, bodies, sites.
	NQ, NV, NU, NBody, NSite int
	// Timestep is the physics step h in seconds.
	Timestep float64
}

func newModel(p *C.mjModel) *Model {
	m := &Model{ptr: p, NQ: int(p.nq), NV: int(p.nv), NU: int(p.nu), NBody: int(p.nbody),
		NSite: int(p.nsite), Timestep: float64(p.opt.timestep)}
	runtime.SetFinalizer(m, (*Model).Close)
	return m
}

// LoadXML compiles the MJCF document xml. A document that does not parse or compile
// gives a *LoadError carrying MuJoCo's message.
func LoadXML(xml string) (*Model, error) {
	install()
	if len(xml) == 0 {
		return nil, &LoadError{Msg: "empty model text"}
	}
	cxml := C.CString(xml)
	defer C.free(unsafe.Pointer(cxml))
	var errbuf [1024]C.char
	loadMu.Lock()
	p := C.mg_load(cxml, C.int(len(xml)), &errbuf[0], C.int(len(errbuf)))
	loadMu.Unlock()
	if p == nil {
		msg := C.GoString(&errbuf[0])
		if msg == "" {
			msg = "unknown error"
		}
		return nil, &LoadError{Msg: msg}
	}
	return newModel(p), nil
}

// Clone returns an independent deep copy of m (mj_copyModel).
func (m *Model) Clone() (*Model, error) {
	m.check()
	st := (*C.mg_status)(C.calloc(1, C.sizeof_mg_status))
	defer C.free(unsafe.Pointer(st))
	p := C.mg_copy(m.ptr, st)
	runtime.KeepAlive(m)
	if p == nil {
		return nil, &Error{Op: "clone", Msg: C.GoString(&st.err[0])}
	}
	return newModel(p), nil
}

// Close frees the model. It is safe to call twice; using m afterwards panics. Data
// made from m keep it alive, so Close only when none is in use.
func (m *Model) Close() {
	if m.ptr != nil {
		C.mj_deleteModel(m.ptr)
		m.ptr = nil
		runtime.SetFinalizer(m, nil)
	}
}

func (m *Model) check() {
	if m == nil || m.ptr == nil {
		panic("mujoco: use of a nil or closed Model")
	}
}

// ID returns the index of the named object of the given kind, or an error naming it.
func (m *Model) ID(kind ObjType, name string) (int, error) {
	m.check()
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	id := int(C.mj_name2id(m.ptr, C.mg_objtype(C.int(kind)), cname))
	runtime.KeepAlive(m)
	if id < 0 {
		return -1, fmt.Errorf("mujoco: model has no %v named %q", kind, name)
	}
	return id, nil
}

func (m *Model) body(id int) {
	m.check()
	if id < 0 || id >= m.NBody {
		panic(fmt.Sprintf("mujoco: body index %d out of range [0, %d)", id, m.NBody))
	}
}

// BodyPos returns the position of body id relative to its parent body frame.
func (m *Model) BodyPos(id int) [3]float64 {
	m.body(id)
	p := unsafe.Slice((*float64)(unsafe.Pointer(m.ptr.body_pos)), 3*m.NBody)[3*id:]
	return [3]float64{p[0], p[1], p[2]}
}

// SetBodyPos sets the position of body id relative to its parent body frame. It must
// not run while a Data steps m.
func (m *Model) SetBodyPos(id int, pos [3]float64) {
	m.body(id)
	p := unsafe.Slice((*float64)(unsafe.Pointer(m.ptr.body_pos)), 3*m.NBody)[3*id:]
	p[0], p[1], p[2] = pos[0], pos[1], pos[2]
}

// BodyMass returns the mass of body id in kg (as MuJoCo computed it from the geoms).
func (m *Model) BodyMass(id int) float64 {
	m.body(id)
	return unsafe.Slice((*float64)(unsafe.Pointer(m.ptr.body_mass)), m.NBody)[id]
}

// CtrlRange returns the control range [lo, hi] of actuator i.
func (m *Model) CtrlRange(i int) (lo, hi float64) {
	m.check()
	if i < 0 || i >= m.NU {
		panic(fmt.Sprintf("mujoco: actuator index %d out of range [0, %d)", i, m.NU))
	}
	r := unsafe.Slice((*float64)(unsafe.Pointer(m.ptr.actuator_ctrlrange)), 2*m.NU)
	return r[2*i], r[2*i+1]
}

// Data is one simulation state (mjData) of a Model. A Data is not safe for concurrent
// use; make one per goroutine.
type Data struct {
	m   *Model
	ptr *C.mjData
	st  *C.mg_status // C memory: MuJoCo's callbacks write into it during a call
	// dirty is set by SetModel and when a MuJoCo error interrupted a call; Reset clears it.
	dirty bool
}

// NewData makes a simulation state for m, reset to the model defaults.
func NewData(m *Model) (*Data, error) {
	m.check()
	install()
	st := (*C.mg_status)(C.calloc(1, C.sizeof_mg_status))
	if st == nil {
		return nil, &Error{Op: "make data", Msg: "out of memory"}
	}
	p := C.mg_make_data(m.ptr, st)
	if p == nil {
		msg := C.GoString(&st.err[0])
		C.free(unsafe.Pointer(st))
		return nil, &Error{Op: "make data", Msg: msg}
	}
	d := &Data{m: m, ptr: p, st: st}
	runtime.SetFinalizer(d, (*Data).Close)
	return d, nil
}

// Close frees the state. It is safe to call twice; using d afterwards panics.
func (d *Data) Close() {
	if d.ptr != nil {
		C.mj_deleteData(d.ptr)
		C.free(unsafe.Pointer(d.st))
		d.ptr, d.st = nil, nil
		runtime.SetFinalizer(d, nil)
	}
}

// SetModel makes d simulate m from now on (until the next SetModel). m must have the
// same sizes as the model d was made for, as every Clone of it has: then the mjData
// layout fits. Call Reset before stepping. This lets one Data serve the per-condition
// copies of a model.
func (d *Data) SetModel(m *Model) error {
	d.check()
	m.check()
	if C.mg_same_sizes(d.m.ptr, m.ptr) == 0 {
		return fmt.Errorf("mujoco: SetModel: the model's sizes differ from those the data was made for")
	}
	d.m = m
	d.dirty = true // Reset before stepping
	return nil
}

// Model returns the model d simulates.
func (d *Data) Model() *Model { return d.m }

func (d *Data) check() {
	if d == nil || d.ptr == nil {
		panic("mujoco: use of a nil or closed Data")
	}
	d.m.check()
}

func finite(name string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("mujoco: %s[%d] = %v is not finite", name, i, x)
		}
	}
	return nil
}

// Reset restores the model defaults (mj_resetData: time 0, zero controls, zero solver
// warm start), then sets the joint positions qpos (length NQ) and velocities qvel
// (length NV; nil means zero) and computes the kinematics for that state.
func (d *Data) Reset(qpos, qvel []float64) error {
	d.check()
	if len(qpos) != d.m.NQ {
		return fmt.Errorf("mujoco: reset: qpos has length %d, want %d", len(qpos), d.m.NQ)
	}
	if qvel != nil && len(qvel) != d.m.NV {
		return fmt.Errorf("mujoco: reset: qvel has length %d, want %d", len(qvel), d.m.NV)
	}
	if err := finite("qpos", qpos); err != nil {
		return err
	}
	if err := finite("qvel", qvel); err != nil {
		return err
	}
	var pv *C.mjtNum
	if qvel != nil && len(qvel) > 0 {
		pv = (*C.mjtNum)(unsafe.Pointer(&qvel[0]))
	}
	var pq *C.mjtNum
	if len(qpos) > 0 {
		pq = (*C.mjtNum)(unsafe.Pointer(&qpos[0]))
	}
	d.st.nwarn = 0
	rc := C.mg_reset(d.m.ptr, d.ptr, pq, pv, d.st)
	runtime.KeepAlive(qpos)
	runtime.KeepAlive(qvel)
	runtime.KeepAlive(d)
	if rc != 0 {
		d.dirty = true
		return &Error{Op: "reset", Msg: C.GoString(&d.st.err[0])}
	}
	d.dirty = false
	return nil
}

// Step holds the control ctrl (length NU; MuJoCo clips it to each actuator's range)
// for n physics substeps of mj_step1 → set ctrl → mj_step2, which is semi-implicit
// Euler with implicit joint damping in MuJoCo 2.2.2, then computes the kinematics of
// the resulting state. Non-finite controls are rejected before they reach the engine
// (the state is unchanged). A *DivergedError means MuJoCo reset the state; a
// *CapacityError that the contact or constraint buffers overflowed.
func (d *Data) Step(ctrl []float64, n int) error {
	d.check()
	if d.dirty {
		return fmt.Errorf("mujoco: step: the state is not valid (after SetModel or a MuJoCo error); call Reset first")
	}
	if len(ctrl) != d.m.NU {
		return fmt.Errorf("mujoco: step: control has length %d, want %d", len(ctrl), d.m.NU)
	}
	if n < 0 {
		return fmt.Errorf("mujoco: step: substeps = %d, want ≥ 0", n)
	}
	if err := finite("control", ctrl); err != nil {
		return err
	}
	var pc *C.mjtNum
	if len(ctrl) > 0 {
		pc = (*C.mjtNum)(unsafe.Pointer(&ctrl[0]))
	}
	d.st.nwarn = 0
	rc := int(C.mg_step(d.m.ptr, d.ptr, pc, C.int(n), d.st))
	runtime.KeepAlive(ctrl)
	runtime.KeepAlive(d)
	switch {
	case rc == -1:
		d.dirty = true
		return &Error{Op: "step", Msg: C.GoString(&d.st.err[0])}
	case rc < -1:
		d.dirty = true
		return &CapacityError{Substep: -rc - 2, Msg: C.GoString(&d.st.warn[0])}
	case rc > 0:
		return &DivergedError{Time: d.Time(), Substep: rc - 1}
	}
	return nil
}

// Dynamics sets the state to (qpos, qvel) (as Reset would, but keeping time, controls
// and warm start) and writes the joint-space inertia M (NV×NV, row-major, armature
// included) and the bias force b = C(q,q̇)q̇ + g(q) − f_passive(q,q̇) (NV; passive =
// joint damping and springs), so that without contact and limits M q̈ + b = τ.
// It is meant for model-based controllers working on a Data of their own.
func (d *Data) Dynamics(qpos, qvel, M, bias []float64) error {
	d.check()
	nq, nv := d.m.NQ, d.m.NV
	if len(qpos) != nq || len(qvel) != nv || len(M) != nv*nv || len(bias) != nv {
		panic(fmt.Sprintf("mujoco: Dynamics: lengths qpos %d qvel %d M %d bias %d, want %d %d %d %d",
			len(qpos), len(qvel), len(M), len(bias), nq, nv, nv*nv, nv))
	}
	if err := finite("qpos", qpos); err != nil {
		return err
	}
	if err := finite("qvel", qvel); err != nil {
		return err
	}
	rc := C.mg_dynamics(d.m.ptr, d.ptr, (*C.mjtNum)(unsafe.Pointer(&qpos[0])), (*C.mjtNum)(unsafe.Pointer(&qvel[0])),
		(*C.mjtNum)(unsafe.Pointer(&M[0])), (*C.mjtNum)(unsafe.Pointer(&bias[0])), d.st)
	runtime.KeepAlive(qpos)
	runtime.KeepAlive(qvel)
	runtime.KeepAlive(M)
	runtime.KeepAlive(bias)
	runtime.KeepAlive(d)
	if rc != 0 {
		d.dirty = true
		return &Error{Op: "dynamics", Msg: C.GoString(&d.st.err[0])}
	}
	d.dirty = false
	return nil
}

// Warnings returns the number of MuJoCo warnings raised during the last Reset or Step
// and the text of the last one.
func (d *Data) Warnings() (n int, last string) {
	d.check()
	return int(d.st.nwarn), C.GoString(&d.st.warn[0])
}

// Time returns the simulation time in seconds.
func (d *Data) Time() float64 { d.check(); return float64(d.ptr.time) }

// NCon returns the number of contacts found in the last computed collision phase.
func (d *Data) NCon() int { d.check(); return int(d.ptr.ncon) }

// QPos copies the joint positions into dst (length NQ).
func (d *Data) QPos(dst []float64) {
	d.check()
	copy(dst[:d.m.NQ], unsafe.Slice((*float64)(unsafe.Pointer(d.ptr.qpos)), d.m.NQ))
}

// QVel copies the joint velocities into dst (length NV).
func (d *Data) QVel(dst []float64) {
	d.check()
	copy(dst[:d.m.NV], unsafe.Slice((*float64)(unsafe.Pointer(d.ptr.qvel)), d.m.NV))
}

func (d *Data) site(i int) {
	d.check()
	if i < 0 || i >= d.m.NSite {
		panic(fmt.Sprintf("mujoco: site index %d out of range [0, %d)", i, d.m.NSite))
	}
}

// SitePos copies the world position of site i into dst (length 3), for the current
// state (Reset and Step recompute the kinematics).
func (d *Data) SitePos(i int, dst []float64) {
	d.site(i)
	copy(dst[:3], unsafe.Slice((*float64)(unsafe.Pointer(d.ptr.site_xpos)), 3*d.m.NSite)[3*i:3*i+3])
}

// SiteJac writes the translational Jacobian of site i, J = ∂p/∂q̇ (3×NV, row-major),
// into dst (mj_jacSite, current state). For hinge joints ∂p/∂q = J.
func (d *Data) SiteJac(i int, dst []float64) error {
	d.site(i)
	if len(dst) < 3*d.m.NV {
		panic(fmt.Sprintf("mujoco: SiteJac: dst has length %d, want %d", len(dst), 3*d.m.NV))
	}
	if d.dirty {
		return fmt.Errorf("mujoco: site Jacobian: the state is not valid (after SetModel or a MuJoCo error); call Reset first")
	}
	rc := C.mg_jac_site(d.m.ptr, d.ptr, (*C.mjtNum)(unsafe.Pointer(&dst[0])), C.int(i), d.st)
	runtime.KeepAlive(dst)
	runtime.KeepAlive(d)
	if rc != 0 {
		d.dirty = true
		return &Error{Op: "site Jacobian", Msg: C.GoString(&d.st.err[0])}
	}
	return nil
}
