package viz

import "github.com/mirrorgps/mirrorgps/mdgps"

// GridVariants are the keys of the paper's five algorithm variants
// (mdgps.PaperVariants), in Table 1's column order: BADMM, then MDGPS
// off-/on-policy with the classic or global step.
var GridVariants = mdgps.VariantKeys(mdgps.PaperVariants())

// TableIterations are the iterations Table 1 reports.
var TableIterations = []int{3, 6, 9, 12}

// paperTable1 holds Table 1 of Montgomery & Levine (2016) in percent
// (shared/reference/paper-notes.md), per task and variant, at iterations
// 3, 6, 9, 12. 70.73 is printed as is (with 27 rollouts per cell it is likely
// a misprint of 70.37 = 19/27).
var paperTable1 = map[string]map[string][4]float64{
	"peg": {
		"badmm":       {0, 51.85, 51.85, 77.78},
		"off/classic": {0, 62.96, 77.78, 70.73},
		"off/global":  {0, 22.22, 74.07, 92.59},
		"on/classic":  {0, 48.15, 77.78, 92.59},
		"on/global":   {0, 33.33, 81.48, 85.19},
	},
	"blindpeg": {
		"badmm":       {0, 50.00, 58.33, 75.00},
		"off/classic": {0, 58.33, 75.00, 83.33},
		"off/global":  {0, 25.00, 50.00, 91.67},
		"on/classic":  {0, 33.33, 58.33, 58.33},
		"on/global":   {0, 25.00, 33.33, 58.33},
	},
}

// PaperSuccess returns the paper's Table 1 success rate (percent) for a task
// ("peg", "blindpeg"), variant (see GridVariants) and iteration (3, 6, 9 or
// 12).
func PaperSuccess(task, variant string, iteration int) (float64, bool) {
	v, ok := paperTable1[task][variant]
	if !ok || iteration%3 != 0 || iteration < 3 || iteration > 12 {
		return 0, false
	}
	return v[iteration/3-1], true
}

// TaskTitle is the display name of a task.
func TaskTitle(task string) string {
	switch task {
	case "obstacle":
		return "Obstacle"
	case "peg":
		return "Peg"
	case "blindpeg":
		return "Blind peg"
	case "linear":
		return "Linear"
	}
	return task
}
