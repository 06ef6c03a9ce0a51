package mdgps

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestVariantRoundTrip(t *testing.T) {
	all := append(PaperVariants(), TrajOptVariant(),
		Variant{Algorithm: MDGPS, Sampling: OnPolicy, Step: LaplaceStep, Era: CurrentEra})
	keys := []string{"badmm", "off/classic", "off/global", "on/classic", "on/global", "trajopt", "on/laplace"}
	for i, v := range all {
		if v.Key() != keys[i] {
			t.Errorf("variant %d: key %q, want %q", i, v.Key(), keys[i])
		}
		for _, era := range []Era{CurrentEra, SubmissionEra} {
			v.Era = era
			p, err := ParseVariant(v.Key(), era)
			if err != nil || p != v {
				t.Errorf("ParseVariant(%q, %s) = %+v, %v; want %+v", v.Key(), era, p, err, v)
			}
			cfg := PaperObstacle()
			v.Apply(&cfg)
			if got := VariantOf(cfg); got != v {
				t.Errorf("VariantOf(Apply(%+v)) = %+v", v, got)
			}
			if err := cfg.Validate(); err != nil {
				t.Errorf("%v: %v", v, err)
			}
			it := Iteration{Algorithm: string(cfg.Algorithm), Sampling: string(cfg.Sampling), Step: string(cfg.StepRule), Era: string(era)}
			if it.Variant() != v {
				t.Errorf("record variant %+v, want %+v", it.Variant(), v)
			}
		}
	}
	if s := (Variant{Algorithm: MDGPS, Sampling: OffPolicy, Step: GlobalStep, Era: SubmissionEra}).String(); s != "off/global (submission)" {
		t.Errorf("String() = %q", s)
	}
	if s := PaperVariants()[3].Label(); s != "MDGPS, on-policy, classic step" {
		t.Errorf("Label() = %q", s)
	}
}

func TestParseVariantErrors(t *testing.T) {
	for _, c := range []struct {
		key  string
		era  Era
		want string
	}{
		{"off", CurrentEra, "variant"},
		{"sideways/classic", CurrentEra, "variant"},
		{"on/steep", CurrentEra, "variant"},
		{"off/classic", "paper", "era"},
	} {
		if _, err := ParseVariant(c.key, c.era); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseVariant(%q, %q): error %v, want one naming the %s", c.key, c.era, err, c.want)
		}
	}
}

// TestRecordBeforeEras: a record written before eras and null bounds existed
// reads as the current era with its bound as written; a bound that could not be
// computed is written as null and reads back as NaN.
func TestRecordBeforeEras(t *testing.T) {
	old := `{"iteration":3,"task":"obstacle","algorithm":"mdgps","sampling":"on","step":"global","seed":1,"bound_mean":0,"conditions":[{"cond":0,"bound":0,"bound_eps_max":0}]}`
	var it Iteration
	if err := json.Unmarshal([]byte(old), &it); err != nil {
		t.Fatal(err)
	}
	if v := it.Variant(); v.Era != CurrentEra || v.Key() != "on/global" {
		t.Errorf("old record reads as %+v", v)
	}
	if it.BoundMean != 0 || it.Conditions[0].Bound != 0 {
		t.Errorf("old bounds read as %v, %v", it.BoundMean, it.Conditions[0].Bound)
	}
	it.BoundMean = math.NaN()
	it.Conditions = append(it.Conditions, Cond{Cond: 1, Bound: 12.5, BoundEpsMax: 0.25})
	it.Conditions[0].Bound, it.Conditions[0].BoundEpsMax = math.NaN(), math.NaN()
	b, err := json.Marshal(it)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"bound_mean":null`, `"bound":null,"bound_eps_max":null`, `"bound":12.5,"bound_eps_max":0.25`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	var back Iteration
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.BoundMean) || !math.IsNaN(back.Conditions[0].Bound) || back.Conditions[1].Bound != 12.5 {
		t.Errorf("read back: bound_mean %v, bounds %v, %v", back.BoundMean, back.Conditions[0].Bound, back.Conditions[1].Bound)
	}
}
