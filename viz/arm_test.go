package viz

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/mirrorgps/mirrorgps/envs"
)

// toyArm is a planar two-link arm in the y–z plane (links of 0.4 and 0.3 m,
// capsules of radius 0.05 and 0.04) holding a vertical peg (a cylinder of radius
// 0.02, 0.2 long) at its tip, with a sphere at the shoulder, above a table with a
// hole at y = 0.5: what peg.Env.Geometry returns, without MuJoCo. The shoulder
// swings from 0 to −0.6 rad over T steps.
func toyArm(T int) *envs.ArmMotion {
	id := [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	m := &envs.ArmMotion{Task: "toy", Dt: 0.05, Bodies: []string{"upper", "fore", "peg"}, Parent: []int{-1, 0, 1},
		PointNames: []string{"peg bottom", "peg top"}, Target: [][3]float64{{0, 0.5, -0.5}, {0, 0.5, -0.3}},
		Fixed: []envs.Shape{
			{Name: "floor", Kind: envs.Box, Pos: [3]float64{0, 0.5, -0.55}, Rot: id, Size: [3]float64{0.2, 0.2, 0.05}},
			{Name: "left", Kind: envs.Box, Pos: [3]float64{0, 0.35, -0.45}, Rot: id, Size: [3]float64{0.2, 0.12, 0.05}},
			{Name: "right", Kind: envs.Box, Pos: [3]float64{0, 0.65, -0.45}, Rot: id, Size: [3]float64{0.2, 0.12, 0.05}},
			{Name: "behind", Kind: envs.Box, Pos: [3]float64{0.5, 0.5, -0.45}, Rot: id, Size: [3]float64{0.1, 0.2, 0.05}},
		}}
	// capsule returns a capsule from a to b in the y–z plane: its third axis
	// points from b to a (as MuJoCo's fromto), its first is world x.
	capsule := func(name string, a, b [3]float64, r float64) envs.Shape {
		d := [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]}
		l := math.Sqrt(d[0]*d[0] + d[1]*d[1] + d[2]*d[2])
		zy, zz := d[1]/l, d[2]/l
		return envs.Shape{Name: name, Kind: envs.Capsule, Size: [3]float64{r, l / 2, 0},
			Pos: [3]float64{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2},
			Rot: [9]float64{1, 0, 0, 0, zz, zy, 0, -zy, zz}}
	}
	for t := range T {
		q := -0.6 * float64(t) / float64(max(T-1, 1))
		elbow := [3]float64{0, 0.4 * math.Cos(q), 0.4 * math.Sin(q)}
		tip := [3]float64{0, elbow[1] + 0.3, elbow[2]}
		bottom, top := [3]float64{0, tip[1], tip[2] - 0.1}, [3]float64{0, tip[1], tip[2] + 0.1}
		peg := capsule("peg", top, bottom, 0.02)
		peg.Kind = envs.Cylinder
		m.Solids = append(m.Solids, []envs.Shape{
			{Name: "upper", Kind: envs.Sphere, Pos: [3]float64{0, 0, 0}, Rot: id, Size: [3]float64{0.08}},
			capsule("upper", [3]float64{}, elbow, 0.05), capsule("fore", elbow, tip, 0.04), peg})
		m.BodyPos = append(m.BodyPos, [][3]float64{{}, elbow, tip})
		m.Points = append(m.Points, [][3]float64{bottom, top})
	}
	return m
}

func TestArmSnapshots(t *testing.T) {
	for _, c := range []struct {
		T, n int
		want []int
	}{
		{100, 4, []int{0, 33, 66, 99}},
		{100, 1, []int{99}},
		{3, 4, []int{0, 1, 2}},
		{1, 4, []int{0}},
		{0, 4, nil},
	} {
		if got := ArmSnapshots(c.T, c.n); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("ArmSnapshots(%d, %d) = %v, want %v", c.T, c.n, got, c.want)
		}
	}
}

