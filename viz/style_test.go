package viz

import (
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/obstacle"
	"github.com/mirrorgps/mirrorgps/mdgps"
)

// styleFigures are figures shaped like the notebooks' worst cases (issue 14):
// a long legend label over a title, nine conditions, a log axis over one
// decade (where gonum's LogTicks wrote 9.999999999999999e-05), twelve
// iterations (the half-drawn "12"), a path leaving the obstacle scene, a
// heat map dominated by a few large values, and bands below zero.
func styleFigures(t *testing.T) map[string]Figure {
	t.Helper()
	figs := map[string]Figure{}
	var runs [][]mdgps.Iteration
	for seed := range 3 {
		d := make([]float64, 12)
		s := make([]float64, 12)
		for i := range d {
			d[i] = 2*math.Exp(-0.3*float64(i)) + 0.1*float64(seed)
			s[i] = float64(seed) / 3
		}
		runs = append(runs, history("obstacle", "off", "classic", uint64(seed), d, s))
	}
	figs["curves"] = IterationCurves("Obstacle: final distance to the target", Distance, 1,
		[]Group{{Name: "MDGPS, off-policy, classic step", Runs: runs}})
	var h []mdgps.Iteration
	for k := 1; k <= 12; k++ {
		it := mdgps.Iteration{Iteration: k}
		for c := range 9 {
			kl := make([]float64, 100)
			for t := range kl {
				kl[t] = 1e-4 * math.Exp(0.1*float64(t)) * float64(c+1) // 1e-4 … 2e1
			}
			it.Conditions = append(it.Conditions, mdgps.Cond{Cond: c, Eta: math.Pow(10, float64(c-k)/3),
				Epsilon: 1e-5 * (1 + 0.5*float64(c)), KL: 3e-3 * float64(k), KLPerT: kl})
		}
		h = append(h, it)
	}
	figs["eta"] = EtaTraces(h)
	figs["epsilon"] = EpsilonTraces(h) // 18 legend entries
	figs["heatmap"] = KLHeatmap(h[11])
	figs["onedecade"] = &Lines{Title: "Relative gap (log scale)", XLabel: "iteration", YLabel: "(J − J*) / J*", LogY: true,
		Curves: []Curve{{Name: "gap", X: []float64{1, 2, 3, 4}, Y: []float64{9e-5, 5e-5, 2.2e-5, 1.1e-5}}}}
	// Notebook 02's KL(η): a log axis over ten decades, whose mid-range
	// (arithmetic) sits near the top: gonum/plot padded the rotated y label's
	// box there and shrank the data area to two thirds.
	kl := &Lines{Title: "KL(η) of condition 2 against its budget ε", XLabel: "log10 η", YLabel: "KL per time step (nats)", LogY: true,
		HLines: []HLine{{Name: "ε", Y: 2}}}
	var le, lk []float64
	for e := -4.0; e <= 4.0; e += 0.1 {
		le, lk = append(le, e), append(lk, 1e3*math.Pow(10, -1.2*(e+4)))
	}
	kl.Curves = []Curve{{Name: "KL(p_η ‖ π̄)", X: le, Y: lk}, {Name: "dual search iterates", X: []float64{-2, -1.5, -1}, Y: []float64{10, 3, 1.5}, Dashed: true}}
	figs["kl-eta"] = kl
	peg := &Lines{Title: "Peg: global policy after 3 iterations", XLabel: "time (s)", YLabel: "peg-bottom height z (m)",
		HLines: []HLine{{Name: "hole bottom", Y: -0.5}, {Name: "success height", Y: -0.44}}}
	for c := range 9 {
		cv := Curve{Name: fmt.Sprintf("condition %d", c)}
		for t := range 100 {
			cv.X = append(cv.X, 0.05*float64(t))
			cv.Y = append(cv.Y, -0.5+0.3*math.Exp(-0.05*float64(t*(c+1))))
		}
		peg.Curves = append(peg.Curves, cv)
	}
	figs["peg"] = peg
	neg := IterationCurves("Bands below zero", Distance, 1, []Group{{Name: "g", Runs: [][]mdgps.Iteration{
		history("x", "off", "classic", 0, []float64{-1, 0.5, 1}, []float64{0, 0, 0}),
		history("x", "off", "classic", 1, []float64{1, 1.5, 1}, []float64{0, 0, 0}),
	}}})
	figs["negative-band"] = neg
	env := obstacle.New()
	var samples []*envs.Sample
	for c := range 5 {
		s := envs.NewSample(env)
		s.Cond = c
		for t := 0; t < s.T; t++ {
			x := s.State(t)
			f := float64(t) / float64(s.T-1)
			x[0], x[1] = 3*f, (1-f)*(float64(c)-2)*0.75
			if c == 4 {
				x[0] = 40 * f // diverges far beyond the scene
			}
		}
		samples = append(samples, s)
	}
	figs["paths"] = SamplePaths("Global policy after 12 iterations (noiseless)", env, samples)
	return figs
}

