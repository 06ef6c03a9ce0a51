package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirrorgps/mirrorgps/viz"
)

// fakeFigure is a figure that needs no run.
func fakeFigure() (viz.Figure, error) {
	return &viz.Lines{Title: "fake", XLabel: "x", YLabel: "y",
		Curves: []viz.Curve{{Name: "c", X: []float64{1, 2}, Y: []float64{3, 4}}}}, nil
}

func TestRun(t *testing.T) {
	saved := figures
	defer func() { figures = saved }()
	figures = map[string]figure{}
	register("fake", figure{file: "fake.svg", what: "a test figure", make: fakeFigure})
	register("broken", figure{file: "broken.svg", make: func() (viz.Figure, error) { return nil, errors.New("no data") }})
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run([]string{"--out", dir, "--only", "fake"}, &out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "fake.svg"))
	if err != nil || !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("fake.svg: %v, %.80s", err, b)
	}
	if err := run([]string{"--out", dir, "--only", "nope"}, &out); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown figure: err %v", err)
	}
	if err := run([]string{"--out", dir}, &out); err == nil || !strings.Contains(err.Error(), "broken: no data") {
		t.Errorf("failing figure: err %v", err)
	}
	out.Reset()
	if err := run([]string{"--list"}, &out); err != nil || !strings.Contains(out.String(), "fake.svg") {
		t.Errorf("--list: %v %q", err, out.String())
	}
}

func TestRegistered(t *testing.T) {
	f, ok := figures["obstacle-paths"]
	if !ok || f.file != "obstacle-paths.svg" {
		t.Fatalf("obstacle-paths not registered: %+v", f)
	}
}
