package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mirrorgps/mirrorgps/envs/linear"
	"github.com/mirrorgps/mirrorgps/mdgps"
	"github.com/mirrorgps/mirrorgps/viz"
)

// cli runs the command in-process and returns its exit status and output.
func cli(t *testing.T, interrupt chan os.Signal, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = realMain(args, env{stdout: &o, stderr: &e, interrupt: interrupt})
	return code, o.String(), e.String()
}

// tiny are the settings of the quick runs: the obstacle task with a short
// S-step (the paper's is 4000 Adam steps), a few seconds each.
var tiny = []string{"--task", "obstacle", "--sstep-iterations", "50", "--quiet"}

func args(extra ...string) []string { return append(append([]string{"run"}, tiny...), extra...) }

func TestUsageErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	for _, tc := range []struct {
		args []string
		want string // in stderr
	}{
		{nil, "usage:"},
		{[]string{"fly"}, `unknown command "fly"; allowed: run, reproduce, table, describe`},
		{[]string{"run", "--task", "maze", "--out", "x"}, `--task "maze": allowed values are obstacle, peg, blindpeg, linear`},
		{[]string{"run", "--out", "x"}, "--task is required; allowed: obstacle, peg, blindpeg, linear"},
		{[]string{"run", "--task", "obstacle"}, "--out DIR is required"},
		{[]string{"run", "--task", "obstacle", "--out", "x", "--algorithm", "ppo"}, `--algorithm "ppo": allowed values are mdgps, badmm, trajopt`},
		{[]string{"run", "--task", "obstacle", "--out", "x", "--sampling", "both"}, `--sampling "both": allowed values are off, on`},
		{[]string{"run", "--task", "obstacle", "--out", "x", "--step", "big"}, `--step "big": allowed values are classic, global, fixed, laplace, mc`},
		{[]string{"run", "--task", "obstacle", "--out", "x", "--iterations", "0"}, "--iterations 0: must be ≥ 1"},
		{[]string{"run", "--task", "obstacle", "--out", "x", "--samples", "1"}, "--samples 1: must be ≥ 2"},
		{[]string{"run", "--task", "obstacle", "--out", "x", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"run", "--task", "obstacle", "--out", "x", "extra"}, `unexpected argument "extra"`},
		{[]string{"reproduce", "--shard", "3/3"}, `--shard "3/3": want i/n with integers 0 ≤ i < n`},
		{[]string{"reproduce", "--shard", "a"}, `--shard "a"`},
		{[]string{"reproduce", "--tasks", "peg,maze"}, `--tasks "maze": allowed values are obstacle, peg, blindpeg, linear`},
		{[]string{"reproduce", "--seeds", "0,x"}, `--seeds: "x" is not a non-negative integer`},
		{[]string{"table"}, "give one or more run directories"},
		{[]string{"describe", "--task", "cartpole"}, `--task "cartpole": allowed values are`},
	} {
		code, _, stderr := cli(t, nil, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("mdgps %v: status %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

func readRecords(t *testing.T, dir string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, iterationsFile))
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestRunShort(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := cli(t, nil, args("--iterations", "2", "--seed", "3", "--out", dir)...)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "global cost") || !strings.Contains(lines[0], "distance") ||
		!strings.HasPrefix(strings.TrimSpace(lines[2]), "2 ") {
		t.Errorf("table:\n%s", stdout)
	}
	recs := readRecords(t, dir)
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	for _, k := range []string{"iteration", "task", "algorithm", "sampling", "step", "seed", "cost_local_mean",
		"cost_global_mean", "distance_mean", "success_rate", "kl_mean", "epsilon_mean", "eta_mean", "bound_mean", "wall_seconds"} {
		if _, ok := recs[1][k]; !ok {
			t.Errorf("record lacks %q", k)
		}
	}
	if recs[0]["iteration"] != 1.0 || recs[1]["task"] != "obstacle" || recs[1]["seed"] != 3.0 || recs[1]["step"] != "classic" {
		t.Errorf("record fields: %v %v %v %v", recs[0]["iteration"], recs[1]["task"], recs[1]["seed"], recs[1]["step"])
	}
	var rc runConfig
	b, _ := os.ReadFile(filepath.Join(dir, configFile))
	if err := json.Unmarshal(b, &rc); err != nil || rc.Config.NN.Iterations != 50 || rc.Seed != 3 || rc.Config.Seed != 3 {
		t.Errorf("config.json: %v %+v", err, rc.runSpec)
	}
	if _, err := os.Stat(filepath.Join(dir, checkpointFile)); err != nil {
		t.Error(err)
	}

	// Nothing in --out is overwritten except by --resume of the same run.
	before, _ := os.ReadFile(filepath.Join(dir, iterationsFile))
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o644)
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{args("--iterations", "2", "--seed", "3", "--out", dir), "already holds a run; pass --resume"},
		{args("--iterations", "2", "--seed", "4", "--out", dir, "--resume"), "holds a different run (task obstacle, algorithm mdgps, sampling off, step classic, seed 3"},
		{args("--iterations", "2", "--out", foreign), "is not empty and holds no mdgps run"},
		{args("--iterations", "2", "--out", t.TempDir(), "--resume"), "holds no run to resume"},
		{args("--iterations", "2", "--out", filepath.Join(file, "sub")), "not a directory"},
	} {
		code, _, stderr := cli(t, nil, tc.args...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("mdgps %v: status %d, stderr %q; want 1 and %q", tc.args, code, stderr, tc.want)
		}
	}
	after, _ := os.ReadFile(filepath.Join(dir, iterationsFile))
	if !bytes.Equal(before, after) {
		t.Error("a refused command changed iterations.jsonl")
	}
	if b, _ := os.ReadFile(filepath.Join(foreign, "notes.txt")); string(b) != "mine" {
		t.Error("a refused command touched a foreign directory")
	}
}