func overlaps(a, b vg.Rectangle) bool {
	return a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y
}

func inside(r, c vg.Rectangle) bool {
	const tol = 0.01 // points: rounding of the text metrics
	return r.Min.X >= c.Min.X-tol && r.Max.X <= c.Max.X+tol && r.Min.Y >= c.Min.Y-tol && r.Max.Y <= c.Max.Y+tol
}

// TestFigureGeometry checks every figure's layout as Draw makes it: the legend
// is outside the data area and away from the title, the title and every tick
// label lie inside the canvas, and every tick label is a short number.
func TestFigureGeometry(t *testing.T) {
	out := os.Getenv("VIZ_FIGURES_OUT") // keep the figures there, to look at them
	for name, f := range styleFigures(t) {
		t.Run(name, func(t *testing.T) {
			p, err := f.Plot()
			if err != nil {
				t.Fatal(err)
			}
			l := LayoutOf(p, 0, 0)
			if l.Title == (vg.Rectangle{}) || !inside(l.Title, l.Canvas) {
				t.Errorf("title %v not inside the canvas %v", l.Title, l.Canvas)
			}
			if h := l.Data.Size().Y; h < 0.6*l.Canvas.Size().Y {
				t.Errorf("the data area is %.0f pt high, less than 60%% of the canvas", h)
			}
			if overlaps(l.Title, l.Data) {
				t.Errorf("title %v overlaps the data area %v", l.Title, l.Data)
			}
			if l.Legend == (vg.Rectangle{}) {
				t.Fatal("no legend")
			}
			if overlaps(l.Legend, l.Data) || overlaps(l.Legend, l.Title) || !inside(l.Legend, l.Canvas) {
				t.Errorf("legend %v: overlaps the data area %v or the title %v, or leaves the canvas %v",
					l.Legend, l.Data, l.Title, l.Canvas)
			}
			perAxis := map[string][]TickLabel{}
			for _, tl := range l.Ticks {
				perAxis[tl.Axis] = append(perAxis[tl.Axis], tl)
				if v, ok := ParseTickLabel(tl.Text); !ok || math.IsNaN(v) || SignificantDigits(tl.Text) > 4 || len([]rune(tl.Text)) > 8 {
					t.Errorf("%s tick label %q is not a short number", tl.Axis, tl.Text)
				}
				if !inside(tl.Rect, l.Canvas) {
					t.Errorf("%s tick label %q at %v leaves the canvas %v", tl.Axis, tl.Text, tl.Rect, l.Canvas)
				}
				if overlaps(tl.Rect, l.Legend) {
					t.Errorf("%s tick label %q overlaps the legend", tl.Axis, tl.Text)
				}
			}
			for _, axis := range []string{"x", "y"} {
				ts := perAxis[axis]
				if len(ts) < 2 {
					t.Errorf("%s axis: %d labelled ticks, want at least 2", axis, len(ts))
				}
				for i := 1; i < len(ts); i++ {
					if overlaps(ts[i-1].Rect, ts[i].Rect) {
						t.Errorf("%s tick labels %q and %q overlap", axis, ts[i-1].Text, ts[i].Text)
					}
				}
			}
			svg, err := SVG(p)
			if err != nil {
				t.Fatal(err)
			}
			checkSVGText(t, svg)
			if out != "" {
				os.MkdirAll(out, 0o755)
				os.WriteFile(filepath.Join(out, name+".svg"), svg, 0o644)
				os.WriteFile(filepath.Join(out, name+".html"), []byte(Page(name, f.Chart())), 0o644)
			}
		})
	}
}

var (
	svgTextRe = regexp.MustCompile(`<text[^>]*>([^<]*)</text>`)
	numberRe  = regexp.MustCompile(`[0-9][0-9.]*(?:[eE][-+]?[0-9]+)?`)
)

