package viz

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/mirrorgps/mirrorgps/mdgps"
)

// Table is a plain table of strings rendered as markdown, HTML or CSV.
type Table struct {
	Header []string
	Rows   [][]string
}

// Markdown renders t as a GitHub-flavoured markdown table.
func (t *Table) Markdown() string {
	var b strings.Builder
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + esc(c) + " |")
		}
		b.WriteString("\n")
	}
	row(t.Header)
	sep := make([]string, len(t.Header))
	for i := range sep {
		sep[i] = "---"
	}
	row(sep)
	for _, r := range t.Rows {
		row(r)
	}
	return b.String()
}

// HTML renders t as an HTML <table>.
func (t *Table) HTML() string {
	var b strings.Builder
	b.WriteString("<table>\n<thead><tr>")
	for _, h := range t.Header {
		b.WriteString("<th>" + htmlEscape(h) + "</th>")
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range t.Rows {
		b.WriteString("<tr>")
		for _, c := range r {
			b.WriteString("<td>" + htmlEscape(c) + "</td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
	return b.String()
}

// CSV renders t as CSV (RFC 4180).
func (t *Table) CSV() string {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(t.Header)
	for _, r := range t.Rows {
		_ = w.Write(r)
	}
	w.Flush()
	return buf.String()
}

// RunData is one run's history with the grid coordinates it belongs to.
type RunData struct {
	Task    string
	Variant string // see Variant
	Seed    uint64
	History []mdgps.Iteration
}

// NewRunData labels a history by its own records (task, variant and seed of
// the first record); it returns false for an empty history.
func NewRunData(h []mdgps.Iteration) (RunData, bool) {
	if len(h) == 0 {
		return RunData{}, false
	}
	return RunData{Task: h[0].Task, Variant: Variant(h[0]), Seed: h[0].Seed, History: h}, true
}

// SuccessCell is one entry of the success table.
type SuccessCell struct {
	Ours  float64 // success in percent, mean over Runs seeds (NaN: no run reached this iteration)
	Runs  int     // seeds averaged
	Paper float64 // the paper's number in percent (NaN: none)
	Note  string  // shown instead of Ours when set (e.g. "not implemented")
}

// SuccessRow is one task at one iteration.
type SuccessRow struct {
	Task      string
	Iteration int
	Cells     []SuccessCell // one per variant
}

// SuccessTable is Table 1 of the paper: success rate (percent of conditions
// × seeds whose noiseless global-policy rollout succeeds) per task, iteration
// and variant, with the paper's numbers beside ours.
type SuccessTable struct {
	Variants []string
	Rows     []SuccessRow
}

// BuildSuccessTable averages the success rate of runs per (task, variant,
// iteration). notes marks variants that could not run (variant → note, e.g.
// "badmm" → "not implemented"); their cells carry the note and no number.
func BuildSuccessTable(runs []RunData, tasks, variants []string, iterations []int, notes map[string]string) *SuccessTable {
	st := &SuccessTable{Variants: variants}
	for _, task := range tasks {
		for _, k := range iterations {
			row := SuccessRow{Task: task, Iteration: k}
			for _, v := range variants {
				cell := SuccessCell{Ours: math.NaN(), Paper: math.NaN(), Note: notes[v]}
				if p, ok := PaperSuccess(task, v, k); ok {
					cell.Paper = p
				}
				sum := 0.0
				for _, r := range runs {
					if r.Task != task || r.Variant != v {
						continue
					}
					for _, it := range r.History {
						if it.Iteration == k {
							sum += 100 * it.SuccessRate
							cell.Runs++
						}
					}
				}
				if cell.Runs > 0 {
					cell.Ours = sum / float64(cell.Runs)
				}
				row.Cells = append(row.Cells, cell)
			}
			st.Rows = append(st.Rows, row)
		}
	}
	return st
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

// Table renders the success table: one row per task and iteration, one
// column per variant holding "ours (paper P)", with the number of seeds when
// fewer than three.
func (st *SuccessTable) Table() *Table {
	t := &Table{Header: append([]string{"task", "iteration"}, st.Variants...)}
	for _, r := range st.Rows {
		row := []string{TaskTitle(r.Task), fmt.Sprint(r.Iteration)}
		for _, c := range r.Cells {
			s := pct(c.Ours)
			switch {
			case c.Note != "" && c.Runs == 0:
				s = c.Note
			case c.Runs > 0 && c.Runs < 3:
				s += fmt.Sprintf(" (%d seed", c.Runs)
				if c.Runs > 1 {
					s += "s"
				}
				s += ")"
			}
			if !math.IsNaN(c.Paper) {
				s += " [paper " + pct(c.Paper) + "]"
			}
			row = append(row, s)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// CSV renders the success table in long form: task, iteration, variant,
// ours, runs, paper, note.
func (st *SuccessTable) CSV() string {
	t := &Table{Header: []string{"task", "iteration", "variant", "success_percent", "runs", "paper_percent", "note"}}
	num := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return fmt.Sprintf("%.4f", v)
	}
	for _, r := range st.Rows {
		for i, c := range r.Cells {
			t.Rows = append(t.Rows, []string{r.Task, fmt.Sprint(r.Iteration), st.Variants[i],
				num(c.Ours), fmt.Sprint(c.Runs), num(c.Paper), c.Note})
		}
	}
	return t.CSV()
}

// HTML renders the success table as an HTML table.
func (st *SuccessTable) HTML() string { return st.Table().HTML() }

// Markdown renders the success table as markdown.
func (st *SuccessTable) Markdown() string { return st.Table().Markdown() }

// SummaryRow is the distance summary of one (task, variant): the task metric
// (distance_mean) at the last iteration every run reached.
type SummaryRow struct {
	Task, Variant string
	Seeds         []uint64
	Iteration     int     // last iteration reached by every run
	Distance      float64 // mean over seeds of distance_mean at Iteration
	DistanceStd   float64
	Success       float64 // mean success in percent at Iteration
	CostGlobal    float64 // mean cost_global_mean at Iteration
	WallSeconds   float64 // total wall time of all runs
}

// Summarize groups runs by (task, variant), sorted by task then variant.
func Summarize(runs []RunData) []SummaryRow {
	type key struct{ t, v string }
	groups := map[key][]RunData{}
	var keys []key
	for _, r := range runs {
		k := key{r.Task, r.Variant}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].t != keys[j].t {
			return keys[i].t < keys[j].t
		}
		return keys[i].v < keys[j].v
	})
	var out []SummaryRow
	for _, k := range keys {
		g := groups[k]
		row := SummaryRow{Task: k.t, Variant: k.v, Iteration: math.MaxInt}
		for _, r := range g {
			row.Seeds = append(row.Seeds, r.Seed)
			last := 0
			for _, it := range r.History {
				last = max(last, it.Iteration)
				row.WallSeconds += it.WallSeconds
			}
			row.Iteration = min(row.Iteration, last)
		}
		sort.Slice(row.Seeds, func(i, j int) bool { return row.Seeds[i] < row.Seeds[j] })
		var d, s, c []float64
		for _, r := range g {
			for _, it := range r.History {
				if it.Iteration == row.Iteration {
					d = append(d, it.DistanceMean)
					s = append(s, 100*it.SuccessRate)
					c = append(c, it.CostGlobalMean)
				}
			}
		}
		if len(d) > 0 {
			row.Distance, row.DistanceStd = meanStd(d)
			row.Success, _ = meanStd(s)
			row.CostGlobal, _ = meanStd(c)
		}
		out = append(out, row)
	}
	return out
}

// SummaryTable renders summary rows.
func SummaryTable(rows []SummaryRow) *Table {
	t := &Table{Header: []string{"task", "variant", "seeds", "iteration", "distance (mean ± std)", "success %", "global cost", "wall s"}}
	for _, r := range rows {
		seeds := make([]string, len(r.Seeds))
		for i, s := range r.Seeds {
			seeds[i] = fmt.Sprint(s)
		}
		t.Rows = append(t.Rows, []string{r.Task, r.Variant, strings.Join(seeds, ","), fmt.Sprint(r.Iteration),
			fmt.Sprintf("%.4g ± %.2g", r.Distance, r.DistanceStd), fmt.Sprintf("%.2f", r.Success),
			fmt.Sprintf("%.5g", r.CostGlobal), fmt.Sprintf("%.1f", r.WallSeconds)})
	}
	return t
}
