package mdgps

import (
	"fmt"
	"strings"
)

// Era selects which version of the reference algorithm a run follows
// (ARCHITECTURE.md "Decisions", spec §15).
type Era string

const (
	// CurrentEra is the later reference algorithm with our quirk handling (the
	// default, and what every golden test runs).
	CurrentEra Era = "current"
	// SubmissionEra is the code that produced the paper's figures (spec §15).
	SubmissionEra Era = "submission"
)

// Valid reports whether e names a known era. The empty era is read as
// CurrentEra (configs and records written before eras existed).
func (e Era) Valid() bool { return e == "" || e == CurrentEra || e == SubmissionEra }

// Or returns e, or CurrentEra when e is empty.
func (e Era) Or() Era {
	if e == "" {
		return CurrentEra
	}
	return e
}

// Variant names one algorithm variant of the paper's comparison: the outer
// algorithm, the sampling mode, the step rule and the era. It is the one
// encoding of variants that the CLI, viz and the notebooks share.
//
// Its key (Key) is the grid name used in run directories, tables and figure
// legends: "badmm", "trajopt", or "<sampling>/<step>" for MDGPS ("off/classic").
type Variant struct {
	Algorithm Algorithm
	Sampling  Sampling
	Step      StepRule
	Era       Era
}

// PaperVariants returns the paper's five variants in Table 1's column order:
// BADMM, then MDGPS off-/on-policy with the classic or the global step rule
// (all in the current era; set Era for the other).
func PaperVariants() []Variant {
	return []Variant{
		{Algorithm: BADMM, Sampling: OffPolicy, Step: ClassicStep, Era: CurrentEra},
		{Algorithm: MDGPS, Sampling: OffPolicy, Step: ClassicStep, Era: CurrentEra},
		{Algorithm: MDGPS, Sampling: OffPolicy, Step: GlobalStep, Era: CurrentEra},
		{Algorithm: MDGPS, Sampling: OnPolicy, Step: ClassicStep, Era: CurrentEra},
		{Algorithm: MDGPS, Sampling: OnPolicy, Step: GlobalStep, Era: CurrentEra},
	}
}

// TrajOptVariant is the trajectory-only baseline (spec §12): the local
// controllers alone, each C-step constrained to the previous controller.
func TrajOptVariant() Variant {
	return Variant{Algorithm: TrajOpt, Sampling: OffPolicy, Step: ClassicStep, Era: CurrentEra}
}

// VariantOf returns the variant a configuration runs.
func VariantOf(c Config) Variant {
	return Variant{Algorithm: c.Algorithm, Sampling: c.Sampling, Step: c.StepRule, Era: c.Era.Or()}
}

// Variant returns the variant a record belongs to (records written before
// eras existed read as the current era).
func (it Iteration) Variant() Variant {
	alg := Algorithm(it.Algorithm)
	if alg == "" {
		alg = MDGPS
	}
	return Variant{Algorithm: alg, Sampling: Sampling(it.Sampling), Step: StepRule(it.Step), Era: Era(it.Era).Or()}
}

// Apply sets the configuration's algorithm, sampling, step rule and era
// (Config.SetEra, which switches every behaviour of the era).
func (v Variant) Apply(c *Config) {
	c.Algorithm, c.Sampling, c.StepRule = v.Algorithm, v.Sampling, v.Step
	c.SetEra(v.Era.Or())
}

// Key is the variant's grid name, without the era: "badmm", "trajopt" or
// "<sampling>/<step>" for MDGPS.
func (v Variant) Key() string {
	if v.Algorithm != MDGPS && v.Algorithm != "" {
		return string(v.Algorithm)
	}
	return string(v.Sampling) + "/" + string(v.Step)
}

// String is Key, followed by " (submission)" in the submission era.
func (v Variant) String() string {
	if v.Era.Or() != CurrentEra {
		return v.Key() + " (" + string(v.Era) + ")"
	}
	return v.Key()
}

// Label is a reader's name for the variant, as in the paper's legends:
// "MDGPS, off-policy, classic step", "BADMM", "trajectory only".
func (v Variant) Label() string {
	var s string
	switch v.Algorithm {
	case BADMM:
		s = "BADMM"
	case TrajOpt:
		s = "trajectory only"
	default:
		s = fmt.Sprintf("MDGPS, %s-policy, %s step", v.Sampling, v.Step)
	}
	if v.Era.Or() != CurrentEra {
		s += " (" + string(v.Era) + " era)"
	}
	return s
}

// ParseVariant reads a variant key ("badmm", "trajopt", "off/classic", …; see
// Key) in the given era. BADMM and trajopt take the off-policy, classic-step
// settings the paper's grid runs them with.
func ParseVariant(key string, era Era) (Variant, error) {
	if !era.Valid() {
		return Variant{}, fmt.Errorf("mdgps: era %q, want current or submission", era)
	}
	era = era.Or()
	switch key {
	case string(BADMM):
		return Variant{Algorithm: BADMM, Sampling: OffPolicy, Step: ClassicStep, Era: era}, nil
	case string(TrajOpt):
		return Variant{Algorithm: TrajOpt, Sampling: OffPolicy, Step: ClassicStep, Era: era}, nil
	}
	samp, step, ok := strings.Cut(key, "/")
	v := Variant{Algorithm: MDGPS, Sampling: Sampling(samp), Step: StepRule(step), Era: era}
	if !ok || (v.Sampling != OffPolicy && v.Sampling != OnPolicy) || !v.Step.Valid() {
		return Variant{}, fmt.Errorf("mdgps: variant %q, want badmm, trajopt or <off|on>/<classic|global|fixed|laplace|mc>", key)
	}
	return v, nil
}

// VariantKeys returns the keys of vs, in order.
func VariantKeys(vs []Variant) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Key()
	}
	return out
}