// checkSVGText fails on a text label of the SVG holding a number with more
// than 6 significant digits (the notebook test applies the same rule).
func checkSVGText(t *testing.T, svg []byte) {
	t.Helper()
	n := 0
	for _, m := range svgTextRe.FindAllSubmatch(svg, -1) {
		n++
		for _, num := range numberRe.FindAllString(string(m[1]), -1) {
			if SignificantDigits(num) > 6 {
				t.Errorf("SVG text %q holds %s (%d significant digits)", m[1], num, SignificantDigits(num))
			}
		}
	}
	if n == 0 {
		t.Error("the SVG has no text")
	}
}

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		log    bool
		want   []string // the labelled ticks
	}{
		{1e-5, 1e-4, true, []string{"10⁻⁵", "2e-05", "5e-05", "10⁻⁴"}},
		{1.2e-5, 9e-5, true, []string{"2e-05", "5e-05"}},
		{1e-6, 1e3, true, []string{"10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1", "10", "10²", "10³"}},
		{1e-12, 1e6, true, nil}, // 18 decades: every third labelled
		{0.5, 20, true, []string{"0.5", "1", "2", "5", "10", "20"}},
		{0, 12, false, []string{"0", "2", "4", "6", "8", "10", "12"}},
		{0.1, 0.7, false, []string{"0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"}},
		{-0.55, -0.35, false, []string{"-0.55", "-0.50", "-0.45", "-0.40", "-0.35"}},
		{0, 3e-4, false, nil},
		{1234567, 1234987, false, nil},
	} {
		var got []string
		if c.log {
			for _, tk := range (DecadeTicks{}).Ticks(c.lo, c.hi) {
				if tk.Label != "" {
					got = append(got, tk.Label)
				}
			}
		} else {
			for _, tk := range (NiceTicks{}).Ticks(c.lo, c.hi) {
				got = append(got, tk.Label)
			}
		}
		if c.want == nil {
			// Only the rule: short numbers, at least two.
			if len(got) < 2 {
				t.Errorf("[%g, %g] log=%v: %d labels %v", c.lo, c.hi, c.log, len(got), got)
			}
			for _, g := range got {
				if _, ok := ParseTickLabel(g); !ok || SignificantDigits(g) > 3 {
					t.Errorf("[%g, %g]: label %q", c.lo, c.hi, g)
				}
			}
			continue
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("[%g, %g] log=%v: labels %v, want %v", c.lo, c.hi, c.log, got, c.want)
		}
	}
	for _, c := range []struct {
		s    string
		v    float64
		sig  int
		isOK bool
	}{{"10⁻⁵", 1e-5, 1, true}, {"10³", 1e3, 1, true}, {"0.00012", 1.2e-4, 2, true},
		{"9.999999999999999e-05", 9.999999999999999e-05, 16, true}, {"1200", 1200, 2, true}, {"1.50", 1.5, 3, true},
		{"condition", 0, 0, false}} {
		v, ok := ParseTickLabel(c.s)
		if ok != c.isOK || (ok && math.Abs(v-c.v) > 1e-12*math.Abs(c.v)) {
			t.Errorf("ParseTickLabel(%q) = %v, %v", c.s, v, ok)
		}
		if ok && SignificantDigits(c.s) != c.sig {
			t.Errorf("SignificantDigits(%q) = %d, want %d", c.s, SignificantDigits(c.s), c.sig)
		}
	}
}

// chartOption is the part of an echarts option the layout checks read.
type chartOption struct {
	Title struct {
		Text string `json:"text"`
		Top  string `json:"top"`
	} `json:"title"`
	Legend struct {
		Show   bool     `json:"show"`
		Orient string   `json:"orient"`
		Right  string   `json:"right"`
		Top    string   `json:"top"`
		Bottom string   `json:"bottom"`
		Width  string   `json:"width"`
		Data   []string `json:"data"`
	} `json:"legend"`
	Grid []struct {
		Top, Left, Right, Bottom string
	} `json:"grid"`
	XAxis  []axisOption `json:"xAxis"`
	YAxis  []axisOption `json:"yAxis"`
	Series []struct {
		Name          string            `json:"name"`
		Stack         string            `json:"stack"`
		StackStrategy string            `json:"stackStrategy"`
		Data          []json.RawMessage `json:"data"`
	} `json:"series"`
}

// axisOption is an axis of an echarts option: echarts labels a fixed range's
// ends as they are, so they must be short numbers.
type axisOption struct {
	Min *float64 `json:"min"`
	Max *float64 `json:"max"`
}

func pxOf(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "px"), 64)
	if err != nil {
		t.Fatalf("%q is not a pixel length", s)
	}
	return v
}

func parseOption(t *testing.T, c Snippeter) chartOption {
	t.Helper()
	var o chartOption
	raw := c.RenderSnippet().Option
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		t.Fatalf("option JSON: %v\n%.400s", err, raw)
	}
	return o
}

