package fit

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// The stopping rules' tests, each written out from its definition (spec §4.4,
// §15.4, issue 12) independently of StopRule.test.
var stopRuleDefs = map[StopRule]struct {
	decrease bool
	conv     func(ll, prev float64, n int, tol float64) bool
}{
	StopRuleRelative:  {true, func(ll, prev float64, _ int, _ float64) bool { return math.Abs(ll-prev) < 1e-5*math.Abs(prev) }},
	StopRuleReference: {true, func(ll, prev float64, _ int, _ float64) bool { return math.Abs(ll-prev) < 1e-5*prev }},
	StopRulePerPoint:  {true, func(ll, prev float64, n int, tol float64) bool { return math.Abs(ll-prev) < tol*float64(n) }},
	StopRuleAFC2519:   {false, func(ll, prev float64, _ int, _ float64) bool { return math.Abs((ll-prev)/prev) < 1e-5 }},
	StopRuleCE5FC0E:   {true, func(ll, prev float64, _ int, _ float64) bool { return math.Abs(ll-prev) < 1e-2 }},
}

func TestStopRuleTable(t *testing.T) {
	inf := math.Inf(-1)
	cases := []struct {
		rule         StopRule
		ll, prev     float64
		n            int
		tol          float64
		stop         bool
		why          StopReason
		whatItChecks string
		cold         bool // Fit (re)initialised
	}{
		{StopRuleRelative, 100, inf, 10, 0, false, 0, "first E-step never stops", false},
		{StopRuleRelative, -1000.001, -1000.002, 10, 0, true, StopConverged, "|Δ| = 1e-3 < 1e-5·1000", false},
		{StopRuleRelative, -1000, -1000.1, 10, 0, false, 0, "|Δ| = 0.1 > 1e-2", false},
		{StopRuleRelative, 5, 6, 10, 0, true, StopLogLikDecreased, "decrease", false},
		{StopRuleReference, -1000.001, -1000.002, 10, 0, false, 0, "Q4: never converges for ll < 0", false},
		{StopRuleReference, 1000.002, 1000.001, 10, 0, true, StopConverged, "fires for ll > 0", false},
		{StopRuleReference, -2, -1, 10, 0, true, StopLogLikDecreased, "decrease", false},
		{StopRulePerPoint, 1000.5, 1000, 1000, 1e-3, true, StopConverged, "0.5 < 1e-3·1000", false},
		{StopRulePerPoint, 1001.5, 1000, 1000, 1e-3, false, 0, "1.5 > 1", false},
		{StopRulePerPoint, 1000.5, 1000, 100, 1e-3, false, 0, "0.5 > 1e-3·100", false},
		{StopRulePerPoint, 999, 1000, 1000, 1e-3, true, StopLogLikDecreased, "decrease", false},
		{StopRulePerPoint, 1000.5, 1000, 1000, 1e-3, false, 0, "after a re-initialisation: the relative rule, 0.5 > 1e-2", true},
		{StopRulePerPoint, 1000.005, 1000, 1000, 1e-3, true, StopConverged, "after a re-initialisation: the relative rule, 5e-3 < 1e-2", true},
		{StopRuleAFC2519, 100, inf, 10, 0, false, 0, "first E-step: NaN ratio does not stop", false},
		{StopRuleAFC2519, 999.999, 1000, 10, 0, true, StopConverged, "small decrease converges (no decrease test)", false},
		{StopRuleAFC2519, 900, 1000, 10, 0, false, 0, "large decrease continues (no decrease test)", false},
		{StopRuleAFC2519, -1000.005, -1000, 10, 0, true, StopConverged, "relative to |prevll| also for ll < 0", false},
		{StopRuleAFC2519, 1, 0, 10, 0, false, 0, "prevll = 0: infinite ratio", false},
		{StopRuleCE5FC0E, 1e6 + 0.005, 1e6, 10, 0, true, StopConverged, "absolute 1e-2 whatever the scale", false},
		{StopRuleCE5FC0E, 1.02, 1, 10, 0, false, 0, "0.02 > 1e-2", false},
		{StopRuleCE5FC0E, 0.999, 1, 10, 0, true, StopLogLikDecreased, "decrease first", false},
	}
	for _, c := range cases {
		stop, why := c.rule.test(c.ll, c.prev, c.n, c.tol, !c.cold)
		if stop != c.stop || (stop && why != c.why) {
			t.Errorf("%v (%s): test(%v, %v) = %v %v, want %v %v", c.rule, c.whatItChecks, c.ll, c.prev, stop, why, c.stop, c.why)
		}
	}
}

