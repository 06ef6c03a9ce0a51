package viz

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/obstacle"
	"github.com/mirrorgps/mirrorgps/mdgps"
)

// history makes a synthetic run: iteration k has distance d(k) and success s(k).
func history(task, sampling, step string, seed uint64, d, s []float64) []mdgps.Iteration {
	h := make([]mdgps.Iteration, len(d))
	for i := range d {
		h[i] = mdgps.Iteration{Iteration: i + 1, Task: task, Algorithm: "mdgps", Sampling: sampling, Step: step,
			Seed: seed, DistanceMean: d[i], SuccessRate: s[i], CostGlobalMean: 10 * d[i],
			Conditions: []mdgps.Cond{
				{Cond: 0, Eta: 1 + float64(i), Epsilon: 2, KL: 100, KLPerT: []float64{1, 2, 3, 4}},
				{Cond: 1, Eta: 2 + float64(i), Epsilon: 1, KL: 50, KLPerT: []float64{0.5, 0.5, 0.5, math.NaN()}},
			}}
	}
	return h
}

func TestMeanStd(t *testing.T) {
	runs := [][]mdgps.Iteration{
		history("obstacle", "off", "classic", 0, []float64{1, 2, 3}, []float64{0, 0, 0}),
		history("obstacle", "off", "classic", 1, []float64{3, 4}, []float64{0, 0}), // stopped early
	}
	it, m, s, n := MeanStd(runs, Distance)
	want := []struct{ it, m, s float64 }{{1, 2, 1}, {2, 3, 1}, {3, 3, 0}}
	if len(it) != len(want) {
		t.Fatalf("got %d iterations, want %d", len(it), len(want))
	}
	for i, w := range want {
		if it[i] != w.it || m[i] != w.m || s[i] != w.s {
			t.Errorf("row %d: (%v, %v, %v), want %v", i, it[i], m[i], s[i], w)
		}
	}
	if n[0] != 2 || n[2] != 1 {
		t.Errorf("counts %v, want [2 2 1]", n)
	}
}

func TestIterationCurves(t *testing.T) {
	groups := []Group{
		{Name: "off/classic", Runs: [][]mdgps.Iteration{
			history("peg", "off", "classic", 0, []float64{1, 1}, []float64{0, 0.5}),
			history("peg", "off", "classic", 1, []float64{1, 1}, []float64{0, 1}),
		}},
		{Name: "on/global", Runs: [][]mdgps.Iteration{
			history("peg", "on", "global", 0, []float64{1, 1}, []float64{1, 1}),
		}},
	}
	f := IterationCurves("peg", SuccessRate, 100, groups)
	if len(f.Curves) != 2 || f.Curves[0].Name != "off/classic" {
		t.Fatalf("curves %+v", f.Curves)
	}
	c := f.Curves[0]
	if c.Y[1] != 75 || c.Std[1] != 25 || c.X[1] != 2 {
		t.Errorf("iteration 2 of off/classic: y %v ± %v at x %v, want 75 ± 25 at 2", c.Y[1], c.Std[1], c.X[1])
	}
	p, err := f.Plot()
	if err != nil {
		t.Fatal(err)
	}
	svg, err := SVG(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svg), "<svg") || !strings.Contains(string(svg), "off/classic") {
		t.Errorf("SVG lacks the svg element or the legend")
	}
	opt := f.Chart().RenderSnippet().Option
	for _, want := range []string{`"off/classic"`, `"on/global"`, `"stack":"band0"`, `"type":"value"`} {
		if !strings.Contains(opt, want) {
			t.Errorf("echarts option lacks %s", want)
		}
	}
}

func TestLinesLogAndBadInput(t *testing.T) {
	h := history("obstacle", "off", "classic", 0, []float64{1, 2, 3}, []float64{0, 0, 0})
	eta := EtaTraces(h)
	if !eta.LogY || len(eta.Curves) != 2 || eta.Curves[1].Y[2] != 4 {
		t.Errorf("EtaTraces: %+v", eta)
	}
	eps := EpsilonTraces(h)
	// ε then realised KL per step (Σ KL / T) for each condition.
	if len(eps.Curves) != 4 || eps.Curves[0].Y[0] != 2 || eps.Curves[1].Y[0] != 25 {
		t.Errorf("EpsilonTraces: %+v", eps.Curves)
	}
	if _, err := eps.Plot(); err != nil {
		t.Error(err)
	}
	bad := &Lines{Curves: []Curve{{Name: "x", X: []float64{1, 2}, Y: []float64{1}}}}
	if _, err := bad.Plot(); err == nil || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("mismatched curve: err %v", err)
	}
	b := BoundVsCost(h)
	if b.Curves[0].Name != "bound" || b.Curves[2].Y[1] != 20 {
		t.Errorf("BoundVsCost: %+v", b.Curves)
	}
}

