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
)

// dryRunLine is a run line of `mdgps reproduce --dry-run`: "[k/K] TASK VARIANT seed S  ...".
var dryRunLine = regexp.MustCompile(`^\[\d+/\d+\] (\S+)\s+(\S+)\s+seed (\d+)\b`)

// shardHeader is the count in its first line: "...; shard i/n has K".
var shardHeader = regexp.MustCompile(`shard (\d+)/(\d+) has (\d+)`)

// dryRun lists the runs `mdgps reproduce FLAGS --dry-run` selects, as
// "TASK VARIANT SEED", and checks them against the count in its header.
func dryRun(t *testing.T, flags ...string) []string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := cli(t, nil, append(append([]string{"reproduce"}, flags...), "--out", out, "--dry-run")...)
	if code != 0 {
		t.Fatalf("reproduce %v --dry-run: status %d\n%s", flags, code, stderr)
	}
	header := -1
	var runs []string
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		if m := shardHeader.FindStringSubmatch(sc.Text()); m != nil && header < 0 {
			header, _ = strconv.Atoi(m[3])
		}
		if m := dryRunLine.FindStringSubmatch(sc.Text()); m != nil {
			runs = append(runs, m[1]+" "+m[2]+" "+m[3])
		}
	}
	if header != len(runs) {
		t.Fatalf("reproduce %v --dry-run: the header says %d runs, %d are listed:\n%s", flags, header, len(runs), stdout)
	}
	return runs
}

// TestShardSplitCLI checks the split as the command makes it (the run
// selection in cmdReproduce, through --dry-run), not only shard.owns: over
// all shards i/n of a grid, every run of the unsharded grid is listed by
// exactly one shard, and shard sizes differ by at most one — also when n
// exceeds the number of runs (empty shards).
func TestShardSplitCLI(t *testing.T) {
	for _, tc := range []struct {
		flags []string
		ns    []int
	}{
		{[]string{"--tasks", "obstacle", "--seeds", "0"}, []int{1, 2, 3, 4, 5, 6, 7}},
		{[]string{"--tasks", "obstacle,linear", "--seeds", "0,1", "--era", "current"}, []int{1, 2, 3, 7, 21, 22, 23}},
		{[]string{"--tasks", "linear,obstacle", "--seeds", "1", "--era", "submission"}, []int{2, 3, 5}},
		{[]string{"--tasks", strings.Join(Tasks, ","), "--seeds", "3,1,4"}, []int{1, 2, 3, 4, 5, 8, 16, 62, 63, 64, 70}},
	} {
		want := dryRun(t, tc.flags...) // the whole grid
		if len(want) < 5 {
			t.Fatalf("%v: the grid has only %d runs", tc.flags, len(want))
		}
		for _, n := range tc.ns {
			in := map[string][]int{} // run -> the shards listing it
			sizes := make([]int, n)
			for i := 0; i < n; i++ {
				for _, run := range dryRun(t, append(tc.flags, "--shard", fmt.Sprintf("%d/%d", i, n))...) {
					in[run] = append(in[run], i)
					sizes[i]++
				}
			}
			for _, r := range want {
				if len(in[r]) != 1 {
					t.Errorf("%v, n = %d: run %q is in shards %v, want exactly one", tc.flags, n, r, in[r])
				}
				delete(in, r)
			}
			for r, sh := range in {
				t.Errorf("%v, n = %d: shards %v list %q, which is not in the grid", tc.flags, n, sh, r)
			}
			lo, hi := sizes[0], sizes[0]
			for _, s := range sizes {
				lo, hi = min(lo, s), max(hi, s)
			}
			if hi-lo > 1 {
				t.Errorf("%v, n = %d: shard sizes %v differ by more than one", tc.flags, n, sizes)
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
