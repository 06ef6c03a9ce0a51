package viz

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// NiceTicks marks a linear axis at 1, 2 or 5 × 10^k steps, about six labelled
// ticks, each label written with just the decimals the step needs (never a raw
// float such as 0.30000000000000004).
type NiceTicks struct{}

var _ plot.Ticker = NiceTicks{}

// Ticks returns the ticks of [lo, hi].
func (NiceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	step := niceStep((hi - lo) / 6)
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+1e-9*step; k++ {
		v := k * step
		if v == 0 {
			v = 0 // no "-0"
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: shortNumber(v, decimals)})
	}
	return ticks
}

// niceStep returns the smallest 1, 2 or 5 × 10^k at least d.
func niceStep(d float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(d)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= d*(1-1e-9) {
			return m * e
		}
	}
	return 10 * e
}

// shortNumber writes v with the given decimals, switching to exponent form
// for very large or very small magnitudes.
func shortNumber(v float64, decimals int) string {
	a := math.Abs(v)
	if a != 0 && (a >= 1e6 || a < 1e-4) {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// DecadeTicks marks a log axis at powers of ten, labelled 10⁻⁵, 0.1 → 10⁻¹,
// 1, 10, 10² …, with unlabelled minor ticks at 2…9 × 10^k. When the axis spans
// at most two decades, 2 × and 5 × 10^k are labelled too (as 0.02, 20, 5e-05:
// one significant digit); when it spans many, every second or third decade
// is labelled.
type DecadeTicks struct{}

var _ plot.Ticker = DecadeTicks{}

// Ticks returns the ticks of [lo, hi] (lo > 0).
func (DecadeTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) {
		return nil
	}
	e0 := int(math.Floor(math.Log10(lo) + 1e-9))
	e1 := int(math.Ceil(math.Log10(hi) - 1e-9))
	every := 1 + (e1-e0)/10 // at most about 10 labelled decades
	few := math.Log10(hi/lo) <= 2
	in := func(v float64) bool { return v >= lo*(1-1e-9) && v <= hi*(1+1e-9) }
	var ticks []plot.Tick
	for e := e0; e <= e1; e++ {
		d := math.Pow(10, float64(e))
		for m := 1; m <= 9; m++ {
			v := float64(m) * d
			if !in(v) {
				continue
			}
			t := plot.Tick{Value: v}
			switch {
			case m == 1 && mod(e, every) == 0:
				t.Label = Decade(e)
			case few && (m == 2 || m == 5):
				t.Label = shortNumber(v, max(0, -e))
			}
			if m == 1 || e1-e0 <= 6 || t.Label != "" {
				ticks = append(ticks, t)
			}
		}
	}
	return ticks
}

var superscripts = strings.NewReplacer("-", "⁻", "0", "⁰", "1", "¹", "2", "²", "3", "³",
	"4", "⁴", "5", "⁵", "6", "⁶", "7", "⁷", "8", "⁸", "9", "⁹")

// Decade returns the label of 10^e: "1", "10", or 10 with a superscript
// exponent (10⁻⁵, 10³).
func Decade(e int) string {
	switch e {
	case 0:
		return "1"
	case 1:
		return "10"
	}
	return "10" + superscripts.Replace(strconv.Itoa(e))
}

// ParseTickLabel reads a tick label written by NiceTicks or DecadeTicks (or
// any plain number) back as a number; ok is false if it is not one.
func ParseTickLabel(s string) (v float64, ok bool) {
	s = strings.TrimSpace(s)
	if rest, found := strings.CutPrefix(s, "10"); found && rest != "" && strings.ContainsAny(rest, "⁻⁰¹²³⁴⁵⁶⁷⁸⁹") {
		plain := strings.NewReplacer("⁻", "-", "⁰", "0", "¹", "1", "²", "2", "³", "3",
			"⁴", "4", "⁵", "5", "⁶", "6", "⁷", "7", "⁸", "8", "⁹", "9").Replace(rest)
		e, err := strconv.Atoi(plain)
		if err != nil {
			return 0, false
		}
		return math.Pow(10, float64(e)), true
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, "−", "-"), 64)
	return v, err == nil
}

// SignificantDigits counts the significant digits of a number written in
// decimal or exponent form ("0.000120" has 3, "9.999999999999999e-05" 16,
// "1200" 2).
func SignificantDigits(s string) int {
	if strings.ContainsAny(s, "⁻⁰¹²³⁴⁵⁶⁷⁸⁹") {
		return 1 // a decade label, 10ⁿ
	}
	s = strings.TrimLeft(s, "+-−")
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	hasDot := strings.Contains(s, ".")
	digits := strings.ReplaceAll(s, ".", "")
	digits = strings.TrimLeft(digits, "0")
	if !hasDot {
		digits = strings.TrimRight(digits, "0")
	}
	return len(digits)
}
