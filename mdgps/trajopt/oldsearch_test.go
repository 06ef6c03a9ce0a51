package trajopt

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The expected values of these tests were recorded by running the reference's
// own LineSearch class (cbfinn/gps at afc2519, traj_opt_utils.py) under a tiny
// NumPy shim (np.log, np.exp, np.random.rand with a scripted coin) on the same
// inputs, and the outer loop of its TrajOptLQRPythonMDGPS.update on the same
// synthetic KL curves. Each case also says why the value is what it is. Go's
// math.Log/Exp and the C library's may differ in the last bit, hence relTol.
const relTol = 1e-14

func closeRel(a, b float64) bool { return math.Abs(a-b) <= relTol*math.Max(math.Abs(a), math.Abs(b)) }

// noCoin fails the test if the line search flips its coin.
func noCoin(t *testing.T) func() bool {
	return func() bool { t.Error("coin drawn where the reference draws none"); return false }
}

func stored(c1, c2, e1, e2 float64, coin func() bool) *lineSearch {
	return &lineSearch{minEta: 1e-4, coin: coin, has: true, c1: c1, c2: c2, e1: e1, e2: e2}
}

// TestLineSearchStep follows spec §15.3 case by case.
func TestLineSearchStep(t *testing.T) {
	inf := math.Inf(-1)
	for _, tc := range []struct {
		name           string
		ls             func(t *testing.T) *lineSearch // nil: fresh
		con, eta, flr  float64
		want           float64
		wantCase       lsCase
		c1, c2, e1, e2 float64 // stored afterwards
		why            string
	}{
		{name: "first call, con < 0", con: -2, eta: 3, flr: inf, want: 1.103638323514327, wantCase: lsFirst,
			c1: -2, c2: -2, e1: 3, e2: 3, why: "η/e: a log step of −1"},
		{name: "first call, con > 0, no floor", con: 5, eta: 2, flr: 10, want: 2.05, wantCase: lsFirst,
			c1: 5, c2: 5, e1: 2, e2: 2, why: "η + 0.01·con, below the floor 10: the first step ignores it"},
		{name: "first call, con = 0", con: 0, eta: 2, flr: inf, want: 2, wantCase: lsFirst,
			c1: 0, c2: 0, e1: 2, e2: 2, why: "con ≥ 0 branch: η + 0"},
		{name: "both stored cons equal con: first call again",
			ls:  func(t *testing.T) *lineSearch { return stored(-2, -2, 3, 3, noCoin(t)) },
			con: -2, eta: 1.1, flr: inf, want: 0.4046673852885866, wantCase: lsFirst,
			c1: -2, c2: -2, e1: 1.1, e2: 1.1, why: "1.1/e"},
		{name: "mid: a true bracket, unlimited step",
			ls:  func(t *testing.T) *lineSearch { return stored(-1e-6, 1e3, 1e6, 1e-3, noCoin(t)) },
			con: 500, eta: 2e-3, flr: inf, want: 44.72135954999575, wantCase: lsMid,
			c1: -1e-6, c2: 500, e1: 1e6, e2: 2e-3,
			why: "c·η = −1 at 1e6 and +1 at 2e-3: the root of the log-space line is their geometric mean √2000, a log step of 10 > 4"},
		{name: "no mid: step limited to 4 in log space",
			ls:  func(t *testing.T) *lineSearch { return stored(-1e-6, -0.5, 1e6, 1, noCoin(t)) },
			con: 1e3, eta: 1e-3, flr: inf, want: 0.05459815003314425, wantCase: lsNoMid,
			c1: -1e-6, c2: 1e3, e1: 1e6, e2: 1e-3,
			why: "the root √1000 is 10.4 log units away; limited to 1e-3·e⁴"},
		{name: "KL insensitive to η: jump to MinEta",
			ls:  func(t *testing.T) *lineSearch { return stored(-3, -2, 10, 5, noCoin(t)) },
			con: -2.001, eta: 1, flr: inf, want: 1e-4, wantCase: lsJump,
			c1: -3, c2: -2.001, e1: 10, e2: 1,
			why: "|−2 + 2.001| / (2.001·log 5) = 3e-4 < 0.01: jump to max(floor, 1e-4)"},
		{name: "KL insensitive to η: jump to the PD floor",
			ls:  func(t *testing.T) *lineSearch { return stored(-3, -2, 10, 5, noCoin(t)) },
			con: -2.001, eta: 1, flr: 0.3, want: 0.3, wantCase: lsJump,
			c1: -3, c2: -2.001, e1: 10, e2: 1, why: "max(0.3, 1e-4)"},
		{name: "KL sensitive: no jump",
			ls:  func(t *testing.T) *lineSearch { return stored(-3, -2, 10, 5, noCoin(t)) },
			con: -1.5, eta: 1, flr: inf, want: 0.7527527524240137, wantCase: lsNoMid,
			c1: -2, c2: -1.5, e1: 5, e2: 1,
			why: "ratio 0.5/(2·log 5) = 0.16 ≥ 0.01; the point with the smaller |c| (−2 at 5) is paired with the new one"},
		{name: "neither fit concave: log η + sign(con)",
			ls:  func(t *testing.T) *lineSearch { return stored(-1, -3, 1, 0.5, noCoin(t)) },
			con: -0.1, eta: 2, flr: inf, want: 0.7357588823428847, wantCase: lsNotConvex,
			c1: -1, c2: -0.1, e1: 1, e2: 2, why: "c and c·η both increase with η: 2/e"},
	} {
		ls := &lineSearch{minEta: 1e-4, coin: noCoin(t)}
		if tc.ls != nil {
			ls = tc.ls(t)
		}
		got := ls.step(tc.con, tc.eta, tc.flr)
		if !closeRel(got, tc.want) || ls.last != tc.wantCase {
			t.Errorf("%s: η = %.17g (case %d), want %.17g (case %d): %s", tc.name, got, ls.last, tc.want, tc.wantCase, tc.why)
		}
		if ls.c1 != tc.c1 || ls.c2 != tc.c2 || ls.e1 != tc.e1 || ls.e2 != tc.e2 {
			t.Errorf("%s: stored (%v, %v), (%v, %v), want (%v, %v), (%v, %v)", tc.name, ls.c1, ls.e1, ls.c2, ls.e2, tc.c1, tc.e1, tc.c2, tc.e2)
		}
	}
}

