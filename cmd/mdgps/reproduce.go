package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mirrorgps/mirrorgps/mdgps"
	"github.com/mirrorgps/mirrorgps/viz"
)

// PaperTasks are the tasks of the paper's grid.
var PaperTasks = []string{"obstacle", "peg", "blindpeg"}

// gridRun is one run of the reproduction grid.
type gridRun struct {
	Index   int    // position in the grid order
	Variant string // the variant's key (mdgps.Variant.Key)
	Spec    runSpec
	Dir     string // relative to the output directory
}

// runDirName names a grid run's directory: TASK_VARIANT_seedS.
func runDirName(task, variant string, seed uint64) string {
	return fmt.Sprintf("%s_%s_seed%d", task, strings.ReplaceAll(variant, "/", "-"), seed)
}

// gridVariants are the grid's variants: the paper's five, then the
// trajectory-only baseline (on the obstacle task only: what the local
// optimiser alone reaches).
func gridVariants() []mdgps.Variant {
	return append(mdgps.PaperVariants(), mdgps.TrajOptVariant())
}

func gridVariantKeys() []string { return mdgps.VariantKeys(gridVariants()) }

// grid lists the runs in a fixed order: task, then variant (gridVariants, those
// in keys), then seed.
func grid(tasks []string, seeds []uint64, base runSpec, keys []string) []gridRun {
	var out []gridRun
	for _, t := range tasks {
		for _, v := range gridVariants() {
			if !contains(keys, v.Key()) || (v.Algorithm == mdgps.TrajOpt && t != "obstacle") {
				continue
			}
			for _, seed := range seeds {
				s := base.withVariant(v)
				s.Task, s.Seed = t, seed
				out = append(out, gridRun{Index: len(out), Variant: v.Key(), Spec: s,
					Dir: filepath.Join("runs", runDirName(t, v.Key(), seed))})
			}
		}
	}
	return out
}

// shard is a slice i of n of the grid: the runs whose index is i mod n.
type shard struct{ I, N int }

func parseShard(s string) (shard, error) {
	if s == "" {
		return shard{0, 1}, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return shard{}, usagef("--shard %q: want i/n with integers 0 ≤ i < n (e.g. 0/4 … 3/4)", s)
	}
	return shard{i, n}, nil
}

func (sh shard) owns(index int) bool { return index%sh.N == sh.I }

func parseList(flagName, s string, allowed []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if err := oneOf(flagName, f, allowed...); err != nil {
			return nil, err
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, usagef("--%s is empty; allowed values: %s", flagName, strings.Join(allowed, ", "))
	}
	return out, nil
}

func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	seen := map[uint64]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, usagef("--seeds: %q is not a non-negative integer (want e.g. 0,1,2)", f)
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, usagef("--seeds is empty (want e.g. 0,1,2)")
	}
	return out, nil
}

// badmmAvailable reports whether the driver accepts the BADMM algorithm.
func badmmAvailable() (bool, string) {
	cfg := mdgps.PaperObstacle()
	cfg.Algorithm = mdgps.BADMM
	if err := cfg.Validate(); err != nil {
		return false, err.Error()
	}
	return true, ""
}

// finished reports whether dir holds a run of spec with at least its
// iterations recorded (with its checkpoint, or without it after --prune).
func finished(dir string, s runSpec) bool {
	st, err := inspectDir(dir, s)
	if err != nil || st != dirHasRun {
		return false
	}
	h, err := viz.ReadIterations(dir)
	return err == nil && len(h) >= s.Iterations
}