// stripWall removes the wall-clock times, the only fields allowed to differ.
func stripWall(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, r := range readRecords(t, dir) {
		delete(r, "wall_seconds")
		b, _ := json.Marshal(r)
		out = append(out, string(b))
	}
	return out
}

func TestInterruptResumeBitIdentical(t *testing.T) {
	base := t.TempDir()
	ref := filepath.Join(base, "ref")
	if code, _, stderr := cli(t, nil, args("--iterations", "3", "--out", ref)...); code != 0 {
		t.Fatal(stderr)
	}
	// Interrupt after the 10th phase (inside iteration 2: the first iteration
	// has 7 phases), as Ctrl-C would, then resume.
	for _, stopAfter := range []int{3, 10} {
		dir := filepath.Join(base, fmt.Sprintf("stop%d", stopAfter))
		sig := make(chan os.Signal, 1)
		n := 0
		testHookAfterPhase = func() {
			if n++; n == stopAfter {
				sig <- os.Interrupt
			}
		}
		code, _, stderr := cli(t, sig, args("--iterations", "3", "--out", dir)...)
		testHookAfterPhase = nil
		if code != 130 || !strings.Contains(stderr, "continue with --resume") {
			t.Fatalf("interrupted run: status %d, stderr %q", code, stderr)
		}
		if code, _, stderr := cli(t, nil, args("--iterations", "3", "--out", dir, "--resume")...); code != 0 {
			t.Fatal(stderr)
		}
		got, want := stripWall(t, dir), stripWall(t, ref)
		if len(got) != len(want) {
			t.Fatalf("stop after %d: %d records, want %d", stopAfter, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("stop after %d phases: iteration %d differs from the uninterrupted run", stopAfter, i+1)
			}
		}
	}
	// Raising --iterations on resume continues the finished run.
	dir := filepath.Join(base, "two")
	if code, _, stderr := cli(t, nil, args("--iterations", "2", "--out", dir)...); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := cli(t, nil, args("--iterations", "3", "--out", dir, "--resume")...); code != 0 {
		t.Fatal(stderr)
	}
	if got, want := stripWall(t, dir), stripWall(t, ref); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Error("2 iterations then 1 more differ from 3 iterations")
	}
}

