package notebooks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mirrorgps/mirrorgps/viz"
	"github.com/mirrorgps/mirrorgps/viz/nb"
)

// MaxCellLines is the longest a notebook code cell may be (issue 14: a cell
// holds one idea; plumbing belongs in the library). Blank and comment lines
// count.
const MaxCellLines = 25

// checkCellLength fails on code cells longer than MaxCellLines lines.
func checkCellLength(t errorer, nbPath string) {
	t.Helper()
	raw, err := os.ReadFile(nbPath)
	if err != nil {
		t.Fatal(err)
	}
	var book notebook
	if err := json.Unmarshal(raw, &book); err != nil {
		t.Fatal(err)
	}
	for i, c := range book.Cells {
		if c.CellType != "code" {
			continue
		}
		src := strings.TrimRight(text(c.Source), "\n")
		if n := strings.Count(src, "\n") + 1; n > MaxCellLines {
			first, _, _ := strings.Cut(src, "\n")
			t.Errorf("cell %d has %d lines (at most %d: move plumbing into the library); it starts %q", i, n, MaxCellLines, first)
		}
	}
}

// repoWrites are the calls a notebook cell must not make: running every cell
// must leave the repository unchanged (issue 14, item 6: notebook 01 once
// rewrote docs/figures/obstacle-paths.svg from a cell tagged skip-execution).
// Runs write under $GONB_TMP_DIR through mdgps.Open, which is not listed.
var repoWrites = []string{"SaveSVG(", "os.WriteFile(", "os.Create(", "os.OpenFile(", "%%writefile", "os.Remove", "os.Rename("}

// checkNoWrites fails on cells that write files or that the test skips.
func checkNoWrites(t errorer, nbPath string) {
	t.Helper()
	raw, err := os.ReadFile(nbPath)
	if err != nil {
		t.Fatal(err)
	}
	var book notebook
	if err := json.Unmarshal(raw, &book); err != nil {
		t.Fatal(err)
	}
	for i, c := range book.Cells {
		if c.CellType != "code" {
			continue
		}
		for _, tag := range c.Metadata.Tags {
			if tag == "skip-execution" {
				t.Errorf("cell %d is tagged skip-execution: every cell must run (and leave the repository unchanged)", i)
			}
		}
		for _, w := range repoWrites {
			if strings.Contains(text(c.Source), w) {
				t.Errorf("cell %d calls %s: a notebook writes no files (README figures come from make figures)", i, w)
			}
		}
	}
}

// TestNoWritesRule checks the rule on notebook 01's old figure cell.
func TestNoWritesRule(t *testing.T) {
	book := map[string]any{"cells": []any{
		map[string]any{"cell_type": "code", "metadata": map[string]any{"tags": []string{"skip-execution"}},
			"source": "%%\nnb.Must(viz.SaveSVG(f, path))"},
		map[string]any{"cell_type": "code", "source": "run := nb.Must1(mdgps.Open(path, env, cfg))"},
	}}
	b, _ := json.Marshal(book)
	path := filepath.Join(t.TempDir(), "x.ipynb")
	os.WriteFile(path, b, 0o644)
	var errs []string
	checkNoWrites(recorder{errs: &errs}, path)
	if len(errs) != 2 || !strings.Contains(errs[0], "skip-execution") || !strings.Contains(errs[1], "SaveSVG(") {
		t.Errorf("errors %q, want the tag and the SaveSVG call of cell 0", errs)
	}
}

// TestCellLengthRule checks the line counting on a cell of 25 and one of 26 lines.
func TestCellLengthRule(t *testing.T) {
	dir := t.TempDir()
	mk := func(n int) string { return strings.Repeat("x\n", n-1) + "x" }
	book := map[string]any{"cells": []any{
		map[string]any{"cell_type": "code", "source": mk(25)},
		map[string]any{"cell_type": "markdown", "source": mk(40)},
		map[string]any{"cell_type": "code", "source": strings.SplitAfter(mk(26), "\n")}, // nbformat's list form
	}}
	b, _ := json.Marshal(book)
	path := filepath.Join(dir, "x.ipynb")
	os.WriteFile(path, b, 0o644)
	var errs []string
	checkCellLength(recorder{errs: &errs}, path)
	if len(errs) != 1 || !strings.Contains(errs[0], "cell 2 has 26 lines") {
		t.Errorf("errors %q, want one for cell 2 (26 lines)", errs)
	}
}

// TestSVGLabelRule checks the label rule on a raw float and on decade labels,
// in an SVG shown as HTML and as image/svg+xml.
func TestSVGLabelRule(t *testing.T) {
	out := func(mime, svg string) map[string]any {
		return map[string]any{"output_type": "display_data", "data": map[string]any{mime: svg}}
	}
	book := map[string]any{"cells": []any{map[string]any{"cell_type": "code", "source": "", "outputs": []any{
		out("text/html", `<div><svg><text x="1">9.999999999999999e-05</text><text>10⁻⁵</text></svg></div>`),
		out("image/svg+xml", `<svg><text>iteration 12</text><text>0.30000000000000004</text><text>1.5e-05</text></svg>`),
	}}}}
	raw, _ := json.Marshal(book)
	var errs []string
	checkSVGLabels(recorder{errs: &errs}, raw)
	if len(errs) != 2 || !strings.Contains(errs[0], "9.999999999999999e-05") || !strings.Contains(errs[1], "0.30000000000000004") {
		t.Errorf("errors %q, want the two raw floats", errs)
	}
}

