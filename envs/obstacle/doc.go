// Package obstacle is the obstacle-navigation task of Montgomery & Levine (NIPS
// 2016, §6, Fig. 2): a 2-D point mass (4.81711 kg, damping 1 N·s/m, forces
// clipped to ±1 N) must reach (3, 0) from five starts on x = 0, around five
// capsule obstacles. Every number follows shared/reference/tasks.md §2 and
// configs.md §2.1, §5.1: T = 200 control steps of 0.05 s, each 5 physics steps
// of 0.01 s.
//
// The reference ran this scene on MuJoCo; this package simulates it in pure Go
// (tasks.md §5): MuJoCo's semi-implicit Euler with implicit joint damping, which
// it matches to rounding in free flight, and a hard frictionless contact that
// stops the particle at MuJoCo's contact margin (0.002 m), within millimetres
// of MuJoCo's soft contact.
//
// Agreement with MuJoCo 2.2.2 (mujoco_test.go builds the same scene as an MJCF
// model; the tests skip without MuJoCo): 1.5e-14 over a 995-step free flight;
// at most 4.0 mm per control step over 405 control steps in or near contact,
// both engines started from the same state; 2.6 cm at most in the final
// distance to the target over ten whole closed-loop episodes, because MuJoCo's
// soft contact rebounds (≈0.1 m/s) where the hard contact stops.
//
// Deliberate choices: the cost is the one the reference actually ran,
// ½((x−3)² + y²) per step (spec quirk Q10; IntendedCost gives the configured
// one); the metric is the final distance to (3, 0, 0), with no success threshold
// (the paper defines none).
package obstacle