func cmdReproduce(args []string, e env) error {
	fs := flag.NewFlagSet("reproduce", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	tasksFlag := fs.String("tasks", strings.Join(PaperTasks, ","), "comma-separated tasks: "+strings.Join(Tasks, ", "))
	seedsFlag := fs.String("seeds", "0,1,2", "comma-separated seeds")
	var base runSpec
	fs.IntVar(&base.Iterations, "iterations", 12, "MDGPS iterations per run")
	eraFlags(fs, &base)
	variantsFlag := fs.String("variants", strings.Join(gridVariantKeys(), ","), "comma-separated variants of the grid (trajopt runs on obstacle only)")
	fs.IntVar(&base.SStepIterations, "sstep-iterations", 0, "Adam steps per S-step (0 = the paper's 4000); for quick checks only")
	fs.IntVar(&base.Samples, "samples", 0, "rollouts per condition per iteration (0 = the paper's)")
	fs.IntVar(&base.Workers, "workers", 0, "goroutines per run (0 = all cores)")
	out := fs.String("out", "", "output directory (default data/paper/ERA)")
	shardFlag := fs.String("shard", "", "run only slice i of n of the grid (i/n, 0 ≤ i < n); no report is written")
	dry := fs.Bool("dry-run", false, "list the runs of this shard and their state, run nothing")
	reportOnly := fs.Bool("report-only", false, "run nothing; write the figures and success.md from the runs in --out as they are (finished or not)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	prune := fs.Bool("prune", false, "delete each finished run's checkpoint (tens of MB for the peg tasks); a pruned run still counts as finished but cannot be extended")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("reproduce: unexpected argument %q", fs.Arg(0))
	}
	tasks, err := parseList("tasks", *tasksFlag, Tasks)
	if err != nil {
		return err
	}
	seeds, err := parseSeeds(*seedsFlag)
	if err != nil {
		return err
	}
	sh, err := parseShard(*shardFlag)
	if err != nil {
		return err
	}
	base.Task = tasks[0]
	base = base.withVariant(mdgps.PaperVariants()[1])
	if err := base.validate(); err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join("data", "paper", string(mdgps.Era(base.Era).Or()))
	}

	badmm, why := badmmAvailable()
	notes := map[string]string{}
	if !badmm {
		notes["badmm"] = "not implemented"
	}
	if err := os.MkdirAll(filepath.Join(*out, "runs"), 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", *out, err)
	}
	if *reportOnly {
		return writeReport(e.stdout, *out, tasks, nil, reproduceCommand(args))
	}
	keys, err := parseList("variants", *variantsFlag, gridVariantKeys())
	if err != nil {
		return err
	}
	runs := grid(tasks, seeds, base, keys)
	var mine []gridRun
	for _, r := range runs {
		if sh.owns(r.Index) {
			mine = append(mine, r)
		}
	}
	fmt.Fprintf(e.stdout, "grid (%s era): %d tasks × %d variants × %d seeds = %d runs (trajopt on obstacle only); shard %d/%d has %d\n",
		mdgps.Era(base.Era).Or(), len(tasks), len(keys), len(seeds), len(runs), sh.I, sh.N, len(mine))
	if !badmm {
		fmt.Fprintf(e.stdout, "badmm: skipped, the driver does not accept it (%s)\n", why)
	}
	var failed []string
	start := time.Now()
	for k, r := range mine {
		dir := filepath.Join(*out, r.Dir)
		tag := fmt.Sprintf("[%d/%d] %-8s %-11s seed %d", k+1, len(mine), r.Spec.Task, r.Variant, r.Spec.Seed)
		switch {
		case r.Variant == "badmm" && !badmm:
			fmt.Fprintf(e.stdout, "%s  not implemented, skipped\n", tag)
			continue
		case finished(dir, r.Spec):
			fmt.Fprintf(e.stdout, "%s  finished, skipped\n", tag)
			if *prune && !*dry {
				if err := pruneCheckpoint(dir); err != nil {
					return err
				}
			}
			continue
		case *dry:
			fmt.Fprintf(e.stdout, "%s  to run in %s\n", tag, dir)
			continue
		}
		if _, err := inspectDir(dir, r.Spec); err != nil { // never write over another run
			fmt.Fprintf(e.stdout, "%s  FAILED: %v\n", tag, err)
			failed = append(failed, fmt.Sprintf("%s: %v", r.Dir, err))
			continue
		}
		t0 := time.Now()
		h, err := execute(e, r.Spec, dir, !*quiet, nil)
		if errors.Is(err, errInterrupted) {
			return err
		}
		if err != nil {
			fmt.Fprintf(e.stdout, "%s  FAILED: %v\n", tag, err)
			failed = append(failed, fmt.Sprintf("%s: %v", r.Dir, err))
			continue
		}
		if *prune {
			if err := pruneCheckpoint(dir); err != nil {
				return err
			}
		}
		last := h[len(h)-1]
		succ := ""
		if r.Spec.Task == "peg" || r.Spec.Task == "blindpeg" {
			succ = fmt.Sprintf(", success %.1f%%", 100*last.SuccessRate)
		}
		fmt.Fprintf(e.stdout, "%s  %d iterations, %s %.4g%s, %.0f s\n", tag, len(h),
			metricLabel(r.Spec.Task), last.DistanceMean, succ, time.Since(t0).Seconds())
	}
	if !*dry {
		fmt.Fprintf(e.stdout, "shard %d/%d done in %.0f s\n", sh.I, sh.N, time.Since(start).Seconds())
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d runs failed:\n  %s", len(failed), strings.Join(failed, "\n  "))
	}
	if *dry {
		return nil
	}
	if sh.N > 1 {
		fmt.Fprintf(e.stdout, "no report for a shard: gather the run directories into one --out and run `mdgps reproduce` without --shard (finished runs are skipped) or `mdgps table`\n")
		return nil
	}
	return writeReport(e.stdout, *out, tasks, notes, reproduceCommand(args))
}

func reproduceCommand(args []string) string {
	return strings.TrimSpace("mdgps reproduce " + strings.Join(args, " "))
}

// writeReport writes OUT/figures/TASK.{svg,html} and OUT/success.md from
// every run directory under OUT/runs.
func writeReport(log io.Writer, out string, tasks []string, notes map[string]string, command string) error {
	data, err := viz.LoadRuns(filepath.Join(out, "runs"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "figures"), 0o755); err != nil {
		return err
	}
	for _, task := range tasks {
		f := taskFigure(task, data)
		if len(f.Curves) == 0 {
			continue
		}
		svg := filepath.Join(out, "figures", task+".svg")
		if err := viz.SaveSVG(f, svg); err != nil {
			return fmt.Errorf("figure %s: %w", svg, err)
		}
		html := filepath.Join(out, "figures", task+".html")
		if err := os.WriteFile(html, []byte(viz.Page(f.Title, f.Chart())), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(log, "wrote %s and %s\n", svg, html)
	}
	md := reportMarkdown(data, tasks, notes, command)
	p := filepath.Join(out, "success.md")
	if err := os.WriteFile(p, []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(log, "wrote %s\n", p)
	return nil
}

// pruneCheckpoint deletes a finished run's checkpoint.
func pruneCheckpoint(dir string) error {
	err := os.Remove(filepath.Join(dir, checkpointFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--prune: %w", err)
	}
	return nil
}
