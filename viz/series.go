package viz

import (
	"fmt"
	"math"
	"sort"

	"github.com/mirrorgps/mirrorgps/mdgps"
)

// Field names a per-iteration quantity of mdgps.Iteration by its JSON name.
type Field string

// Fields of the Iteration record that figures plot.
const (
	CostLocal    Field = "cost_local_mean"
	CostGlobal   Field = "cost_global_mean"
	CostGlobalMC Field = "cost_global_mc_mean"
	Distance     Field = "distance_mean"
	SuccessRate  Field = "success_rate"
	KLMean       Field = "kl_mean"
	EpsilonMean  Field = "epsilon_mean"
	EtaMean      Field = "eta_mean"
	BoundMean    Field = "bound_mean"
	SStepKL      Field = "sstep_kl_mean"
	WallSeconds  Field = "wall_seconds"
)

// Fields lists every Field in a fixed order.
var Fields = []Field{CostLocal, CostGlobal, CostGlobalMC, Distance, SuccessRate,
	KLMean, EpsilonMean, EtaMean, BoundMean, SStepKL, WallSeconds}

// Valid reports whether f names a known field.
func (f Field) Valid() bool {
	for _, g := range Fields {
		if f == g {
			return true
		}
	}
	return false
}

// Value returns the field of it; it panics for an unknown field.
func (f Field) Value(it mdgps.Iteration) float64 {
	switch f {
	case CostLocal:
		return it.CostLocalMean
	case CostGlobal:
		return it.CostGlobalMean
	case CostGlobalMC:
		return it.CostGlobalMCMean
	case Distance:
		return it.DistanceMean
	case SuccessRate:
		return it.SuccessRate
	case KLMean:
		return it.KLMean
	case EpsilonMean:
		return it.EpsilonMean
	case EtaMean:
		return it.EtaMean
	case BoundMean:
		return it.BoundMean
	case SStepKL:
		return it.SStepKLMean
	case WallSeconds:
		return it.WallSeconds
	}
	panic(fmt.Sprintf("viz: unknown field %q", string(f)))
}

// Label is a human-readable axis label.
func (f Field) Label() string {
	switch f {
	case CostLocal:
		return "cost of the training samples"
	case CostGlobal:
		return "global policy cost"
	case CostGlobalMC:
		return "global policy cost (noisy rollouts)"
	case Distance:
		return "distance"
	case SuccessRate:
		return "success rate"
	case KLMean:
		return "KL per step"
	case EpsilonMean:
		return "ε per step"
	case EtaMean:
		return "η"
	case BoundMean:
		return "Lemma 2 bound"
	case SStepKL:
		return "S-step KL per step"
	case WallSeconds:
		return "seconds"
	}
	return string(f)
}

// Variant returns the grid name of the run an Iteration belongs to: "badmm",
// "trajopt", or "<sampling>/<step>" for MDGPS (e.g. "off/classic"); see
// mdgps.Variant.Key.
func Variant(it mdgps.Iteration) string { return it.Variant().Key() }

// Group is a set of runs of one variant (one history per seed).
type Group struct {
	Name string
	Runs [][]mdgps.Iteration
}

// MeanStd returns, for every iteration number present in any run, the mean
// and the population standard deviation of f over the runs that reached it.
// Iterations are sorted; n holds the number of runs averaged.
func MeanStd(runs [][]mdgps.Iteration, f Field) (iters, mean, std []float64, n []int) {
	vals := map[int][]float64{}
	for _, h := range runs {
		for _, it := range h {
			vals[it.Iteration] = append(vals[it.Iteration], f.Value(it))
		}
	}
	keys := make([]int, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		v := vals[k]
		m, s := meanStd(v)
		iters = append(iters, float64(k))
		mean = append(mean, m)
		std = append(std, s)
		n = append(n, len(v))
	}
	return iters, mean, std, n
}

func meanStd(v []float64) (m, s float64) {
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return m, math.Sqrt(s / float64(len(v)))
}

// IterationCurves is the paper's Figure 3 shape: f against iteration, mean
// ± std over seeds, one curve per group. scale multiplies every value (e.g.
// 100 for a success rate in percent; 0 means 1).
func IterationCurves(title string, f Field, scale float64, groups []Group) *Lines {
	if scale == 0 {
		scale = 1
	}
	fig := &Lines{Title: title, XLabel: "iteration", YLabel: f.Label()}
	for _, g := range groups {
		x, m, s, _ := MeanStd(g.Runs, f)
		for i := range m {
			m[i] *= scale
			s[i] *= scale
		}
		fig.Curves = append(fig.Curves, Curve{Name: g.Name, X: x, Y: m, Std: s})
	}
	return fig
}

// condTrace builds one curve per condition of get(cond) against iteration.
func condTrace(h []mdgps.Iteration, get func(mdgps.Cond) float64) []Curve {
	m := 0
	for _, it := range h {
		m = max(m, len(it.Conditions))
	}
	out := make([]Curve, m)
	for c := range out {
		out[c].Name = fmt.Sprintf("condition %d", c)
		for _, it := range h {
			y := math.NaN()
			if c < len(it.Conditions) {
				y = get(it.Conditions[c])
			}
			out[c].X = append(out[c].X, float64(it.Iteration))
			out[c].Y = append(out[c].Y, y)
		}
	}
	return out
}

// EtaTraces plots each condition's η (the C-step's dual variable) against
// iteration, on a log axis.
func EtaTraces(h []mdgps.Iteration) *Lines {
	return &Lines{Title: "η per condition", XLabel: "iteration", YLabel: "η", LogY: true,
		Curves: condTrace(h, func(c mdgps.Cond) float64 { return c.Eta })}
}

// EpsilonTraces plots each condition's per-step KL budget ε (dashed) and the
// KL the C-step realised, per step (solid, the same colour), against
// iteration, on a log axis.
func EpsilonTraces(h []mdgps.Iteration) *Lines {
	eps := condTrace(h, func(c mdgps.Cond) float64 { return c.Epsilon })
	kl := condTrace(h, func(c mdgps.Cond) float64 {
		if len(c.KLPerT) == 0 {
			return math.NaN()
		}
		return c.KL / float64(len(c.KLPerT))
	})
	f := &Lines{Title: "step size ε and realised KL per step", XLabel: "iteration", YLabel: "KL per step", LogY: true}
	for i := range eps {
		eps[i].Name = fmt.Sprintf("ε, condition %d", i)
		eps[i].Dashed = true
		eps[i].Color, kl[i].Color = Colour(i), Colour(i)
		kl[i].Name = fmt.Sprintf("KL, condition %d", i)
		f.Curves = append(f.Curves, eps[i], kl[i])
	}
	return f
}

// BoundVsCost plots Lemma 2's empirical bound on the global policy's
// expected total cost against that cost as measured (the Monte-Carlo cost of
// the noisy global-policy rollouts, and the noiseless rollout's cost), mean
// over conditions, against iteration.
func BoundVsCost(h []mdgps.Iteration) *Lines {
	f := &Lines{Title: "Lemma 2 bound vs actual global cost", XLabel: "iteration", YLabel: "total cost"}
	var x, b, mc, g []float64
	for _, it := range h {
		x = append(x, float64(it.Iteration))
		b = append(b, it.BoundMean)
		mc = append(mc, it.CostGlobalMCMean)
		g = append(g, it.CostGlobalMean)
	}
	f.Curves = []Curve{
		{Name: "bound", X: x, Y: b, Dashed: true},
		{Name: "global cost (noisy rollouts)", X: x, Y: mc},
		{Name: "global cost (noiseless)", X: x, Y: g},
	}
	return f
}