func TestShardPartition(t *testing.T) {
	for _, tasks := range [][]string{{"obstacle"}, PaperTasks, Tasks} {
		for _, seeds := range [][]uint64{{0}, {0, 1, 2}, {5, 7, 9, 11}} {
			runs := grid(tasks, seeds, runSpec{Iterations: 12}, gridVariantKeys())
			want := len(tasks) * 5 * len(seeds)
			if contains(tasks, "obstacle") {
				want += len(seeds) // the trajectory-only baseline
			}
			if len(runs) != want {
				t.Fatalf("grid has %d runs", len(runs))
			}
			dirs := map[string]bool{}
			for _, r := range runs {
				dirs[r.Dir] = true
			}
			if len(dirs) != len(runs) {
				t.Fatalf("run directories are not unique")
			}
			for n := 1; n <= 8; n++ {
				count := make([]int, len(runs))
				sizes := make([]int, n)
				for i := 0; i < n; i++ {
					sh, err := parseShard(fmt.Sprintf("%d/%d", i, n))
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range runs {
						if sh.owns(r.Index) {
							count[r.Index]++
							sizes[i]++
						}
					}
				}
				for j, c := range count {
					if c != 1 {
						t.Fatalf("tasks %v seeds %v n %d: run %d is in %d shards", tasks, seeds, n, j, c)
					}
				}
				for _, s := range sizes {
					if s < len(runs)/n || s > len(runs)/n+1 {
						t.Errorf("unbalanced shards %v", sizes)
					}
				}
			}
		}
	}
	// The order is fixed: the same call gives the same grid.
	a, b := grid(PaperTasks, []uint64{0, 1, 2}, runSpec{}, gridVariantKeys()), grid(PaperTasks, []uint64{0, 1, 2}, runSpec{}, gridVariantKeys())
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("grid order is not deterministic")
		}
	}
	if a[0].Dir != filepath.Join("runs", "obstacle_badmm_seed0") || a[4].Dir != filepath.Join("runs", "obstacle_off-classic_seed1") {
		t.Errorf("grid order: %s, %s", a[0].Dir, a[4].Dir)
	}
	if a[15].Dir != filepath.Join("runs", "obstacle_trajopt_seed0") || a[18].Dir != filepath.Join("runs", "peg_badmm_seed0") {
		t.Errorf("grid order: %s, %s", a[15].Dir, a[18].Dir)
	}
	// --variants selects variants, in the grid's order.
	sel := grid([]string{"obstacle", "peg"}, []uint64{0, 1}, runSpec{}, []string{"on/classic", "off/classic", "trajopt"})
	var got []string
	for _, r := range sel {
		got = append(got, r.Dir)
	}
	if w := "runs/obstacle_off-classic_seed0 runs/obstacle_off-classic_seed1 runs/obstacle_on-classic_seed0 runs/obstacle_on-classic_seed1 runs/obstacle_trajopt_seed0 runs/obstacle_trajopt_seed1 runs/peg_off-classic_seed0 runs/peg_off-classic_seed1 runs/peg_on-classic_seed0 runs/peg_on-classic_seed1"; strings.Join(got, " ") != w {
		t.Errorf("selected grid %v", got)
	}
}

// writeRun writes a synthetic run directory.
func writeRun(t *testing.T, dir, task, sampling, step string, seed uint64, success []float64) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	var h []mdgps.Iteration
	for i, s := range success {
		h = append(h, mdgps.Iteration{Iteration: i + 1, Task: task, Algorithm: "mdgps", Sampling: sampling, Step: step,
			Seed: seed, SuccessRate: s, DistanceMean: -0.4 - 0.01*float64(i), CostGlobalMean: 100})
	}
	if err := writeJSONL(dir, h); err != nil {
		t.Fatal(err)
	}
}