// TestChartLayout checks the echarts option of every figure: the same size as
// the SVG, the title above the grid, the legend (when shown) right of the grid
// with the room its longest entry needs.
func TestChartLayout(t *testing.T) {
	for name, f := range styleFigures(t) {
		t.Run(name, func(t *testing.T) {
			c := f.Chart()
			o := parseOption(t, c)
			el := c.RenderSnippet().Element
			if !strings.Contains(el, fmt.Sprintf("width:%dpx", DefaultWidthPx)) || !strings.Contains(el, fmt.Sprintf("height:%dpx", DefaultHeightPx)) {
				t.Errorf("chart element is not %d×%d px: %.200s", DefaultWidthPx, DefaultHeightPx, el)
			}
			for _, a := range append(o.XAxis, o.YAxis...) {
				for _, v := range []*float64{a.Min, a.Max} {
					if v != nil && SignificantDigits(strconv.FormatFloat(*v, 'g', -1, 64)) > 4 {
						t.Errorf("axis end %v is not a short number", *v)
					}
				}
			}
			if len(o.Grid) != 1 {
				t.Fatalf("%d grids, want 1", len(o.Grid))
			}
			if top := pxOf(t, o.Title.Top); top+chartTitleHeight > pxOf(t, o.Grid[0].Top) {
				t.Errorf("title at %v px reaches into the grid starting at %s", top, o.Grid[0].Top)
			}
			if !o.Legend.Show {
				return
			}
			lg := o.Legend
			if lg.Orient == "horizontal" {
				if lg.Bottom == "" || pxOf(t, o.Grid[0].Bottom) < chartGridBottom+chartLegendRow {
					t.Errorf("legend below the grid (bottom %q) without room: grid bottom %s", lg.Bottom, o.Grid[0].Bottom)
				}
				return
			}
			if lg.Orient != "vertical" || lg.Right == "" {
				t.Fatalf("legend not a vertical list on the right: %+v", lg)
			}
			need := pxOf(t, lg.Right) + float64(LegendWidthPx(lg.Data))
			if r := pxOf(t, o.Grid[0].Right); r < need {
				t.Errorf("grid ends %v px from the right, the legend needs %v px", r, need)
			}
			if pxOf(t, lg.Top) < pxOf(t, o.Title.Top)+chartTitleHeight {
				t.Errorf("legend top %s overlaps the title", lg.Top)
			}
		})
	}
}

// TestChartBands checks the ±std bands of the interactive chart on a linear
// axis where the lower edge is negative: lower edge and width are stacked
// with stackStrategy "all" (echarts' default, "samesign", does not stack a
// positive width on a negative edge and drew the band from 0), and edge +
// width is the upper edge.
func TestChartBands(t *testing.T) {
	f := styleFigures(t)["negative-band"].(*Lines)
	o := parseOption(t, f.Chart())
	var bands [][]json.RawMessage
	for _, s := range o.Series {
		if s.Stack != "" {
			if s.StackStrategy != "all" {
				t.Errorf("series %q: stack %q with strategy %q, want all", s.Name, s.Stack, s.StackStrategy)
			}
			bands = append(bands, s.Data)
		}
	}
	if len(bands) != 2 {
		t.Fatalf("%d stacked series, want 2 (edge, width)", len(bands))
	}
	c := f.Curves[0]
	negative := false
	for j := range c.Y {
		var lo, w struct {
			Value float64 `json:"value"`
		}
		if err := json.Unmarshal(bands[0][j], &lo); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(bands[1][j], &w); err != nil {
			t.Fatal(err)
		}
		negative = negative || lo.Value < 0
		// 1e-12: one subtraction and one addition of numbers near 1.
		if math.Abs(lo.Value-(c.Y[j]-c.Std[j])) > 1e-12 || math.Abs(lo.Value+w.Value-(c.Y[j]+c.Std[j])) > 1e-12 || w.Value < 0 {
			t.Errorf("iteration %v: band %v + %v, want %v … %v", c.X[j], lo.Value, w.Value, c.Y[j]-c.Std[j], c.Y[j]+c.Std[j])
		}
	}
	if !negative {
		t.Error("the test figure has no band below zero")
	}
}

