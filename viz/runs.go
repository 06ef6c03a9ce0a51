package viz

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/mirrorgps/mirrorgps/mdgps"
)

// IterationsFile is the name of a run directory's record file (written by
// cmd/mdgps): one mdgps.Iteration per line, as JSON.
const IterationsFile = "iterations.jsonl"

// ReadIterations reads the records of one run directory (its
// iterations.jsonl). The records must be iterations 1, 2, 3, … in order: a
// duplicate, a number below 1 or a gap is an error naming the file and line.
func ReadIterations(dir string) ([]mdgps.Iteration, error) {
	path := filepath.Join(dir, IterationsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var h []mdgps.Iteration
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var it mdgps.Iteration
		if err := json.Unmarshal(line, &it); err != nil {
			return nil, fmt.Errorf("viz: %s line %d: %v", path, n, err)
		}
		if want := len(h) + 1; it.Iteration != want {
			what := "out of order"
			switch {
			case it.Iteration < 1:
				what = "not a positive number"
			case it.Iteration < want:
				what = "a duplicate"
			case it.Iteration > want:
				what = fmt.Sprintf("a gap after iteration %d", want-1)
			}
			return nil, fmt.Errorf("viz: %s line %d: iteration %d is %s; want %d (records are iterations 1, 2, 3, … in order)", path, n, it.Iteration, what, want)
		}
		h = append(h, it)
	}
	return h, sc.Err()
}

// LoadRuns reads every run directory (a directory holding iterations.jsonl)
// at or below the given paths, in lexical order of the directories, and
// labels each by its records (NewRunData). Empty histories are left out.
// LoadRuns("data/paper/current/runs") reads the current era's reproduction grid.
func LoadRuns(paths ...string) ([]RunData, error) {
	var dirs []string
	seen := map[string]bool{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("viz: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("viz: %s is not a directory", p)
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && d.Name() == IterationsFile {
				if dir := filepath.Dir(path); !seen[dir] {
					seen[dir] = true
					dirs = append(dirs, dir)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("viz: %w", err)
		}
	}
	sort.Strings(dirs)
	var out []RunData
	for _, d := range dirs {
		h, err := ReadIterations(d)
		if err != nil {
			return nil, err
		}
		if r, ok := NewRunData(h); ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// Groups collects the runs of one task by variant: the grid's variants in
// GridVariants order first, then any other variant alphabetically.
func Groups(task string, runs []RunData) []Group {
	by := map[string][][]mdgps.Iteration{}
	for _, r := range runs {
		if r.Task == task {
			by[r.Variant] = append(by[r.Variant], r.History)
		}
	}
	var order []string
	for _, v := range GridVariants {
		if _, ok := by[v]; ok {
			order = append(order, v)
		}
	}
	var rest []string
	for v := range by {
		if !contains(GridVariants, v) {
			rest = append(rest, v)
		}
	}
	sort.Strings(rest)
	var out []Group
	for _, v := range append(order, rest...) {
		out = append(out, Group{Name: v, Runs: by[v]})
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// PaperFigure is the paper's Figure 3 panel for a task: its distance
// (distance_mean) against iteration, mean ± std over seeds, one curve per
// variant. The driver records the paper's distance: for obstacle the final
// distance to the target, for the peg tasks the final peg-bottom height above
// the hole bottom (z − holeZ), drawn with the success height successZ − holeZ as
// a reference line, as the paper does; for linear the final ‖x‖. Pass peg.HoleZ
// and peg.SuccessZ (viz does not import envs/peg, so it never links MuJoCo); they
// are unused for the other tasks.
func PaperFigure(task string, runs []RunData, holeZ, successZ float64) *Lines {
	f := IterationCurves(TaskTitle(task), Distance, 1, Groups(task, runs))
	for i := range f.Curves {
		if f.Curves[i].Name == string(mdgps.TrajOpt) {
			// The trajectory-only baseline: what the local optimiser alone
			// reaches, drawn dashed behind the variants.
			f.Curves[i].Dashed = true
		}
	}
	switch task {
	case "obstacle":
		f.YLabel = "distance to target (m)"
	case "peg", "blindpeg":
		f.YLabel = "peg height above hole bottom (m)"
		f.HLines = []HLine{{Name: "success line", Y: successZ - holeZ}}
	case "linear":
		f.YLabel = "final distance ‖x‖ of the global policy"
	}
	return f
}

// MetricTable gives, per task and variant, the task metric (distance_mean;
// mean ± std over seeds) at the given iterations. A count in parentheses
// says how many seeds reached an iteration when fewer than all did.
func MetricTable(runs []RunData, tasks []string, iterations []int) *Table {
	t := &Table{Header: []string{"task", "variant", "seeds"}}
	for _, k := range iterations {
		t.Header = append(t.Header, fmt.Sprintf("it %d", k))
	}
	for _, task := range tasks {
		for _, g := range Groups(task, runs) {
			x, m, s, n := MeanStd(g.Runs, Distance)
			row := []string{TaskTitle(task), g.Name, fmt.Sprint(len(g.Runs))}
			for _, k := range iterations {
				cell := "–"
				for i := range x {
					if int(x[i]) == k {
						cell = fmt.Sprintf("%.3f ± %.3f", m[i], s[i])
						if n[i] < len(g.Runs) {
							cell += fmt.Sprintf(" (%d)", n[i])
						}
					}
				}
				row = append(row, cell)
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}
