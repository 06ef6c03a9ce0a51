package main

import (
	"flag"
	"fmt"
	"sort"

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