// TestHeatmapColours: on KL-like values spread over five decades (a few time
// steps far above the rest), the log colour scale spans the map — the smallest
// value gets the darkest colour, the largest the lightest, and the cells use
// most of the scale — where a linear scale left almost every cell at the dark
// end (the "almost black" heat map).
func TestHeatmapColours(t *testing.T) {
	h := styleFigures(t)["heatmap"].(*Heatmap)
	span := func(h *Heatmap) (lo, hi, median float64) {
		var fr []float64
		for _, r := range h.Values {
			for _, v := range r {
				fr = append(fr, h.Fraction(v))
			}
		}
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, f := range fr {
			lo, hi = math.Min(lo, f), math.Max(hi, f)
		}
		below := 0
		for _, f := range fr {
			if f < 0.5 {
				below++
			}
		}
		return lo, hi, float64(below) / float64(len(fr))
	}
	lo, hi, below := span(h)
	if lo != 0 || hi != 1 {
		t.Errorf("log scale: cell fractions span [%v, %v], want [0, 1]", lo, hi)
	}
	if below < 0.3 || below > 0.7 {
		t.Errorf("log scale: %.0f%% of the cells in the lower half of the scale, want 30–70%%", 100*below)
	}
	vmin, vmax := h.Range()
	if h.Colour(vmin) != Viridis(0) || h.Colour(vmax) != Viridis(1) {
		t.Errorf("extreme colours %v, %v; want Viridis(0), Viridis(1)", h.Colour(vmin), h.Colour(vmax))
	}
	lin := *h
	lin.LogScale = false
	if _, _, below := span(&lin); below < 0.9 {
		t.Errorf("linear scale: only %.0f%% of the cells in the lower half: the test data does not reproduce the dark map", 100*below)
	}
	// Notebook 02's map mid-iteration: rows of zeros and a KL of 1e-15 beside
	// ones near 100; the scale covers LogDecades below the largest value, and
	// zero and 1e-15 get the darkest colour instead of a blank or a 17-decade scale.
	z := &Heatmap{LogScale: true, Values: [][]float64{{0, 0, 0}, {120, 30, 1e-15}}}
	if lo, hi := z.Range(); hi != 120 || math.Abs(lo-120e-6) > 1e-18 {
		t.Errorf("range [%v, %v], want [1.2e-4, 120]", lo, hi)
	}
	if z.Colour(0) != Viridis(0) || z.Colour(1e-15) != Viridis(0) || z.Colour(math.NaN()) != (color.NRGBA{255, 255, 255, 255}) {
		t.Errorf("colours of 0, 1e-15, NaN: %v %v %v", z.Colour(0), z.Colour(1e-15), z.Colour(math.NaN()))
	}
	// The rendered cells fill the data area: the SVG's image has the data
	// area's size and is stretched to it (SVG keeps an image's aspect ratio
	// unless told not to, which drew 9 × 100 cells as a thin strip).
	p, err := h.Plot()
	if err != nil {
		t.Fatal(err)
	}
	svg, err := SVG(p)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<image preserveAspectRatio="none"[^>]* width="([0-9.]+)" height="([0-9.]+)"`).FindSubmatch(svg)
	if m == nil {
		t.Fatal("no stretched <image> in the heat map's SVG")
	}
	d := LayoutOf(p, 0, 0).Data.Size()
	w, _ := strconv.ParseFloat(string(m[1]), 64)
	hh, _ := strconv.ParseFloat(string(m[2]), 64)
	// 1 pt: the image spans the cell centres ± half a cell, the data area
	// the same range; both are rounded in the SVG.
	if math.Abs(w-float64(d.X)) > 1 || math.Abs(hh-float64(d.Y)) > 1 {
		t.Errorf("image %v × %v pt, data area %v × %v pt", w, hh, d.X, d.Y)
	}
	// Viridis runs dark to light.
	lum := func(f float64) float64 {
		c := Viridis(f)
		return 0.3*float64(c.R) + 0.59*float64(c.G) + 0.11*float64(c.B)
	}
	for f := 0.1; f <= 1; f += 0.1 {
		if lum(f) <= lum(f-0.1) {
			t.Errorf("Viridis is not brighter at %.1f than at %.1f", f, f-0.1)
		}
	}
	// The interactive map uses the same stops.
	if opt := h.Chart().RenderSnippet().Option; !strings.Contains(opt, `"#440154"`) || !strings.Contains(opt, `"#fde725"`) {
		t.Error("echarts visual map lacks the Viridis stops")
	}
}

// TestSeriesStyles: the first nine series differ in colour, and neighbours
// also in dash pattern, so that they stay apart in greyscale.
func TestSeriesStyles(t *testing.T) {
	seen := map[string]bool{}
	for i := range 9 {
		key := fmt.Sprintf("%s/%d", Colour(i), Dash(i))
		if seen[key] || seen[Colour(i)] {
			t.Errorf("series %d repeats %s", i, key)
		}
		seen[key], seen[Colour(i)] = true, true
		if i > 0 && Dash(i) == Dash(i-1) {
			t.Errorf("series %d and %d share a dash pattern", i-1, i)
		}
	}
}