// TestLineSearchCoin: the original-space fallback. With the bracket (−1 at 10,
// +2 at 1) and con = 0.5 at η = 3, the pair is (−1 at 10, 0.5 at 3); in log
// space |log|lc1/lc2|| = log(10/1.5) = 1.90 > 2·log 2 = 1.39 and c1·c2 < 0, so the
// coin is flipped: heads solves in the original space (the root of the line
// through the two points, 10 − 7/1.5 = 5.333), tails keeps the log-space root.
// The coin comes from the stream: one Float64 per flip, heads when < ½.
func TestLineSearchCoin(t *testing.T) {
	const heads, tails = 5.333333333333334, 3.5101270017822777
	for _, tc := range []struct {
		coin bool
		want float64
	}{{true, heads}, {false, tails}} {
		flips := 0
		ls := stored(-1, 2, 10, 1, func() bool { flips++; return tc.coin })
		got := ls.step(0.5, 3, math.Inf(-1))
		if !closeRel(got, tc.want) || flips != 1 || ls.orig != tc.coin || ls.last != lsMid {
			t.Errorf("coin %v: η = %.17g after %d flips (orig %v), want %.17g after 1", tc.coin, got, flips, ls.orig, tc.want)
		}
	}
	// Seeds whose first draw is heads and tails give the same two answers.
	for _, wantHeads := range []bool{true, false} {
		seed := uint64(0)
		for ; ; seed++ {
			if (rand.New(rand.NewPCG(seed, 1)).Float64() < 0.5) == wantHeads {
				break
			}
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		ls := stored(-1, 2, 10, 1, func() bool { return rng.Float64() < 0.5 })
		want := tails
		if wantHeads {
			want = heads
		}
		if got := ls.step(0.5, 3, math.Inf(-1)); !closeRel(got, want) {
			t.Errorf("seed %d (heads %v): η = %.17g, want %.17g", seed, wantHeads, got, want)
		}
	}
}

// curve is a synthetic C-step for oldLoop: the PD floor raises η below floor to
// floor, and the KL follows kl(iteration, η).
func curve(floor float64, kl func(itr int, eta float64) float64) klEval {
	itr := 0
	return func(eta float64) (float64, []EtaIncrease, float64, error) {
		used := eta
		var incs []EtaIncrease
		if eta < floor {
			used = floor
			incs = []EtaIncrease{{From: eta, To: floor}}
		}
		k := kl(itr, used)
		itr++
		return used, incs, k, nil
	}
}

// TestOldLoopStops: the stopping rules of the outer loop (spec §15.3), each on a
// synthetic KL curve with budget ε = 5, η₀ = 1, MinEta 1e-4.
func TestOldLoopStops(t *testing.T) {
	st := Settings{EtaSearch: OldLineSearch}.withDefaults()
	if st.MinEta != 1e-4 || st.MaxIter != 50 || st.Tol != 0.1 {
		t.Fatalf("old search defaults %+v: want MinEta 1e-4, MaxIter 50, Tol 0.1", st)
	}
	for _, tc := range []struct {
		name      string
		eval      klEval
		eta0      float64
		stop      Stop
		iters     int
		eta, used float64
		converged bool
		why       string
	}{
		{"converged", curve(0, func(_ int, e float64) float64 { return 10 / e }), 1, StopConverged, 4,
			1.8186093171395248, 1.8186093171395248, true,
			"KL = 10/η: 10, 9.52, 3.77, then 5.499 within 10% of 5; returns the η passed to that pass"},
		{"converged from far", curve(0, func(_ int, e float64) float64 { return 10 / e }), 100, StopConverged, 8,
			2.143917697135809, 2.143917697135809, true, "eight passes from η = 100 down to 2.14 (KL 4.66)"},
		{"KL stalled", curve(0, func(int, float64) float64 { return 2.5 }), 1, StopKLStalled, 4,
			0.01831563888873418, 0.049787068367863944, false,
			"constant KL below ε: η/e each time (all cons equal: first-call rule), stop after iteration 3 with the next η e⁻⁴"},
		{"late feasible", curve(0, func(i int, _ float64) float64 {
			if i < 19 {
				return 10
			}
			return 2.5
		}), 1, StopLateFeasible, 21, 1.9328977360872892, 1.9328977360872892, false,
			"KL 10 for 19 passes (η + 0.05 each), then 2.5: not a stop at iteration 19, a stop at 20 (≥ 20 and KL < ε)"},
		{"eta floor", curve(0.3, func(_ int, e float64) float64 { return 0.5 / e }), 1, StopEtaFloor, 4, 0.3, 0.3, false,
			"KL = 0.5/η stays below ε; the PD floor 0.3 (hit at iteration 2) holds η: the line search returns 0.3 twice"},
		{"max iterations", curve(0, func(int, float64) float64 { return 10 }), 1, StopMaxIter, 50,
			3.4999999999999956, 3.4499999999999957, false,
			"KL 10 > ε at every η: η + 0.05 fifty times; the returned η is the next, untried one"},
	} {
		res := &Result{}
		if err := oldLoop(st, tc.eta0, 5, noCoin(t), tc.eval, res); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.Stop != tc.stop || res.Iterations != tc.iters || len(res.Trace) != tc.iters || res.Converged != tc.converged ||
			!closeRel(res.Eta, tc.eta) || !closeRel(res.UsedEta, tc.used) {
			t.Errorf("%s: stop %v after %d (trace %d), converged %v, η %.17g used %.17g; want %v after %d, %v, %.17g, %.17g: %s",
				tc.name, res.Stop, res.Iterations, len(res.Trace), res.Converged, res.Eta, res.UsedEta,
				tc.stop, tc.iters, tc.converged, tc.eta, tc.used, tc.why)
		}
		last := res.Trace[len(res.Trace)-1]
		if last.KL != res.KL || last.UsedEta != res.UsedEta {
			t.Errorf("%s: last trace step %+v does not match the result (KL %v used %v)", tc.name, last, res.KL, res.UsedEta)
		}
		if tc.stop == StopConverged || tc.stop == StopLateFeasible {
			if last.Outcome != Converged || last.NewEta != last.Eta {
				t.Errorf("%s: last step %+v, want Converged with NewEta = Eta", tc.name, last)
			}
		}
	}
}

// TestOldLoopFloor: a PD increase sets the floor that the line search's later
// η never goes below, and the trace records it as MinEta.
func TestOldLoopFloor(t *testing.T) {
	st := Settings{EtaSearch: OldLineSearch}.withDefaults()
	res := &Result{}
	if err := oldLoop(st, 1, 5, noCoin(t), curve(0.3, func(_ int, e float64) float64 { return 0.5 / e }), res); err != nil {
		t.Fatal(err)
	}
	// Iteration 2 asked for 0.2408 (below 0.3, the floor not yet known): the pass
	// raised it to 0.3; from iteration 3 the bracket's lower end is 0.3.
	tr := res.Trace
	if len(tr) != 4 || !closeRel(tr[2].Eta, 0.240802294682044) || tr[2].UsedEta != 0.3 || len(tr[2].Increases) != 1 ||
		tr[2].MinEta != 1e-4 || tr[3].MinEta != 0.3 || tr[2].NewEta != 0.3 {
		t.Errorf("trace %+v", tr)
	}
}