// errorer is the part of testing.T the checks use (so the rules can be tested).
type errorer interface {
	Helper()
	Errorf(format string, args ...any)
	Fatal(args ...any)
}

type recorder struct{ errs *[]string }

func (recorder) Helper() {}
func (r recorder) Errorf(format string, args ...any) {
	*r.errs = append(*r.errs, fmt.Sprintf(format, args...))
}
func (r recorder) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

var (
	svgTextRe = regexp.MustCompile(`<text[^>]*>([^<]*)</text>`)
	numberRe  = regexp.MustCompile(`[0-9][0-9.]*(?:[eE][-+]?[0-9]+)?`)
)

// figureOutputs returns the figures of an executed notebook: per output, the
// SVG figure it shows (Show, or an interactive chart's twin) and the HTML of
// interactive charts, in order.
func figureOutputs(raw []byte) (svgs []string, charts []string) {
	var book notebook
	if json.Unmarshal(raw, &book) != nil {
		return nil, nil
	}
	for _, c := range book.Cells {
		for _, o := range c.Outputs {
			h := text(o.Data["text/html"])
			if sv := text(o.Data["image/svg+xml"]); sv != "" {
				svgs = append(svgs, sv)
			}
			if strings.Contains(h, "echarts.init(") {
				charts = append(charts, h)
			} else if strings.Contains(h, "<svg") && !strings.Contains(h, "<script") {
				svgs = append(svgs, h)
			}
		}
	}
	return svgs, charts
}

// checkSVGLabels fails on an SVG text label holding a number with more than 6
// significant digits (such as 9.999999999999999e-05).
func checkSVGLabels(t errorer, raw []byte) {
	t.Helper()
	svgs, _ := figureOutputs(raw)
	for k, svg := range svgs {
		for _, m := range svgTextRe.FindAllStringSubmatch(svg, -1) {
			for _, num := range numberRe.FindAllString(m[1], -1) {
				if d := viz.SignificantDigits(num); d > 6 {
					t.Errorf("figure %d: SVG label %q holds %s (%d significant digits, at most 6)", k+1, m[1], num, d)
				}
			}
		}
	}
}

// screenshots takes a headless-Chromium screenshot of every figure into dir
// (fig01-svg.png, fig02-chart.png, …) and fails when one is blank.
func screenshots(t *testing.T, browser string, raw []byte, dir string) {
	t.Helper()
	svgs, charts := figureOutputs(raw)
	if len(svgs)+len(charts) == 0 {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shoot := func(name, page string) {
		src := filepath.Join(dir, name+".html")
		if err := os.WriteFile(src, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, name+".png")
		cmd := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
			"--user-data-dir="+t.TempDir(), "--virtual-time-budget=5000",
			fmt.Sprintf("--window-size=%d,%d", viz.DefaultWidthPx+20, viz.DefaultHeightPx+20),
			"--screenshot="+out, "file://"+src)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("screenshot %s: %v\n%s", name, err, tail(b, 1000))
			return
		}
		os.Remove(src)
		if n := colours(t, out); n < 8 {
			t.Errorf("screenshot %s is blank (%d colours)", out, n)
		}
	}
	const head = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0;background:#fff\">"
	k := 0
	for _, svg := range svgs {
		k++
		shoot(fmt.Sprintf("fig%02d-svg", k), head+svg+"</body></html>")
	}
	for _, h := range charts {
		k++
		shoot(fmt.Sprintf("fig%02d-chart", k), head+h+"</body></html>")
	}
	t.Logf("%d screenshots in %s", k, dir)
}

// colours counts the distinct colours of a PNG (up to 64).
func colours(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	seen := map[color.RGBA]bool{}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y && len(seen) < 64; y += 3 {
		for x := r.Min.X; x < r.Max.X && len(seen) < 64; x += 3 {
			seen[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)] = true
		}
	}
	return len(seen)
}

// writeStatic writes the executed notebook with static outputs only.
func writeStatic(t *testing.T, raw []byte, path string) {
	t.Helper()
	b, err := nb.StaticNotebook(raw)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("echarts.init(")) {
		t.Errorf("%s: the static notebook still holds an echarts chart", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d kB)", path, len(b)/1000)
}

// MaxDocsBytes bounds docs/notebooks (issue 14: ≤ 3 MB in all).
const MaxDocsBytes = 3 << 20

func checkDocsSize(t *testing.T, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.ipynb"))
	var total int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			total += st.Size()
		}
	}
	t.Logf("%s: %d notebooks, %.2f MB", dir, len(files), float64(total)/(1<<20))
	if total > MaxDocsBytes {
		t.Errorf("%s holds %.2f MB, more than %.0f MB", dir, float64(total)/(1<<20), float64(MaxDocsBytes)/(1<<20))
	}
}