// On a small mixture every rule stops at the first E-step where its test holds,
// and not before: the trace of log-likelihoods is checked against the rule's
// definition at every step. Each fit warm-starts from the same three EM
// iterations after a random assignment, as the priors' fits do after their
// first iterations; a cold fit checks that the per-point rule is the relative
// one until the first warm start.
func TestStopRulesStopWhereTheySay(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 42))
	const n, D, K = 300, 3, 3
	pts := twoBlobs(rng, n, D, 1.2) // overlapping blobs: EM converges slowly
	// At scale 1 the log-likelihood is negative (the reference's rule never
	// fires), at scale 0.1 positive.
	for _, scale := range []float64{1, 0.1} {
		data := make([]float64, len(pts))
		for i, v := range pts {
			data[i] = v * scale
		}
		assign := make([]int, n)
		for i := range assign {
			assign[i] = rng.IntN(K)
		}
		check := func(rule StopRule, tol float64, warm bool) int {
			def := stopRuleDefs[rule]
			if rule == StopRulePerPoint && !warm {
				def = stopRuleDefs[StopRuleRelative]
			}
			g := &GMM{Config: GMMConfig{MaxIter: 3}}
			if warm {
				if _, err := g.Fit(data, D, K, Init{Assign: assign}); err != nil {
					t.Fatal(err)
				}
			}
			g.Config = GMMConfig{Stop: rule, StopTol: tol, MaxIter: 100}
			res, err := g.Fit(data, D, K, Init{Assign: assign})
			if err != nil {
				t.Fatal(err)
			}
			if res.Reinitialised == warm {
				t.Fatalf("reinitialised = %v on a warm=%v fit", res.Reinitialised, warm)
			}
			ll := res.LogLik
			prev := math.Inf(-1)
			for i, l := range ll {
				dec := def.decrease && l < prev
				conv := def.conv(l, prev, n, tol)
				last := i == len(ll)-1
				if (dec || conv) != last && !(last && res.Stop == StopMaxIterations) {
					t.Errorf("scale %g, %v tol %g warm %v: at E-step %d (ll %v, prev %v) the rule says stop=%v, EM %s",
						scale, rule, tol, warm, i, l, prev, dec || conv, map[bool]string{true: "stopped", false: "went on"}[last])
				}
				if last {
					want := StopMaxIterations
					switch {
					case dec:
						want = StopLogLikDecreased
					case conv:
						want = StopConverged
					}
					if res.Stop != want {
						t.Errorf("scale %g, %v warm %v: stop reason %v, want %v", scale, rule, warm, res.Stop, want)
					}
				}
				prev = l
			}
			if res.MSteps != len(ll)-1 && res.Stop != StopMaxIterations {
				t.Errorf("%v: %d M-steps after %d E-steps", rule, res.MSteps, len(ll))
			}
			return len(ll)
		}
		steps := map[StopRule]int{}
		for rule := range stopRuleDefs {
			steps[rule] = check(rule, 1e-3, true)
		}
		check(StopRulePerPoint, 1e-1, true)
		if cold, rel := check(StopRulePerPoint, 1e-1, false), check(StopRuleRelative, 0, false); cold != rel {
			t.Errorf("scale %g: a cold per-point fit ran %d E-steps, the relative rule %d", scale, cold, rel)
		}
		t.Logf("scale %g: E-steps per rule after the warm start %v", scale, steps)
		// The case separates the rules (else the checks above prove little):
		// the reference's runs to MaxIter for ll < 0 and equals the relative one
		// for ll > 0; the per-point rule at 1e-3 nats stops well before both.
		if ref, rel := steps[StopRuleReference], steps[StopRuleRelative]; (scale == 1) != (ref == 100) || (scale != 1 && ref != rel) {
			t.Errorf("scale %g: reference %d E-steps, relative %d", scale, ref, rel)
		}
		if pp, rel := steps[StopRulePerPoint], steps[StopRuleRelative]; 2*pp > rel {
			t.Errorf("scale %g: per-point %d E-steps, relative %d", scale, pp, rel)
		}
	}
}

// StopRuleAuto resolves to the reference's rule with Compat and to the
// relative rule otherwise; names round-trip; PriorConfig.Validate names the field.
func TestStopRuleAutoParseValidate(t *testing.T) {
	if r, _ := (GMMConfig{Compat: true}).stopRule(); r != StopRuleReference {
		t.Errorf("Compat auto = %v, want reference", r)
	}
	if r, _ := (GMMConfig{}).stopRule(); r != StopRuleRelative {
		t.Errorf("default auto = %v, want relative", r)
	}
	if r, _ := (GMMConfig{Compat: true, Stop: StopRuleCE5FC0E}).stopRule(); r != StopRuleCE5FC0E {
		t.Errorf("an explicit rule under Compat = %v, want ce5fc0e", r)
	}
	for r := StopRuleAuto; r < stopRuleEnd; r++ {
		p, err := ParseStopRule(r.String())
		if err != nil || p != r {
			t.Errorf("ParseStopRule(%q) = %v, %v", r.String(), p, err)
		}
	}
	if _, err := ParseStopRule("fast"); err == nil {
		t.Error("ParseStopRule(fast) accepted")
	}
	pc := DefaultPriorConfig()
	for _, bad := range []struct {
		stop  StopRule
		tol   float64
		field string
	}{{stopRuleEnd, 0, "Stop"}, {-1, 0, "Stop"}, {StopRulePerPoint, -1, "StopTol"}, {StopRulePerPoint, math.NaN(), "StopTol"}, {StopRulePerPoint, math.Inf(1), "StopTol"}} {
		pc.Stop, pc.StopTol = bad.stop, bad.tol
		if err := pc.Validate(); err == nil || !strings.Contains(err.Error(), "PriorConfig."+bad.field) {
			t.Errorf("Validate(Stop %d, StopTol %v) = %v, want an error naming %s", bad.stop, bad.tol, err, bad.field)
		}
	}
	pc.Stop, pc.StopTol = StopRuleAFC2519, 0
	if err := pc.Validate(); err != nil {
		t.Error(err)
	}
}
