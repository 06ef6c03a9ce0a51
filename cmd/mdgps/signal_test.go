//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as the mdgps command (for the signal test).
func TestMain(m *testing.M) {
	if os.Getenv("MDGPS_TEST_AS_CLI") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestSIGINT sends a real SIGINT to the command once the first iteration is
// recorded: it must stop between phases with status 130, and --resume must
// then finish the run with the same records as an uninterrupted run.
func TestSIGINT(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := func(extra ...string) *exec.Cmd {
		cmd := exec.Command(self, args(append([]string{"--iterations", "4"}, extra...)...)...)
		cmd.Env = append(os.Environ(), "MDGPS_TEST_AS_CLI=1")
		return cmd
	}
	cmd := run("--out", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(dir, iterationsFile))
		if bytes.Count(b, []byte("\n")) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no iteration recorded within 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err = cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		// The run may have finished before the signal arrived on a fast machine.
		if err == nil {
			t.Skip("the run finished before the signal")
		}
		t.Fatalf("interrupted command: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "continue with --resume") {
		t.Errorf("stderr: %s", stderr.String())
	}
	if out, err := run("--out", dir, "--resume").CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	ref := filepath.Join(t.TempDir(), "ref")
	if out, err := run("--out", ref).CombinedOutput(); err != nil {
		t.Fatalf("reference: %v\n%s", err, out)
	}
	if got, want := stripWall(t, dir), stripWall(t, ref); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Error("interrupted and resumed run differs from the uninterrupted one")
	}
}
