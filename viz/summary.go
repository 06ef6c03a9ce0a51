package viz

import (
	"fmt"
	"math"
)

// MeanStdOf returns the mean and the population standard deviation of v
// (NaN, NaN for no values).
func MeanStdOf(v []float64) (mean, std float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	return meanStd(v)
}

// GroupSummary is one group's state after its runs' last iterations.
type GroupSummary struct {
	Name                    string
	Runs                    int
	Distance, DistanceStd   float64 // final distance_mean, mean ± std over runs
	CostGlobal, CostStd     float64 // final cost_global_mean, mean ± std over runs
	CostRises, Transitions  int     // iterations whose global cost rose over the one before, of all transitions
	LastIteration, MinIters int     // largest and smallest last iteration over runs
}

// SummarizeGroups summarises each group's runs at their last iteration:
// distance and global-policy cost (mean ± std over runs) and how often the
// global cost rose from one iteration to the next (mirror descent's cost
// would never rise; MDGPS's may, §4.1 of the paper).
func SummarizeGroups(groups []Group) []GroupSummary {
	var out []GroupSummary
	for _, g := range groups {
		s := GroupSummary{Name: g.Name, Runs: len(g.Runs), MinIters: math.MaxInt}
		var dist, cost []float64
		for _, h := range g.Runs {
			if len(h) == 0 {
				continue
			}
			last := h[len(h)-1]
			dist = append(dist, last.DistanceMean)
			cost = append(cost, last.CostGlobalMean)
			s.LastIteration = max(s.LastIteration, last.Iteration)
			s.MinIters = min(s.MinIters, last.Iteration)
			for k := 1; k < len(h); k++ {
				s.Transitions++
				if h[k].CostGlobalMean > h[k-1].CostGlobalMean {
					s.CostRises++
				}
			}
		}
		if s.MinIters == math.MaxInt {
			s.MinIters = 0
		}
		s.Distance, s.DistanceStd = MeanStdOf(dist)
		s.CostGlobal, s.CostStd = MeanStdOf(cost)
		out = append(out, s)
	}
	return out
}

// GroupSummaryTable renders group summaries: final distance and global cost
// (mean ± std over runs) and the cost rises.
func GroupSummaryTable(rows []GroupSummary) *Table {
	t := &Table{Header: []string{"group", "runs", "final distance", "global cost", "cost rises"}}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{r.Name, fmt.Sprint(r.Runs),
			fmt.Sprintf("%.3f ± %.3f", r.Distance, r.DistanceStd),
			fmt.Sprintf("%.1f ± %.1f", r.CostGlobal, r.CostStd),
			fmt.Sprintf("%d of %d", r.CostRises, r.Transitions)})
	}
	return t
}