func TestKLHeatmap(t *testing.T) {
	h := history("obstacle", "off", "classic", 0, []float64{1}, []float64{0})
	f := KLHeatmap(h[0])
	if len(f.Values) != 2 || f.Values[0][3] != 4 || f.Rows[1] != "1" {
		t.Fatalf("heatmap %+v", f)
	}
	if lo, hi := f.Range(); lo != 0.5 || hi != 4 {
		t.Errorf("range %v..%v, want 0.5..4 (NaN ignored)", lo, hi)
	}
	p, err := f.Plot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SVG(p); err != nil {
		t.Fatal(err)
	}
	opt := f.Chart().RenderSnippet().Option
	if !strings.Contains(opt, `[3,0,0.6020599913279624]`) || strings.Contains(opt, "NaN") {
		t.Errorf("heatmap option: missing (t=3, cond 0, log10 4) or holds NaN")
	}
}

func TestObstaclePaths(t *testing.T) {
	env := obstacle.New()
	var samples []*envs.Sample
	for c := 0; c < 2; c++ {
		s := envs.NewSample(env)
		s.Cond = c
		for t := 0; t < s.T; t++ {
			x := s.State(t)
			x[0], x[1] = 3*float64(t)/float64(s.T-1), float64(c)
		}
		samples = append(samples, s)
	}
	f := SamplePaths("paths", env, samples)
	if len(f.Paths) != 2 || len(f.Walls) != 5 || f.Target == nil || *f.Target != obstacle.Target || len(f.Starts) != 5 {
		t.Fatalf("scene: %d paths, %d walls, target %v", len(f.Paths), len(f.Walls), f.Target)
	}
	if p := f.Paths[1]; p.X[len(p.X)-1] != 3 || p.Y[0] != 1 || p.Name != "condition 1" {
		t.Errorf("path 1: %+v", p)
	}
	// Every outline point is at the capsule's radius from its segment.
	for _, w := range f.Walls {
		xs, ys := Outline(w, 8)
		if xs[0] != xs[len(xs)-1] || ys[0] != ys[len(ys)-1] {
			t.Errorf("%s: outline not closed", w.Name)
		}
		for i := range xs {
			if d := segDist(xs[i], ys[i], w.A, w.B); math.Abs(d-w.Radius) > 1e-12 {
				t.Errorf("%s: point %d at %v from the segment, radius %v", w.Name, i, d, w.Radius)
			}
		}
	}
	p, err := f.Plot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SVG(p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Chart().RenderSnippet().Option, `"condition 1"`) {
		t.Error("chart lacks the paths")
	}
}

func segDist(x, y float64, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	u := ((x-a[0])*dx + (y-a[1])*dy) / (dx*dx + dy*dy)
	u = math.Max(0, math.Min(1, u))
	return math.Hypot(x-a[0]-u*dx, y-a[1]-u*dy)
}

func TestPegHeights(t *testing.T) {
	s := &envs.Sample{Cond: 2, T: 3, Dims: envs.Dims{X: 1, U: 1, O: 1, P: 6}, P: make([]float64, 18)}
	for t := 0; t < 3; t++ {
		s.P[t*6+2] = -0.1 * float64(t)
	}
	f := PegHeights("peg", []*envs.Sample{s}, 0.05, -0.5, -0.44)
	c := f.Curves[0]
	if c.Name != "condition 2" || c.X[2] != 0.1 || c.Y[2] != -0.2 || len(f.HLines) != 2 || f.HLines[0].Y != -0.5 {
		t.Errorf("PegHeights: %+v", f)
	}
}

func TestSuccessTable(t *testing.T) {
	runs := []RunData{}
	for seed := uint64(0); seed < 3; seed++ {
		s := make([]float64, 12)
		for i := range s {
			s[i] = float64(seed) / 3 // seeds reach 0, 1/3, 2/3
		}
		r, _ := NewRunData(history("peg", "off", "global", seed, make([]float64, 12), s))
		runs = append(runs, r)
	}
	st := BuildSuccessTable(runs, []string{"peg"}, GridVariants, TableIterations, map[string]string{"badmm": "not implemented"})
	if len(st.Rows) != 4 {
		t.Fatalf("%d rows, want 4", len(st.Rows))
	}
	last := st.Rows[3]
	og := last.Cells[2] // off/global
	if last.Iteration != 12 || og.Runs != 3 || math.Abs(og.Ours-100.0/3) > 1e-12 || og.Paper != 92.59 {
		t.Errorf("off/global at 12: %+v", og)
	}
	if b := last.Cells[0]; b.Note != "not implemented" || !math.IsNaN(b.Ours) || b.Paper != 77.78 {
		t.Errorf("badmm cell: %+v", b)
	}
	md := st.Markdown()
	for _, want := range []string{"| Peg | 12 | not implemented [paper 77.78] | – [paper 70.73] | 33.33 [paper 92.59] |", "| task | iteration | badmm |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if !strings.Contains(st.HTML(), "<td>33.33 [paper 92.59]</td>") {
		t.Error("HTML lacks the off/global cell")
	}
	if !strings.Contains(st.CSV(), "peg,12,off/global,33.3333,3,92.5900,\n") {
		t.Errorf("CSV:\n%s", st.CSV())
	}
	sum := Summarize(runs)
	if len(sum) != 1 || sum[0].Iteration != 12 || len(sum[0].Seeds) != 3 || math.Abs(sum[0].Success-100.0/3) > 1e-12 {
		t.Errorf("summary %+v", sum)
	}
}

