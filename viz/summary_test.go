package viz

import (
	"math"
	"testing"

	"github.com/mirrorgps/mirrorgps/mdgps"
)

func TestSummarizeGroups(t *testing.T) {
	// Costs are 10 × distance (history); run 0 rises once (1 → 3), run 1 never.
	g := []Group{{Name: "classic", Runs: [][]mdgps.Iteration{
		history("obstacle", "off", "classic", 0, []float64{1, 3, 2}, []float64{0, 0, 0}),
		history("obstacle", "off", "classic", 1, []float64{4, 3, 2, 1}, []float64{0, 0, 0, 0}),
	}}, {Name: "empty"}}
	s := SummarizeGroups(g)
	if len(s) != 2 {
		t.Fatalf("%d summaries", len(s))
	}
	c := s[0]
	// Final distances 2 and 1: mean 1.5, population std 0.5.
	if c.Distance != 1.5 || c.DistanceStd != 0.5 || c.CostGlobal != 15 || c.CostStd != 5 {
		t.Errorf("distance %v ± %v, cost %v ± %v; want 1.5 ± 0.5, 15 ± 5", c.Distance, c.DistanceStd, c.CostGlobal, c.CostStd)
	}
	if c.CostRises != 1 || c.Transitions != 5 || c.LastIteration != 4 || c.MinIters != 3 || c.Runs != 2 {
		t.Errorf("rises %d of %d, iterations %d..%d, runs %d; want 1 of 5, 3..4, 2", c.CostRises, c.Transitions, c.MinIters, c.LastIteration, c.Runs)
	}
	if !math.IsNaN(s[1].Distance) || s[1].Transitions != 0 {
		t.Errorf("empty group: %+v", s[1])
	}
	tab := GroupSummaryTable(s)
	if got := tab.Rows[0]; got[2] != "1.500 ± 0.500" || got[4] != "1 of 5" {
		t.Errorf("table row %v", got)
	}
}
