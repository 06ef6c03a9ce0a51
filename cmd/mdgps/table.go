package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/mirrorgps/mirrorgps/mdgps"
	"github.com/mirrorgps/mirrorgps/viz"
)

func cmdTable(args []string, e env) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asCSV := fs.Bool("csv", false, "print one merged CSV (task, variant, iteration: seeds, distance mean/std, success %, paper success %, global cost)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("table: give one or more run directories (or directories holding them)")
	}
	runs, err := viz.LoadRuns(fs.Args()...)
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		return fmt.Errorf("table: %w under %v", errNoRuns, fs.Args())
	}
	if *asCSV {
		_, err := fmt.Fprint(e.stdout, longCSV(runs))
		return err
	}
	var tasks []string
	for _, r := range runs {
		if !contains(tasks, r.Task) {
			tasks = append(tasks, r.Task)
		}
	}
	sort.Slice(tasks, func(i, j int) bool { return taskOrder(tasks[i]) < taskOrder(tasks[j]) })
	if st := successTasks(tasks); len(st) > 0 {
		fmt.Fprintln(e.stdout, "Success rate (%) at iterations 3/6/9/12, ours [paper]:")
		fmt.Fprintln(e.stdout)
		fmt.Fprintln(e.stdout, viz.BuildSuccessTable(runs, st, viz.GridVariants, viz.TableIterations, nil).Markdown())
	}
	fmt.Fprintln(e.stdout, "Task metric (distance_mean) at iterations 3/6/9/12, mean ± std over seeds:")
	fmt.Fprintln(e.stdout)
	fmt.Fprintln(e.stdout, viz.MetricTable(runs, tasks, viz.TableIterations).Markdown())
	fmt.Fprintln(e.stdout, "Summary at the last iteration every seed reached:")
	fmt.Fprintln(e.stdout)
	fmt.Fprint(e.stdout, viz.SummaryTable(viz.Summarize(runs)).Markdown())
	return nil
}

func taskOrder(t string) int {
	for i, x := range Tasks {
		if x == t {
			return i
		}
	}
	return len(Tasks)
}

// Run-directory hygiene (issue 13): what counts as an empty directory, the
// temporary files of interrupted writes, and a hand-edited config.json.

// leftover reports whether a file of a run directory is a lock or the
// temporary file of an interrupted write (never a run's content).
func leftover(name string) bool {
	return name == checkpointFile+".lock" || strings.HasPrefix(name, checkpointFile+".tmp") ||
		strings.HasPrefix(name, "."+configFile+".tmp") || strings.HasPrefix(name, "."+iterationsFile+".tmp")
}

// onlyLeftovers reports whether a directory holds nothing but leftovers.
func onlyLeftovers(entries []os.DirEntry) bool {
	for _, e := range entries {
		if !leftover(e.Name()) {
			return false
		}
	}
	return true
}

// removeTemps deletes the temporary files of interrupted writes of config.json
// and iterations.jsonl; the caller holds the run's lock (mdgps.Open removes the
// checkpoint's own).
func removeTemps(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if n := e.Name(); leftover(n) && n != checkpointFile+".lock" {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// syncDir fsyncs a directory so that a rename in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// checkConfigSection refuses to resume when the "config" section of
// dir/config.json differs from the run's configuration cfg (built from the
// flags and checked by mdgps.Open against the checkpoint, which stays the
// truth): an edit there would otherwise be ignored without a word. It names the
// first differing field. Iterations and Workers may differ (a resume may change
// them); fields the file does not have (written before they existed) are not
// compared.
func checkConfigSection(dir string, cfg mdgps.Config) error {
	path := filepath.Join(dir, configFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil // inspectDir has reported a missing or unreadable file
	}
	var file struct {
		Config map[string]any `json:"config"`
	}
	if err := json.Unmarshal(b, &file); err != nil || file.Config == nil {
		return nil
	}
	wb, err := json.Marshal(cfg)
	if err != nil {
		return nil
	}
	var want map[string]any
	if err := json.Unmarshal(wb, &want); err != nil {
		return nil
	}
	delete(file.Config, "Iterations")
	delete(file.Config, "Workers")
	if e, ok := file.Config["Era"]; ok && e == "" {
		file.Config["Era"] = string(mdgps.CurrentEra) // written before eras existed
	}
	if d := jsonDiff("config", file.Config, want); d != "" {
		return fmt.Errorf("%s was edited: %s; the run's configuration is the checkpoint's and cannot change on --resume (only --iterations and --workers may) — restore the file, or start a new run in another directory", path, d)
	}
	return nil
}

// jsonDiff names the first value of got that differs from want ("" if none);
// keys absent from want or got are skipped.
func jsonDiff(path string, got, want any) string {
	switch g := got.(type) {
	case map[string]any:
		w, ok := want.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(g))
		for k := range g {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			wv, ok := w[k]
			if !ok {
				continue
			}
			if d := jsonDiff(path+"."+k, g[k], wv); d != "" {
				return d
			}
		}
		return ""
	case []any:
		w, ok := want.([]any)
		if !ok || len(w) != len(g) {
			break
		}
		for i := range g {
			if d := jsonDiff(fmt.Sprintf("%s[%d]", path, i), g[i], w[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if got == nil && want != nil {
		if w, ok := want.([]any); ok && len(w) == 0 {
			return "" // null and [] alike
		}
	}
	if want == nil {
		if g, ok := got.([]any); ok && len(g) == 0 {
			return ""
		}
	}
	if !reflect.DeepEqual(got, want) {
		gb, _ := json.Marshal(got)
		wbs, _ := json.Marshal(want)
		return fmt.Sprintf("%s is %s there but %s in the run", path, gb, wbs)
	}
	return ""
}