// TestArmOutline checks the projected outlines against the solids' exact
// projections: every outline point lies on the projection's boundary, to the
// sampling error of a 24-point circle, r(1 − cos(π/24)) < 0.0086 r.
func TestArmOutline(t *testing.T) {
	m := toyArm(5)
	s := m.Solids[4]
	sphere, upper, peg := s[0], s[1], s[3]
	distToSegment := func(p, a, b plotter.XY) float64 {
		dx, dy := b.X-a.X, b.Y-a.Y
		u := math.Max(0, math.Min(1, ((p.X-a.X)*dx+(p.Y-a.Y)*dy)/(dx*dx+dy*dy)))
		return math.Hypot(p.X-a.X-u*dx, p.Y-a.Y-u*dy)
	}
	for _, c := range []struct {
		name string
		v    ArmView
		sh   envs.Shape
		n    int                        // expected number of hull points (0: any)
		dist func(p plotter.XY) float64 // distance from the exact boundary
	}{
		{"sphere", SideView, sphere, 24, func(p plotter.XY) float64 { return math.Abs(math.Hypot(p.X, p.Y) - 0.08) }},
		{"capsule side", SideView, upper, 0, func(p plotter.XY) float64 {
			a, b := upper.Ends()
			return math.Abs(distToSegment(p, SideView.project(a), SideView.project(b)) - 0.05)
		}},
		// Seen from above, a vertical cylinder is a disc of its radius.
		{"cylinder from above", TopView, peg, 0, func(p plotter.XY) float64 {
			return math.Abs(math.Hypot(p.X-peg.Pos[0], p.Y-peg.Pos[1]) - 0.02)
		}},
		// From the side, a vertical cylinder is a 0.04 × 0.2 rectangle.
		{"cylinder side", SideView, peg, 4, func(p plotter.XY) float64 {
			return math.Min(math.Abs(math.Abs(p.X-peg.Pos[1])-0.02), math.Abs(math.Abs(p.Y-peg.Pos[2])-0.1))
		}},
		{"box from above", TopView, m.Fixed[0], 4, func(p plotter.XY) float64 {
			return math.Abs(math.Abs(p.X)-0.2) + math.Abs(math.Abs(p.Y-0.5)-0.2)
		}},
	} {
		o := c.v.Outline(c.sh)
		if c.n > 0 && len(o) != c.n {
			t.Errorf("%s: %d outline points, want %d", c.name, len(o), c.n)
		}
		r := c.sh.Size[0]
		for _, p := range o {
			if d := c.dist(p); d > 0.0086*r+1e-12 {
				t.Errorf("%s: outline point %v is %.3g off the boundary", c.name, p, d)
			}
		}
	}
}

var strokeRe = regexp.MustCompile(`stroke:(#[0-9A-Fa-f]{6})`)

// strokes counts the SVG elements stroked in each colour.
func strokes(svg []byte) map[string]int {
	n := map[string]int{}
	for _, m := range strokeRe.FindAllSubmatch(svg, -1) {
		n[strings.ToLower(string(m[1]))]++
	}
	return n
}

// TestArmSVG checks the snapshots an arm figure draws: one legend entry per
// snapshot, and per snapshot one outline per solid and one segment per link in
// every panel (plus the legend swatch), in the snapshot's own colour.
func TestArmSVG(t *testing.T) {
	m := toyArm(21)
	snaps := []int{0, 5, 10, 15, 20}
	panels := []*Arm{
		{Title: "side", Motion: m, View: SideView, Snapshots: snaps},
		{Title: "top", Motion: m, View: TopView, Snapshots: snaps},
		{Title: "peg only", Motion: m, View: SideView, Snapshots: snaps, Only: []string{"peg"}, Zoom: 0.9},
	}
	svg, err := ArmSVG(3, 0, 0, panels...)
	if err != nil {
		t.Fatal(err)
	}
	checkSVGText(t, svg)
	var labels []string
	for _, mt := range svgTextRe.FindAllSubmatch(svg, -1) {
		if strings.HasPrefix(string(mt[1]), "t = ") {
			labels = append(labels, string(mt[1]))
		}
	}
	if want := "[t = 0.00 s t = 0.25 s t = 0.50 s t = 0.75 s t = 1.00 s]"; fmt.Sprint(labels) != want {
		t.Errorf("snapshot labels %v, want %s", labels, want)
	}
	n := strokes(svg)
	for k := range snaps {
		// 4 solids and 2 links (shoulder–elbow, elbow–tip) in each of the two
		// full panels, 1 solid (the peg) in the third (zoomed out enough to hold
		// the peg at every snapshot), 1 legend swatch.
		if got, want := n[snapshotColour(k, len(snaps))], 6+6+1+1; got != want {
			t.Errorf("snapshot %d: %d outlines in its colour, want %d", k, got, want)
		}
	}
	if _, err := ArmSVG(2, 0, 0); err == nil {
		t.Error("ArmSVG without figures: no error")
	}
}