func TestTableMerge(t *testing.T) {
	root := t.TempDir()
	s12 := func(last float64) []float64 {
		s := make([]float64, 12)
		s[11] = last
		return s
	}
	writeRun(t, filepath.Join(root, "a", "peg_off-global_seed0"), "peg", "off", "global", 0, s12(1))
	writeRun(t, filepath.Join(root, "b", "peg_off-global_seed1"), "peg", "off", "global", 1, s12(7.0/9))
	writeRun(t, filepath.Join(root, "b", "peg_on-classic_seed0"), "peg", "on", "classic", 0, s12(5.0/9))
	// Two directories merge: the off/global cell averages both seeds.
	code, stdout, stderr := cli(t, nil, "table", filepath.Join(root, "a"), filepath.Join(root, "b"))
	if code != 0 {
		t.Fatal(stderr)
	}
	for _, want := range []string{
		"| Peg | 12 | not implemented [paper 77.78] |", // (only when BADMM is not available)
		"| 88.89 (2 seeds) [paper 92.59] | 55.56 (1 seed) [paper 92.59] |",
		"| Peg | off/global | 2 |",
		"| peg | off/global | 0,1 | 12 |",
	} {
		if strings.HasPrefix(want, "| Peg | 12 | not") {
			if ok, _ := badmmAvailable(); ok {
				continue
			}
			want = "| Peg | 12 | – [paper 77.78] |" // table has no notes: BADMM simply has no runs
		}
		if !strings.Contains(stdout, want) {
			t.Errorf("markdown lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, stderr = cli(t, nil, "table", "--csv", root)
	if code != 0 {
		t.Fatal(stderr)
	}
	if !strings.HasPrefix(stdout, "task,variant,iteration,seeds,distance_mean,distance_std,success_percent,paper_success_percent,cost_global_mean\n") ||
		!strings.Contains(stdout, "peg,off/global,12,2,-0.51,0,88.8889,92.59,100\n") ||
		!strings.Contains(stdout, "peg,on/classic,6,1,-0.45,0,0,48.15,100\n") {
		t.Errorf("CSV:\n%s", stdout)
	}
	if code, _, stderr := cli(t, nil, "table", t.TempDir()); code != 1 || !strings.Contains(stderr, "no run directories") {
		t.Errorf("empty dir: %d %s", code, stderr)
	}
}

func TestDescribeLinear(t *testing.T) {
	code, stdout, stderr := cli(t, nil, "describe", "--task", "linear", "--json")
	if code != 0 {
		t.Fatal(stderr)
	}
	var d struct {
		Task       string
		T          int
		Dt         float64
		Dims       struct{ X, U int }
		A, B, Q, R [][]float64
		X0         [][]float64 `json:"x0"`
		Conditions int
	}
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatal(err)
	}
	env := linear.DoubleIntegrator()
	eq := func(name string, got [][]float64, want mat.Matrix) {
		r, c := want.Dims()
		if len(got) != r {
			t.Fatalf("%s has %d rows, want %d", name, len(got), r)
		}
		for i := 0; i < r; i++ {
			if len(got[i]) != c {
				t.Fatalf("%s row %d has %d columns, want %d", name, i, len(got[i]), c)
			}
			for j := 0; j < c; j++ {
				if got[i][j] != want.At(i, j) {
					t.Errorf("%s[%d][%d] = %v, want %v", name, i, j, got[i][j], want.At(i, j))
				}
			}
		}
	}
	eq("A", d.A, env.A())
	eq("B", d.B, env.B())
	eq("Q", d.Q, env.Q())
	eq("R", d.R, env.R())
	if d.Task != "linear" || d.T != env.T() || d.Dt != env.Dt() || d.Dims.X != 4 || d.Dims.U != 2 || d.Conditions != env.Conditions() {
		t.Errorf("header: %+v", d)
	}
	for m := 0; m < env.Conditions(); m++ {
		x0, _ := env.X0(m)
		if fmt.Sprint(d.X0[m]) != fmt.Sprint(x0) {
			t.Errorf("x0[%d] = %v, want %v", m, d.X0[m], x0)
		}
	}
	code, stdout, _ = cli(t, nil, "describe", "--task", "obstacle")
	if code != 0 || !strings.Contains(stdout, "T = 200 steps of dt = 0.05 s") {
		t.Errorf("describe obstacle: %d\n%s", code, stdout)
	}
}

func TestReproduceSmall(t *testing.T) {
	out := t.TempDir()
	common := []string{"reproduce", "--tasks", "obstacle", "--seeds", "0,1", "--iterations", "2", "--sstep-iterations", "30",
		"--quiet", "--out", out}
	// Two shards, then the report from the merged directory.
	for i := 0; i < 2; i++ {
		code, stdout, stderr := cli(t, nil, append(common, "--shard", fmt.Sprintf("%d/2", i))...)
		if code != 0 {
			t.Fatalf("shard %d: %s\n%s", i, stderr, stdout)
		}
		// 12 runs: the paper's 5 variants and the trajectory-only baseline, 2 seeds.
		if !strings.Contains(stdout, fmt.Sprintf("shard %d/2 has 6", i)) {
			t.Errorf("shard %d output:\n%s", i, stdout)
		}
	}
	code, stdout, stderr := cli(t, nil, common...)
	if code != 0 {
		t.Fatal(stderr)
	}
	badmm, _ := badmmAvailable()
	wantSkipped := 10
	if badmm {
		wantSkipped = 12
	}
	if n := strings.Count(stdout, "finished, skipped"); n != wantSkipped {
		t.Errorf("%d runs skipped as finished, want %d:\n%s", n, wantSkipped, stdout)
	}
	for _, f := range []string{"figures/obstacle.svg", "figures/obstacle.html", "success.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	svg, _ := os.ReadFile(filepath.Join(out, "figures", "obstacle.svg"))
	for _, v := range []string{"off/classic", "off/global", "on/classic", "on/global", "trajopt"} {
		if !bytes.Contains(svg, []byte(v)) {
			t.Errorf("figure lacks variant %s", v)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "success.md"))
	if !strings.Contains(string(md), "| Obstacle | off/global | 2 |") {
		t.Errorf("success.md:\n%s", md)
	}
	if !badmm && !strings.Contains(string(md), "badmm: not implemented") {
		t.Errorf("success.md does not say BADMM is not implemented:\n%s", md)
	}
	// --prune deletes the finished runs' checkpoints; they still count as
	// finished, and extending one is a clear error.
	code, stdout, stderr = cli(t, nil, append(common, "--prune")...)
	if code != 0 || strings.Count(stdout, "finished, skipped") != wantSkipped {
		t.Fatalf("prune: %d %s\n%s", code, stderr, stdout)
	}
	pruned := filepath.Join(out, "runs", "obstacle_on-global_seed1")
	if _, err := os.Stat(filepath.Join(pruned, checkpointFile)); !os.IsNotExist(err) {
		t.Errorf("checkpoint not pruned: %v", err)
	}
	code, _, stderr = cli(t, nil, "run", "--task", "obstacle", "--sampling", "on", "--step", "global", "--seed", "1",
		"--sstep-iterations", "30", "--iterations", "3", "--quiet", "--resume", "--out", pruned)
	if code != 1 || !strings.Contains(stderr, "has 2 recorded iterations but no checkpoint (pruned)") {
		t.Errorf("extending a pruned run: %d %s", code, stderr)
	}
	if h, _ := viz.ReadIterations(pruned); len(h) != 2 {
		t.Errorf("a refused resume changed the records: %d", len(h))
	}
	// Other settings into the same directory: every run is refused and
	// nothing is overwritten.
	cfgPath := filepath.Join(out, "runs", "obstacle_off-classic_seed0", configFile)
	before, _ := os.ReadFile(cfgPath)
	other := append([]string(nil), common...)
	other[8] = "31" // --sstep-iterations
	code, stdout, stderr = cli(t, nil, other...)
	if code != 1 || !strings.Contains(stdout, "holds a different run") || !strings.Contains(stderr, "runs failed") {
		t.Errorf("other settings: status %d\n%s\n%s", code, stdout, stderr)
	}
	if after, _ := os.ReadFile(cfgPath); !bytes.Equal(before, after) {
		t.Error("a refused run changed config.json")
	}
}

// TestRunPeg runs one short iteration of the blind peg task on MuJoCo; it is
// skipped where MuJoCo is not available (CGO_ENABLED=0 or no libmujoco).
func TestRunPeg(t *testing.T) {
	if _, _, err := newTask("blindpeg"); err != nil {
		t.Skipf("no MuJoCo: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := cli(t, nil, "run", "--task", "blindpeg", "--iterations", "1", "--sstep-iterations", "20",
		"--samples", "2", "--quiet", "--out", dir)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "peg height") {
		t.Errorf("table:\n%s", stdout)
	}
	recs := readRecords(t, dir)
	if len(recs) != 1 || recs[0]["task"] != "blindpeg" {
		t.Fatalf("records: %v", recs)
	}
	// The distance is the final peg-bottom height above the hole bottom (z + 0.5):
	// near the start (z ≈ −0.3, height ≈ 0.2) after one short iteration, and
	// never below the hole bottom.
	if h := recs[0]["distance_mean"].(float64); h < -0.01 || h > 0.5 {
		t.Errorf("peg height %v outside [−0.01, 0.5]", h)
	}
}

// TestRunEra: --era submission records the era and the four C-steps of its
// rounds; resuming with another era is refused; a bad era or behaviour is a
// usage error naming the allowed values.
func TestRunEra(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sub")
	code, _, stderr := cli(t, nil, args("--iterations", "1", "--era", "submission", "--out", dir)...)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	recs := readRecords(t, dir)
	if len(recs) != 1 || recs[0]["era"] != "submission" || recs[0]["cstep_rounds"] != 4.0 {
		t.Fatalf("record: era %v, cstep_rounds %v", recs[0]["era"], recs[0]["cstep_rounds"])
	}
	var rc runConfig
	b, _ := os.ReadFile(filepath.Join(dir, configFile))
	if err := json.Unmarshal(b, &rc); err != nil || rc.Era != "submission" || rc.Config.InnerRounds != 4 || rc.Config.Era != "submission" {
		t.Errorf("config.json: %v era %q, inner rounds %d", err, rc.Era, rc.Config.InnerRounds)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{args("--iterations", "2", "--era", "current", "--out", dir, "--resume"), "holds a different run"},
		{args("--iterations", "1", "--era", "paper", "--out", t.TempDir()), "era"},
		{args("--iterations", "1", "--submission-behaviours", "rounds,warp", "--out", t.TempDir()), "warp"},
	} {
		if code, _, stderr := cli(t, nil, tc.args...); code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: status %d, stderr %q, want an error containing %q", tc.args, code, stderr, tc.want)
		}
	}
	// One behaviour over the current era: the record says current, with 4 rounds.
	dir2 := filepath.Join(t.TempDir(), "rounds")
	if code, _, stderr := cli(t, nil, args("--iterations", "1", "--submission-behaviours", "rounds", "--out", dir2)...); code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	if r := readRecords(t, dir2); r[0]["era"] != "current" || r[0]["cstep_rounds"] != 4.0 {
		t.Errorf("rounds over current: era %v, cstep_rounds %v", r[0]["era"], r[0]["cstep_rounds"])
	}
}

func TestRises(t *testing.T) {
	h := func(d ...float64) []mdgps.Iteration {
		var out []mdgps.Iteration
		for i, v := range d {
			out = append(out, mdgps.Iteration{Iteration: i + 1, Task: "obstacle", Algorithm: "mdgps", Sampling: "off", Step: "global", DistanceMean: v})
		}
		return out
	}
	for _, c := range []struct {
		d   []float64
		n   int
		sum float64
	}{
		{[]float64{3, 2, 1}, 0, 0},
		{[]float64{3, 2, 2.5, 1, 1.5}, 2, 1},
		{[]float64{1}, 0, 0},
	} {
		if n, s := rises(h(c.d...)); n != c.n || math.Abs(s-c.sum) > 1e-12 {
			t.Errorf("rises(%v) = %d, %v; want %d, %v", c.d, n, s, c.n, c.sum)
		}
	}
	r1, _ := viz.NewRunData(h(3, 2, 2.5, 1, 1.5))
	r2, _ := viz.NewRunData(h(3, 2, 1, 1, 1))
	tab := risesTable([]viz.RunData{r1, r2}, []string{"obstacle"}).Markdown()
	if !strings.Contains(tab, "| Obstacle | off/global | 2 | 1.0 | 0.5 |") {
		t.Errorf("rises table:\n%s", tab)
	}
}

// TestReproduceReportOnly: --report-only runs nothing and writes the report of
// the runs there are.
func TestReproduceReportOnly(t *testing.T) {
	out := t.TempDir()
	if code, _, stderr := cli(t, nil, args("--iterations", "2", "--out", filepath.Join(out, "runs", "obstacle_off-classic_seed0"))...); code != 0 {
		t.Fatal(stderr)
	}
	code, stdout, stderr := cli(t, nil, "reproduce", "--tasks", "obstacle", "--out", out, "--report-only")
	if code != 0 || strings.Contains(stdout, "seed 1") {
		t.Fatalf("status %d: %s\n%s", code, stderr, stdout)
	}
	md, err := os.ReadFile(filepath.Join(out, "success.md"))
	if err != nil || !strings.Contains(string(md), "| Obstacle | off/classic | 1 |") {
		t.Errorf("success.md: %v\n%s", err, md)
	}
	if entries, _ := os.ReadDir(filepath.Join(out, "runs")); len(entries) != 1 {
		t.Errorf("report-only created runs: %d directories", len(entries))
	}
}