func TestEChartsEmbedded(t *testing.T) {
	if len(EChartsJS()) < 500000 || !strings.Contains(EChartsJS(), "echarts") {
		t.Fatalf("vendored echarts.min.js missing or truncated (%d bytes)", len(EChartsJS()))
	}
	lib := EChartsLibHTML()
	if !strings.HasPrefix(lib, "<script type=\"text/javascript\">(function(define, exports, module){") ||
		!strings.HasSuffix(lib, "}).call(window);</script>\n") {
		t.Error("library not wrapped against RequireJS")
	}
	f := &Lines{Title: "t", Curves: []Curve{{Name: "a", X: []float64{1, 2}, Y: []float64{1, 2}}}}
	h := HTML(f)
	if !strings.Contains(h, "echarts.init") || strings.Contains(h, "https://") && strings.Contains(h, "<script src=") {
		t.Error("chart HTML not self-contained")
	}
	page := Page("two", f.Chart(), f.Chart())
	if strings.Count(page, "(function(define, exports, module)") != 1 || strings.Count(page, "echarts.init") != 2 {
		t.Error("Page should hold the library once and both charts")
	}
}

func writeJSONL(t *testing.T, dir string, h []mdgps.Iteration) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b []byte
	for _, it := range h {
		it.Conditions = nil // history's conditions hold a NaN, which JSON cannot
		line, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		b = append(append(b, line...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, IterationsFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadRunsAndPaperFigure(t *testing.T) {
	root := t.TempDir()
	writeJSONL(t, filepath.Join(root, "runs", "peg_on-global_seed0"), history("peg", "on", "global", 0, []float64{0.2, 0.04}, []float64{0, 1}))
	writeJSONL(t, filepath.Join(root, "runs", "peg_off-classic_seed1"), history("peg", "off", "classic", 1, []float64{0.2, 0.06}, []float64{0, 0.5}))
	writeJSONL(t, filepath.Join(root, "runs", "peg_off-classic_seed0"), history("peg", "off", "classic", 0, []float64{0.2, 0.02}, []float64{0, 1}))
	writeJSONL(t, filepath.Join(root, "other", "obstacle_off-classic_seed0"), history("obstacle", "off", "classic", 0, []float64{2, 1}, []float64{0, 0}))
	runs, err := LoadRuns(filepath.Join(root, "runs"))
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 || runs[0].Variant != "off/classic" || runs[0].Seed != 0 || runs[2].Variant != "on/global" {
		t.Fatalf("runs: %+v", runs)
	}
	gs := Groups("peg", runs)
	if len(gs) != 2 || gs[0].Name != "off/classic" || len(gs[0].Runs) != 2 || gs[1].Name != "on/global" {
		t.Fatalf("groups in grid order: %+v", gs)
	}
	// Peg: distance_mean is the height above the hole bottom; mean of 0.06 and 0.02.
	f := PaperFigure("peg", runs, -0.5, -0.44)
	c := f.Curves[0]
	if math.Abs(c.Y[1]-0.04) > 1e-12 || math.Abs(c.Std[1]-0.02) > 1e-12 || math.Abs(f.HLines[0].Y-0.06) > 1e-12 {
		t.Errorf("peg figure: %v ± %v, success line %v", c.Y, c.Std, f.HLines)
	}
	// Obstacle: the trajectory-only baseline is dashed, the variants are not.
	base := history("obstacle", "off", "classic", 0, []float64{2, 0.5}, []float64{0, 0})
	for k := range base {
		base[k].Algorithm = "trajopt"
	}
	obsDir := t.TempDir()
	writeJSONL(t, filepath.Join(obsDir, "obstacle_trajopt_seed0"), base)
	writeJSONL(t, filepath.Join(obsDir, "obstacle_off-classic_seed0"), history("obstacle", "off", "classic", 0, []float64{2, 1}, []float64{0, 0}))
	obs, err := LoadRuns(obsDir)
	if err != nil {
		t.Fatal(err)
	}
	of := PaperFigure("obstacle", obs, 0, 0)
	if len(of.Curves) != 2 || of.Curves[0].Name != "off/classic" || of.Curves[0].Dashed || of.Curves[1].Name != "trajopt" || !of.Curves[1].Dashed {
		t.Errorf("obstacle figure curves: %+v", of.Curves)
	}
	md := MetricTable(runs, []string{"peg"}, []int{2}).Markdown()
	if !strings.Contains(md, "| Peg | off/classic | 2 | 0.040 ± 0.020 |") {
		t.Errorf("metric table:\n%s", md)
	}
	all, err := LoadRuns(root)
	if err != nil || len(all) != 4 {
		t.Errorf("LoadRuns(root): %d runs, %v", len(all), err)
	}
	if _, err := LoadRuns(filepath.Join(root, "missing")); err == nil {
		t.Error("a missing directory is not an error")
	}
	os.WriteFile(filepath.Join(root, "runs", "peg_on-global_seed0", IterationsFile), []byte("{bad\n"), 0o644)
	if _, err := LoadRuns(root); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("corrupt file: %v", err)
	}
}