// TestArmPlot checks the single-view figure: equal scales (a metre as long on
// both axes), the legend outside the data area, and the default snapshots.
func TestArmPlot(t *testing.T) {
	for _, v := range []ArmView{SideView, RearView, TopView} {
		a := ArmFigure("toy arm, "+v.Name, toyArm(30), v)
		p, err := a.Plot()
		if err != nil {
			t.Fatal(err)
		}
		l := LayoutOf(p, 0, 0)
		sx := (p.X.Max - p.X.Min) / float64(l.Data.Max.X-l.Data.Min.X)
		sy := (p.Y.Max - p.Y.Min) / float64(l.Data.Max.Y-l.Data.Min.Y)
		// The tick labels are computed once more after the last adjustment: 1 %.
		if math.Abs(sx/sy-1) > 0.01 {
			t.Errorf("%s view: %.4g m/pt across, %.4g m/pt up", v.Name, sx, sy)
		}
		if l.Legend == (vg.Rectangle{}) || overlaps(l.Legend, l.Data) || overlaps(l.Legend, l.Title) {
			t.Errorf("%s view: legend %v overlaps the data %v or the title %v", v.Name, l.Legend, l.Data, l.Title)
		}
		svg, err := SVG(p)
		if err != nil {
			t.Fatal(err)
		}
		checkSVGText(t, svg)
		if got := strings.Count(string(svg), ">t = "); got != 4 {
			t.Errorf("%s view: %d snapshot labels, want the default 4", v.Name, got)
		}
	}
	for _, c := range []struct {
		name string
		a    *Arm
		want string
	}{
		{"no motion", &Arm{Title: "x"}, "no motion"},
		{"snapshot", &Arm{Title: "x", Motion: toyArm(5), Snapshots: []int{0, 5}}, "snapshot time step 5"},
		{"rows", &Arm{Title: "x", Motion: &envs.ArmMotion{Solids: make([][]envs.Shape, 3)}}, "one of each per time step"},
	} {
		if _, err := c.a.Plot(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
}

// TestArmAnimation checks the echarts animation's option: a timeline with a
// play button and a slider over every time step, one frame per step with the
// arm's links as wide as the solids at the panels' common scale, the path so
// far, and equal scales in both panels.
func TestArmAnimation(t *testing.T) {
	const T = 12
	m := toyArm(T)
	o, err := AnimationOption("toy", m)
	if err != nil {
		t.Fatal(err)
	}
	// Through JSON, as the browser sees it.
	raw, err := json.Marshal(o.Option)
	if err != nil {
		t.Fatal(err)
	}
	var opt struct {
		BaseOption struct {
			Timeline struct {
				AxisType     string   `json:"axisType"`
				Data         []string `json:"data"`
				AutoPlay     bool     `json:"autoPlay"`
				PlayInterval float64  `json:"playInterval"`
				ControlStyle struct {
					ShowPlayBtn bool `json:"showPlayBtn"`
				} `json:"controlStyle"`
			} `json:"timeline"`
			Grid []struct {
				Width, Height float64
			} `json:"grid"`
			XAxis  []struct{ Min, Max float64 } `json:"xAxis"`
			YAxis  []struct{ Min, Max float64 } `json:"yAxis"`
			Series []struct {
				ID   string `json:"id"`
				Type string `json:"type"`
			} `json:"series"`
		} `json:"baseOption"`
		Options []struct {
			Series []struct {
				ID   string            `json:"id"`
				Data []json.RawMessage `json:"data"`
			} `json:"series"`
		} `json:"options"`
	}
	if err := json.Unmarshal(raw, &opt); err != nil {
		t.Fatal(err)
	}
	tl := opt.BaseOption.Timeline
	if tl.AxisType != "category" || len(tl.Data) != T || tl.Data[1] != "0.05" || !tl.ControlStyle.ShowPlayBtn || tl.AutoPlay || tl.PlayInterval != 50 {
		t.Errorf("timeline %+v: want %d steps labelled in seconds, a play button, no autoplay, 50 ms a step", tl, T)
	}
	if len(opt.Options) != T {
		t.Fatalf("%d frames, want %d", len(opt.Options), T)
	}
	var scale []float64
	for i, g := range opt.BaseOption.Grid {
		x, y := opt.BaseOption.XAxis[i], opt.BaseOption.YAxis[i]
		sx, sy := g.Width/(x.Max-x.Min), g.Height/(y.Max-y.Min)
		// Axis bounds are rounded to 0.1 mm on spans of about a metre.
		if math.Abs(sx/sy-1) > 1e-3 {
			t.Errorf("panel %d: %.4g px/m across, %.4g px/m up", i, sx, sy)
		}
		scale = append(scale, sx)
	}
	if len(scale) != 2 || math.Abs(scale[0]/scale[1]-1) > 1e-3 {
		t.Errorf("panel scales %v px/m, want two equal ones", scale)
	}
	for k, f := range opt.Options {
		for _, s := range f.Series {
			switch {
			case strings.HasPrefix(s.ID, "arm-"):
				if len(s.Data) != 3 { // two capsules and the peg
					t.Fatalf("frame %d, %s: %d links, want 3", k, s.ID, len(s.Data))
				}
				var link struct {
					LineStyle struct {
						Width float64 `json:"width"`
						Cap   string  `json:"cap"`
					} `json:"lineStyle"`
				}
				json.Unmarshal(s.Data[0], &link)
				// The farthest link first; seen from the side all lie in x = 0, so
				// the sort keeps the model order: the upper arm, radius 0.05 m,
				// rounded to 0.1 px.
				if s.ID != "arm-side" {
					continue
				}
				if want := 2 * 0.05 * scale[0]; math.Abs(link.LineStyle.Width-want) > 0.05 || link.LineStyle.Cap != "round" {
					t.Errorf("frame %d, %s: first link %+v, want width %.1f px, round caps", k, s.ID, link.LineStyle, want)
				}
			case strings.HasPrefix(s.ID, "path-"):
				if len(s.Data) != k+1 {
					t.Errorf("frame %d, %s: %d path points, want %d", k, s.ID, len(s.Data), k+1)
				}
			case strings.HasPrefix(s.ID, "spheres-"):
				if len(s.Data) != 1 {
					t.Errorf("frame %d, %s: %d spheres, want 1", k, s.ID, len(s.Data))
				}
			}
		}
	}
	if len(o.Polygons["table-side"]) != 3 || len(o.Polygons["table-top"]) != 4 {
		t.Errorf("table polygons: %d in the side section, %d from above; want 3 (floor, left, right: the section misses the box behind) and 4",
			len(o.Polygons["table-side"]), len(o.Polygons["table-top"]))
	}
	c, err := ArmAnimation("toy", m)
	if err != nil {
		t.Fatal(err)
	}
	sn := c.RenderSnippet()
	for _, want := range []string{"echarts.init(", `"timeline":`, `"showPlayBtn":true`, "renderItem", "setOption(option, true)"} {
		if !strings.Contains(sn.Script, want) {
			t.Errorf("the chart's script lacks %q", want)
		}
	}
	if _, err := AnimationOption("x", nil); err == nil {
		t.Error("AnimationOption(nil): no error")
	}
}
