package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Issue 13 at the command line: one writer per run directory, --iterations below
// the finished count, an edited config section, leftovers-only directories,
// and duplicated records.

func TestRunHygiene(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	// A directory holding only a lock and temp files of an interrupted write counts as empty.
	os.MkdirAll(dir, 0o755)
	for _, n := range []string{checkpointFile + ".lock", checkpointFile + ".tmp123", ".config.json.tmp9", ".iterations.jsonl.tmp1"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, stderr := cli(t, nil, args("--iterations", "3", "--out", dir)...); code != 0 {
		t.Fatalf("run into a leftovers-only directory: status %d: %s", code, stderr)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("leftover %s not removed", e.Name())
		}
	}
	before, _ := os.ReadFile(filepath.Join(dir, configFile))
	records, _ := os.ReadFile(filepath.Join(dir, iterationsFile))

	// --resume with --iterations below the finished count: refused, nothing changed.
	code, _, stderr := cli(t, nil, args("--iterations", "2", "--out", dir, "--resume")...)
	if code != 1 || !strings.Contains(stderr, "--iterations 2 is below the 3 iterations") {
		t.Errorf("--iterations 2 after 3: status %d, stderr %q", code, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, configFile)); !bytes.Equal(before, after) {
		t.Error("the refused resume changed config.json")
	}
	if after, _ := os.ReadFile(filepath.Join(dir, iterationsFile)); !bytes.Equal(records, after) {
		t.Error("the refused resume changed iterations.jsonl")
	}

	// An edited config section is refused, naming the field.
	edited := bytes.Replace(before, []byte(`"KLStep": 2,`), []byte(`"KLStep": 1.5,`), 1)
	if bytes.Equal(edited, before) {
		t.Fatalf("no KLStep in config.json:\n%s", before)
	}
	os.WriteFile(filepath.Join(dir, configFile), edited, 0o644)
	code, _, stderr = cli(t, nil, args("--iterations", "3", "--out", dir, "--resume")...)
	if code != 1 || !strings.Contains(stderr, "config.KLStep is 1.5 there but 2 in the run") {
		t.Errorf("edited config: status %d, stderr %q", code, stderr)
	}
	os.WriteFile(filepath.Join(dir, configFile), before, 0o644)
	if code, _, stderr := cli(t, nil, args("--iterations", "3", "--out", dir, "--resume")...); code != 0 {
		t.Errorf("resume with the restored config.json: status %d: %s", code, stderr)
	}

	// A duplicated record is refused by table, naming file and line.
	lines := bytes.SplitAfter(records, []byte("\n"))
	dup := append(append(append([]byte(nil), lines[0]...), lines[1]...), lines[1]...)
	os.WriteFile(filepath.Join(dir, iterationsFile), dup, 0o644)
	code, _, stderr = cli(t, nil, "table", dir)
	if code != 1 || !strings.Contains(stderr, iterationsFile+" line 3: iteration 2 is a duplicate") {
		t.Errorf("table of a duplicated record: status %d, stderr %q", code, stderr)
	}
}

// TestRunTwoWriters: two `mdgps run` processes on one directory. The second is
// refused at once with the first's PID; the first finishes its records.
func TestRunTwoWriters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := func(extra ...string) *exec.Cmd {
		cmd := exec.Command(self, args(extra...)...)
		cmd.Env = append(os.Environ(), "MDGPS_TEST_AS_CLI=1")
		return cmd
	}
	first := run("--iterations", "4", "--out", dir)
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, configFile)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first run wrote no config.json within 60 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	second := run("--iterations", "2", "--out", dir, "--resume")
	out, err := second.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 ||
		!strings.Contains(string(out), "in use by process "+strconv.Itoa(first.Process.Pid)) {
		t.Errorf("second writer: %v, output %q", err, out)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first writer: %v: %s", err, firstErr.String())
	}
	recs := readRecords(t, dir)
	if len(recs) != 4 {
		t.Fatalf("%d records, want the first writer's 4", len(recs))
	}
	for i, r := range recs {
		if r["iteration"] != float64(i+1) {
			t.Errorf("record %d is iteration %v", i, r["iteration"])
		}
	}
}
