package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mirrorgps/mirrorgps/viz"
)

// dryRunLine is a run line of `mdgps reproduce --dry-run`: "[k/K] TASK VARIANT seed S  ...".
var dryRunLine = regexp.MustCompile(`^\[\d+/\d+\] (\S+)\s+(\S+)\s+seed (\d+)\b`)

// shardHeader is the count in its first line: "...; shard i/n has K".
var shardHeader = regexp.MustCompile(`shard (\d+)/(\d+) has (\d+)`)

// TestShardSplitCLI checks the split as the command makes it (the run
// selection in cmdReproduce, through --dry-run), not only shard.owns: over
// all shards i/n of a grid, every run of the grid is listed by exactly one
// shard, and shard sizes differ by at most one — also when n exceeds the
// number of runs (empty shards).
func TestShardSplitCLI(t *testing.T) {
	if len(viz.GridVariants) != 5 {
		t.Fatalf("the grid has %d variants, want the paper's 5", len(viz.GridVariants))
	}
	// The paper's five variants on every task, and the trajectory-only
	// baseline on the obstacle task.
	variantsOf := func(task string) []string {
		if task == "obstacle" {
			return append(append([]string(nil), viz.GridVariants...), "trajopt")
		}
		return viz.GridVariants
	}
	for _, tc := range []struct {
		tasks, seeds string
		ns           []int
	}{
		{"obstacle", "0", []int{1, 2, 3, 4, 5, 6, 7}},
		{"obstacle,linear", "0,1", []int{1, 2, 3, 7, 19, 20, 21}},
		{strings.Join(Tasks, ","), "3,1,4", []int{1, 2, 3, 4, 5, 8, 16, 59, 60, 61, 64}},
	} {
		var want []string // every run of the grid, from the flags alone
		for _, task := range strings.Split(tc.tasks, ",") {
			for _, v := range variantsOf(task) {
				for _, s := range strings.Split(tc.seeds, ",") {
					want = append(want, task+" "+v+" "+s)
				}
			}
		}
		for _, n := range tc.ns {
			in := map[string][]int{} // run -> the shards listing it
			sizes := make([]int, n)
			for i := 0; i < n; i++ {
				out := filepath.Join(t.TempDir(), "out")
				code, stdout, stderr := cli(t, nil, "reproduce", "--tasks", tc.tasks, "--seeds", tc.seeds,
					"--iterations", "2", "--out", out, "--shard", fmt.Sprintf("%d/%d", i, n), "--dry-run")
				if code != 0 {
					t.Fatalf("--shard %d/%d: status %d\n%s", i, n, code, stderr)
				}
				header := -1
				sc := bufio.NewScanner(strings.NewReader(stdout))
				for sc.Scan() {
					if m := shardHeader.FindStringSubmatch(sc.Text()); m != nil && header < 0 {
						header, _ = strconv.Atoi(m[3])
					}
					if m := dryRunLine.FindStringSubmatch(sc.Text()); m != nil {
						run := m[1] + " " + m[2] + " " + m[3]
						in[run] = append(in[run], i)
						sizes[i]++
					}
				}
				if header != sizes[i] {
					t.Errorf("--shard %d/%d: header says %d runs, %d listed:\n%s", i, n, header, sizes[i], stdout)
				}
			}
			for _, r := range want {
				if len(in[r]) != 1 {
					t.Errorf("tasks %s seeds %s, n = %d: run %q is in shards %v, want exactly one", tc.tasks, tc.seeds, n, r, in[r])
				}
				delete(in, r)
			}
			for r, sh := range in {
				t.Errorf("tasks %s seeds %s, n = %d: shards %v list %q, which is not in the grid", tc.tasks, tc.seeds, n, sh, r)
			}
			lo, hi := sizes[0], sizes[0]
			for _, s := range sizes {
				lo, hi = min(lo, s), max(hi, s)
			}
			if hi-lo > 1 {
				t.Errorf("tasks %s seeds %s, n = %d: shard sizes %v differ by more than one", tc.tasks, tc.seeds, n, sizes)
			}
		}
	}
}

// TestSlurmArrayScriptInDocs checks that docs/scaling.md shows
// scripts/slurm-array.sh verbatim (the script make scale-test fills in and
// submits), that the lines the scale test fills in are there, and that the
// template's grid flags are flags reproduce accepts.
func TestSlurmArrayScriptInDocs(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "scripts", "slurm-array.sh"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "scaling.md"))
	if err != nil {
		t.Fatal(err)
	}
	const open = "```sh slurm-array.sh\n"
	_, block, ok := strings.Cut(string(doc), open)
	if !ok {
		t.Fatalf("docs/scaling.md has no %q block", strings.TrimSpace(open))
	}
	block, _, ok = strings.Cut(block, "```\n")
	if !ok {
		t.Fatal("docs/scaling.md: the slurm-array.sh block is not closed")
	}
	if block != string(script) {
		dl, sl := strings.Split(block, "\n"), strings.Split(string(script), "\n")
		for i := 0; i < min(len(dl), len(sl)); i++ {
			if dl[i] != sl[i] {
				t.Fatalf("docs/scaling.md and scripts/slurm-array.sh differ at line %d of the script:\n doc:    %q\n script: %q", i+1, dl[i], sl[i])
			}
		}
		t.Fatalf("docs/scaling.md shows %d lines of scripts/slurm-array.sh, the script has %d", len(dl), len(sl))
	}
	// The lines scripts/scale-test.sh fills in; the array has SHARDS tasks.
	var grid []string
	for _, want := range []string{"#SBATCH --array=0-7\n", "\nSHARDS=8 ", "\nGRID=(", "\nOUT=\""} {
		if !strings.Contains(block, want) {
			t.Errorf("scripts/slurm-array.sh lacks %q, which make scale-test fills in", strings.TrimSpace(want))
		}
	}
	if _, rest, ok := strings.Cut(block, "\nGRID=("); ok {
		flags, _, _ := strings.Cut(rest, ")")
		grid = strings.Fields(flags)
	}
	code, _, stderr := cli(t, nil, append(append([]string{"reproduce"}, grid...),
		"--out", t.TempDir(), "--shard", "7/8", "--dry-run", "--quiet")...)
	if code != 0 {
		t.Errorf("the template's grid flags %v: status %d, %s", grid, code, stderr)
	}
}
