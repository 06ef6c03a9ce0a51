package viz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/mirrorgps/mirrorgps/envs"
)

// The arm, drawn (issue 14, item 4): an envs.ArmMotion (peg.Env.Geometry: the
// arm's solids along a sample, placed by MuJoCo's forward kinematics, and the
// table with the hole) in orthographic views — side (x–z), front (y–z) and top
// (x–y) — as SVG, and as an echarts animation with a play button and a time
// slider. Solids are drawn as their exact outlines in the view: the convex hull of
// a box's corners, of a capsule's two end spheres, of a cylinder's two end discs;
// over them, the links as segments from body origin to body origin.
// Side and front views cut the table through the hole's centre (a section), so
// the hole shows; the top view shows the table from above, the hole's floor at
// the bottom of the opening.

// ArmView is an orthographic view of a 3-D scene: world axis H to the right,
// world axis V up, and the viewer on the side of Depth's negative end when
// Toward is false (the nearer solids are painted last).
type ArmView struct {
	Name           string
	H, V, Depth    int  // world axes (0 = x, 1 = y, 2 = z)
	Toward         bool // the viewer is at +∞ along Depth (top view: looking down)
	Section        bool // cut the fixed scene through the target (side views)
	HLabel, VLabel string
}

// The three views. For the peg tasks the arm's base is at y ≈ −0.19 and the hole
// at y = 0.3, both near x = 0, so the side view shows the reach best; the rear
// view has the base in front of the hole.
var (
	// SideView looks along −x (from the side the elbow points to): y to the
	// right, z up.
	SideView = ArmView{Name: "side", H: 1, V: 2, Depth: 0, Toward: true, Section: true, HLabel: "y (m)", VLabel: "z (m)"}
	// RearView looks along +y (from behind the arm's base towards the hole): x to
	// the right, z up.
	RearView = ArmView{Name: "rear", H: 0, V: 2, Depth: 1, Section: true, HLabel: "x (m)", VLabel: "z (m)"}
	// TopView looks down: x to the right, y up.
	TopView = ArmView{Name: "top", H: 0, V: 1, Depth: 2, Toward: true, HLabel: "x (m)", VLabel: "y (m)"}
)

// Arm draws an arm's motion along one sample: the arm at a few instants
// (Snapshots), the path of its first end-effector point (the peg bottom) over the
// whole sample, the target and the fixed scene.
type Arm struct {
	Title  string
	Motion *envs.ArmMotion
	View   ArmView
	// Snapshots are the time steps at which the arm is drawn, in increasing order;
	// nil means ArmSnapshots(T, 4).
	Snapshots []int
	// Zoom > 0 shows only a square of half side Zoom (m) around the first target
	// point (the hole), to see the peg search; 0 shows the whole arm.
	Zoom float64
	// Only, when not empty, draws only the solids with these names (peg: "peg"
	// for the peg alone).
	Only []string
}

var _ Figure = (*Arm)(nil)

// ArmFigure returns the figure of motion m in view v with four snapshots.
func ArmFigure(title string, m *envs.ArmMotion, v ArmView) *Arm {
	return &Arm{Title: title, Motion: m, View: v}
}

// ArmSnapshots returns n time steps spread evenly over 0 … T−1, both ends
// included (fewer when T < n).
func ArmSnapshots(T, n int) []int {
	if T <= 0 || n <= 0 {
		return nil
	}
	if n == 1 || T == 1 {
		return []int{T - 1}
	}
	var s []int
	for k := range n {
		t := int(math.Round(float64(k) * float64(T-1) / float64(n-1)))
		if len(s) == 0 || t != s[len(s)-1] {
			s = append(s, t)
		}
	}
	return s
}

// armStyle is the one place that sets the arm figures' colours.
var armStyle = struct {
	table, floor, tableEdge string  // fixed scene
	path, target            string  // peg-bottom path, target marker
	first, last             float64 // Viridis positions of the first and last snapshot
	fill, lastFill          uint8   // snapshot fill opacity (0–255): earlier ones, the last one
}{table: "#c8c8c8", floor: "#8a8a8a", tableEdge: "#6e6e6e", path: Palette[1], target: ReferenceColour,
	first: 0.8, last: 0.05, fill: 40, lastFill: 110}

// snapshotColour returns the colour of snapshot k of n: light (early) to dark (late) on Viridis.
func snapshotColour(k, n int) string {
	f := armStyle.last
	if n > 1 {
		f = armStyle.first + (armStyle.last-armStyle.first)*float64(k)/float64(n-1)
	}
	return hexColour(Viridis(f))
}

func (a *Arm) check() error {
	m := a.Motion
	if m == nil || m.T() == 0 {
		return fmt.Errorf("viz: arm figure %q has no motion", a.Title)
	}
	if len(m.Points) != m.T() || len(m.BodyPos) != m.T() {
		return fmt.Errorf("viz: arm figure %q: motion has %d solid rows, %d point rows and %d body rows; want one of each per time step",
			a.Title, m.T(), len(m.Points), len(m.BodyPos))
	}
	for _, t := range a.snapshots() {
		if t < 0 || t >= m.T() {
			return fmt.Errorf("viz: arm figure %q: snapshot time step %d outside [0, %d)", a.Title, t, m.T())
		}
	}
	return nil
}

func (a *Arm) snapshots() []int {
	if a.Snapshots != nil {
		return a.Snapshots
	}
	return ArmSnapshots(a.Motion.T(), 4)
}

// project returns p's coordinates in view v.
func (v ArmView) project(p [3]float64) plotter.XY { return plotter.XY{X: p[v.H], Y: p[v.V]} }

// depth returns how far p is from the viewer (larger is farther).
func (v ArmView) depth(p [3]float64) float64 {
	if v.Toward {
		return -p[v.Depth]
	}
	return p[v.Depth]
}

// outlinePoints is the number of points on a projected circle.
const armCirclePoints = 24

// Outline returns the outline of solid s in view v: the convex hull of its
// projection, counter-clockwise.
func (v ArmView) Outline(s envs.Shape) plotter.XYs {
	var pts plotter.XYs
	circle := func(c [3]float64, r float64) { // a sphere projects to a circle
		q := v.project(c)
		for i := range armCirclePoints {
			th := 2 * math.Pi * float64(i) / armCirclePoints
			pts = append(pts, plotter.XY{X: q.X + r*math.Cos(th), Y: q.Y + r*math.Sin(th)})
		}
	}
	switch s.Kind {
	case envs.Box:
		for _, c := range s.Corners() {
			pts = append(pts, v.project(c))
		}
	case envs.Sphere:
		circle(s.Pos, s.Size[0])
	case envs.Capsule:
		a, b := s.Ends()
		circle(a, s.Size[0])
		circle(b, s.Size[0])
	case envs.Cylinder:
		// The end discs: radius Size[0] in the plane of the first two local axes.
		e1, e2 := s.Axis(0), s.Axis(1)
		a, b := s.Ends()
		for _, c := range [][3]float64{a, b} {
			for i := range armCirclePoints {
				th := 2 * math.Pi * float64(i) / armCirclePoints
				var p [3]float64
				for j := range 3 {
					p[j] = c[j] + s.Size[0]*(math.Cos(th)*e1[j]+math.Sin(th)*e2[j])
				}
				pts = append(pts, v.project(p))
			}
		}
	}
	return convexHull(pts)
}

// convexHull returns the convex hull of pts, counter-clockwise (Andrew's monotone chain).
func convexHull(pts plotter.XYs) plotter.XYs {
	p := append(plotter.XYs(nil), pts...)
	sort.Slice(p, func(i, j int) bool { return p[i].X < p[j].X || (p[i].X == p[j].X && p[i].Y < p[j].Y) })
	if len(p) < 3 {
		return p
	}
	cross := func(o, a, b plotter.XY) float64 { return (a.X-o.X)*(b.Y-o.Y) - (a.Y-o.Y)*(b.X-o.X) }
	var h plotter.XYs
	for _, q := range p { // lower hull
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	lower := len(h) + 1
	for i := len(p) - 2; i >= 0; i-- { // upper hull
		for len(h) >= lower && cross(h[len(h)-2], h[len(h)-1], p[i]) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p[i])
	}
	return h[:len(h)-1]
}

// fixedShapes returns the fixed scene as drawn in view v, far to near: in a
// section, the solids the plane through the target cuts.
func (a *Arm) fixedShapes(v ArmView) []envs.Shape {
	var out []envs.Shape
	cut := 0.0
	if len(a.Motion.Target) > 0 {
		cut = a.Motion.Target[0][v.Depth]
	}
	for _, s := range a.Motion.Fixed {
		if v.Section {
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, c := range s.Corners() {
				lo, hi = math.Min(lo, c[v.Depth]), math.Max(hi, c[v.Depth])
			}
			if s.Kind != envs.Box || cut < lo || cut > hi {
				continue
			}
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return v.depth(out[i].Pos) > v.depth(out[j].Pos) })
	return out
}

// solidsByDepth returns the solids of time step t that the figure draws (Only),
// far to near.
func (a *Arm) solidsByDepth(v ArmView, t int) []envs.Shape {
	var s []envs.Shape
	for _, sh := range a.Motion.Solids[t] {
		if len(a.Only) == 0 || slices.Contains(a.Only, sh.Name) {
			s = append(s, sh)
		}
	}
	sort.SliceStable(s, func(i, j int) bool { return v.depth(s[i].Pos) > v.depth(s[j].Pos) })
	return s
}

func (a *Arm) isFloor(s envs.Shape) bool { return s.Name == "floor" }

// Plot draws the view: the fixed scene, the arm at each snapshot (outlines over a
// translucent fill, light to dark with time, and the links), the peg-bottom path
// and the target, with equal scales on both axes (at the default size).
func (a *Arm) Plot() (*plot.Plot, error) {
	p, _, err := a.plot(true)
	if err != nil {
		return nil, err
	}
	if err := equalAxes(p, DefaultWidth, DefaultHeight); err != nil {
		return nil, err
	}
	return p, nil
}

// legendEntry is one line of an arm figure's legend.
type legendEntry struct {
	name  string
	thumb plot.Thumbnailer
}

// plot builds the view; withLegend adds the legend to the plot (Plot) instead of
// returning it only (ArmSVG, which draws one legend for all panels).
func (a *Arm) plot(withLegend bool) (*plot.Plot, []legendEntry, error) {
	if err := a.check(); err != nil {
		return nil, nil, err
	}
	v, m := a.View, a.Motion
	p := plot.New()
	p.Title.Text = a.Title
	p.X.Label.Text, p.Y.Label.Text = v.HLabel, v.VLabel
	p.X.Tick.Marker, p.Y.Tick.Marker = NiceTicks{}, NiceTicks{}
	var legend []legendEntry
	add := func(name string, err error, pl ...plot.Plotter) error {
		if err != nil {
			return fmt.Errorf("viz: arm figure %q: %s: %w", a.Title, name, err)
		}
		p.Add(pl...)
		return nil
	}
	for _, s := range a.fixedShapes(v) {
		poly, err := plotter.NewPolygon(v.Outline(s))
		if err := add("table", err, poly); err != nil {
			return nil, nil, err
		}
		col := armStyle.table
		if a.isFloor(s) {
			col = armStyle.floor
		}
		poly.Color = rgba(col, 255)
		poly.LineStyle.Color = rgba(armStyle.tableEdge, 255)
		poly.LineStyle.Width = vg.Points(0.4)
	}
	snaps := a.snapshots()
	for k, t := range snaps {
		col := snapshotColour(k, len(snaps))
		thumb := armSwatch{fill: rgba(col, armStyle.fill), line: rgba(col, 255)}
		for _, s := range a.solidsByDepth(v, t) {
			poly, err := plotter.NewPolygon(v.Outline(s))
			if err := add("arm", err, poly); err != nil {
				return nil, nil, err
			}
			poly.Color = rgba(col, armStyle.fill)
			if k == len(snaps)-1 {
				poly.Color = rgba(col, armStyle.lastFill)
			}
			poly.LineStyle.Color = rgba(col, 255)
			poly.LineStyle.Width = vg.Points(0.8)
			thumb.fill = poly.Color
		}
		if len(a.Only) == 0 {
			if err := a.addLinks(p, t, col); err != nil {
				return nil, nil, err
			}
		}
		legend = append(legend, legendEntry{fmt.Sprintf("t = %.2f s", float64(t)*m.Dt), thumb})
	}
	if len(m.Points[0]) > 0 {
		path := make(plotter.XYs, m.T())
		for t := range m.T() {
			path[t] = v.project(m.Points[t][0])
		}
		l, err := plotter.NewLine(path)
		if err := add("path", err, l); err != nil {
			return nil, nil, err
		}
		l.Color = rgba(armStyle.path, 255)
		l.Width = vg.Points(1.5)
		name := "path"
		if len(m.PointNames) > 0 {
			name = m.PointNames[0] + " path"
		}
		legend = append(legend, legendEntry{name, l})
	}
	if len(m.Target) > 0 {
		sc, err := plotter.NewScatter(plotter.XYs{v.project(m.Target[0])})
		if err := add("target", err, sc); err != nil {
			return nil, nil, err
		}
		sc.Shape = draw.CrossGlyph{}
		sc.Radius = vg.Points(4)
		sc.Color = rgba(armStyle.target, 255)
		legend = append(legend, legendEntry{"target", sc})
	}
	a.setRange(p)
	if withLegend {
		p.Legend.Top = true
		for _, e := range legend {
			p.Legend.Add(e.name, e.thumb)
		}
	}
	return p, legend, nil
}

// addLinks draws the arm's links at time step t as segments from each body's
// frame origin to its child's (the kinematic chain), over the solids.
func (a *Arm) addLinks(p *plot.Plot, t int, col string) error {
	v, m := a.View, a.Motion
	for i, parent := range m.Parent {
		if parent < 0 || i >= len(m.BodyPos[t]) {
			continue
		}
		from, to := m.BodyPos[t][parent], m.BodyPos[t][i]
		if math.Hypot(math.Hypot(to[0]-from[0], to[1]-from[1]), to[2]-from[2]) < 1e-3 {
			continue // bodies that share an origin (a roll joint on a flex joint)
		}
		l, err := plotter.NewLine(plotter.XYs{v.project(from), v.project(to)})
		if err != nil {
			return fmt.Errorf("viz: arm figure %q: link %s: %w", a.Title, m.Bodies[i], err)
		}
		l.Color = rgba(col, 255)
		l.Width = vg.Points(1.6)
		p.Add(l)
	}
	return nil
}

// armSwatch is a legend thumbnail: a filled, outlined rectangle.
type armSwatch struct{ fill, line color.Color }

func (s armSwatch) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}}
	c.FillPolygon(s.fill, pts)
	c.StrokeLines(draw.LineStyle{Color: s.line, Width: vg.Points(0.8)}, append(pts, c.Min))
}

// setRange sets the axis ranges: the zoom square around the target, or
// everything drawn (the section or table, every snapshot, the path) with a margin.
func (a *Arm) setRange(p *plot.Plot) {
	v, m := a.View, a.Motion
	if a.Zoom > 0 && len(m.Target) > 0 {
		c := v.project(m.Target[0])
		p.X.Min, p.X.Max = c.X-a.Zoom, c.X+a.Zoom
		p.Y.Min, p.Y.Max = c.Y-a.Zoom, c.Y+a.Zoom
		return
	}
	lo, hi := plotter.XY{X: math.Inf(1), Y: math.Inf(1)}, plotter.XY{X: math.Inf(-1), Y: math.Inf(-1)}
	grow := func(pts plotter.XYs) {
		for _, q := range pts {
			lo.X, lo.Y = math.Min(lo.X, q.X), math.Min(lo.Y, q.Y)
			hi.X, hi.Y = math.Max(hi.X, q.X), math.Max(hi.Y, q.Y)
		}
	}
	for _, s := range a.fixedShapes(v) {
		grow(v.Outline(s))
	}
	for _, t := range a.snapshots() {
		for _, s := range a.solidsByDepth(v, t) {
			grow(v.Outline(s))
		}
	}
	for t := range m.T() {
		if len(m.Points[t]) > 0 {
			grow(plotter.XYs{v.project(m.Points[t][0])})
		}
	}
	mx, my := 0.05*(hi.X-lo.X), 0.05*(hi.Y-lo.Y)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo.X-mx, hi.X+mx, lo.Y-my, hi.Y+my
}

// equalAxes widens the shorter axis range so that one metre is as long on both
// axes when p is drawn at w × h in the package's style (Draw, LayoutOf).
func equalAxes(p *plot.Plot, w, h vg.Length) error {
	for range 3 { // the data area depends on the tick labels, which depend on the ranges
		d := LayoutOf(p, w, h).Data
		dw, dh := float64(d.Max.X-d.Min.X), float64(d.Max.Y-d.Min.Y)
		if dw <= 0 || dh <= 0 {
			return fmt.Errorf("viz: %v × %v leaves no room for the data", w, h)
		}
		sx, sy := (p.X.Max-p.X.Min)/dw, (p.Y.Max-p.Y.Min)/dh // metres per point
		if sx > sy {
			c, half := (p.Y.Min+p.Y.Max)/2, sx*dh/2
			p.Y.Min, p.Y.Max = c-half, c+half
		} else {
			c, half := (p.X.Min+p.X.Max)/2, sy*dw/2
			p.X.Min, p.X.Max = c-half, c+half
		}
	}
	return nil
}

// ArmSVG draws arm figures side by side, cols to a row, at w × h in all, with one
// legend for all of them below the panels (the snapshot times of the first
// figure: give every panel the same Snapshots and Dt). Each panel keeps equal
// scales. w = 0 means a notebook column: DefaultWidth for one or two columns,
// 1.4 × DefaultWidth for more; h = 0 means about square panels.
func ArmSVG(cols int, w, h vg.Length, arms ...*Arm) ([]byte, error) {
	if len(arms) == 0 {
		return nil, fmt.Errorf("viz: ArmSVG: no figures")
	}
	cols = max(1, min(cols, len(arms)))
	rows := (len(arms) + cols - 1) / cols
	if w == 0 {
		w = DefaultWidth
		if cols > 2 {
			w = 1.4 * DefaultWidth
		}
	}
	if h == 0 {
		h = vg.Length(rows)*w/vg.Length(cols) + vg.Points(24)
	}
	var legend []legendEntry
	plots := make([][]*plot.Plot, rows)
	for i, a := range arms {
		p, l, err := a.plot(false)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			legend = l
		}
		plots[i/cols] = append(plots[i/cols], p)
	}
	for len(plots[rows-1]) < cols {
		plots[rows-1] = append(plots[rows-1], nil)
	}
	// Legend strip below the panels: one row of entries.
	lg := plot.NewLegend()
	lg.Top, lg.Left = true, true
	for _, e := range legend {
		lg.Add(e.name, e.thumb)
	}
	strip := lg.TextStyle.Height("M") * 1.8
	cv := vgsvg.New(w, h)
	dc := draw.New(cv)
	panels := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: dc.Min.X, Y: dc.Min.Y + strip}, Max: dc.Max}}
	tiles := draw.Tiles{Rows: rows, Cols: cols}
	pw := (panels.Max.X - panels.Min.X) / vg.Length(cols)
	ph := (panels.Max.Y - panels.Min.Y) / vg.Length(rows)
	for i, row := range plots {
		for j, p := range row {
			if p == nil {
				continue
			}
			// Narrow panels: about one x label per 55 points, so they never touch.
			p.X.Tick.Marker = sparseTicks{max: max(2, int(pw/vg.Points(55)))}
			if err := equalAxes(p, pw, ph); err != nil {
				return nil, err
			}
			Draw(p, tiles.At(panels, j, i))
		}
	}
	drawLegendRow(draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{Min: dc.Min, Max: vg.Point{X: dc.Max.X, Y: dc.Min.Y + strip}}}, legend, lg)
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("viz: ArmSVG: %w", err)
	}
	return buf.Bytes(), nil
}

// sparseTicks are NiceTicks with at most max labels: when there are more, only
// every m-th multiple of the step keeps its label (0 among them).
type sparseTicks struct{ max int }

func (s sparseTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := NiceTicks{}.Ticks(lo, hi)
	if len(ts) <= s.max || len(ts) < 2 {
		return ts
	}
	step := ts[1].Value - ts[0].Value
	m := (len(ts) + s.max - 1) / s.max
	for i, t := range ts {
		if k := int(math.Round(t.Value / step)); k%m != 0 {
			ts[i].Label = ""
		}
	}
	return ts
}

// drawLegendRow draws the legend entries in one row, centred in c.
func drawLegendRow(c draw.Canvas, entries []legendEntry, lg plot.Legend) {
	sty := lg.TextStyle
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	// Browsers may draw the text in a wider fallback font than the one measured
	// here: room for 15 % more.
	width := func(s string) vg.Length { return 1.15 * sty.Width(s) }
	thumbW, gap := vg.Points(14), vg.Points(14)
	total := vg.Length(0)
	for _, e := range entries {
		total += thumbW + vg.Points(4) + width(e.name) + gap
	}
	x := c.Min.X + (c.Max.X-c.Min.X-total+gap)/2
	y := (c.Min.Y + c.Max.Y) / 2
	hh := sty.Height("M") / 2
	for _, e := range entries {
		tc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: x, Y: y - hh}, Max: vg.Point{X: x + thumbW, Y: y + hh}}}
		e.thumb.Thumbnail(&tc)
		x += thumbW + vg.Points(4)
		c.FillText(sty, vg.Point{X: x, Y: y}, e.name)
		x += width(e.name) + gap
	}
}

// Chart returns the echarts animation of the motion (ArmAnimation with the side
// and top views).
func (a *Arm) Chart() Snippeter {
	c, err := ArmAnimation(a.Title, a.Motion)
	if err != nil {
		panic(err) // Figure.Chart has no error: a motion Plot accepts animates
	}
	return c
}

// Animation geometry in CSS pixels: two panels side by side.
const (
	armAnimWidth = DefaultWidthPx // a notebook column
	armPanelW    = 285            // largest panel width
	armPanelH    = 330            // largest panel height
	armPanelTop  = 70
	armPanelLeft = 55 // room for the first panel's y labels
	armPanelGap  = 70 // room for the second panel's y labels
)

// ArmAnimation returns an echarts chart that animates the motion in the side and
// top views, with a timeline below: a play button and a slider over the time
// steps (50 ms per step, real time for the peg tasks). The arm's capsules are
// drawn as round-capped lines as wide as the solids, the peg (a cylinder) with
// square caps, spheres as dots; the table as polygons, the peg-bottom path up to
// the current time and the target as a cross.
//
// go-echarts v2.6.7 has no timeline component, so the chart is a go-echarts chart
// (which gives the <div>, the embedded library and the init call) whose whole
// option is set by a script it carries (AnimationOption is that option).
func ArmAnimation(title string, m *envs.ArmMotion) (*charts.Line, error) {
	option, err := AnimationOption(title, m)
	if err != nil {
		return nil, err
	}
	js, err := json.Marshal(option.Option)
	if err != nil {
		return nil, fmt.Errorf("viz: ArmAnimation: %w", err)
	}
	polys, err := json.Marshal(option.Polygons)
	if err != nil {
		return nil, fmt.Errorf("viz: ArmAnimation: %w", err)
	}
	c := charts.NewLine()
	c.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: fmt.Sprintf("%dpx", armAnimWidth), Height: fmt.Sprintf("%dpx", option.Height)}),
		charts.WithTitleOpts(opts.Title{Title: title}))
	// The table's polygons are drawn by a custom series, whose renderItem must be
	// a function: set here, after the JSON option is parsed.
	c.AddJSFuncStrs(types.FuncStr(`(function (chart) {
  var option = ` + string(js) + `;
  var polys = ` + string(polys) + `;
  option.baseOption.series.forEach(function (s) {
    if (s.type !== 'custom') { return; }
    var list = polys[s.id];
    s.renderItem = function (params, api) {
      var p = list[params.dataIndex];
      return {type: 'polygon', shape: {points: p.points.map(function (q) { return api.coord(q); })},
              style: {fill: p.fill, stroke: p.stroke, lineWidth: 0.5}, silent: true};
    };
  });
  chart.setOption(option, true);
})(%MY_ECHARTS%);`))
	return c, nil
}

// ArmAnimationOption is the echarts option of ArmAnimation, as data: Option is the
// JSON option ({baseOption: {timeline, grid, xAxis, yAxis, series, …}, options:
// one {series} per time step}), Polygons the table's polygons by custom-series id.
type ArmAnimationOption struct {
	Option   map[string]any
	Polygons map[string][]armPolygon
	Height   int // the chart's height in pixels: the panels, their axes and the timeline
}

type armPolygon struct {
	Points [][2]float64 `json:"points"`
	Fill   string       `json:"fill"`
	Stroke string       `json:"stroke"`
}

// AnimationOption builds the option of ArmAnimation.
func AnimationOption(title string, m *envs.ArmMotion) (*ArmAnimationOption, error) {
	a := &Arm{Title: title, Motion: m}
	if err := a.check(); err != nil {
		return nil, err
	}
	views := []ArmView{SideView, TopView}
	out := &ArmAnimationOption{Polygons: map[string][]armPolygon{}}
	var grids, xAxes, yAxes, series []map[string]any
	scales := make([]float64, len(views)) // pixels per metre, per panel
	// Both panels share one scale, so sizes compare across them.
	ranges := make([][4]float64, len(views))
	scale := math.Inf(1)
	for i, v := range views {
		av := &Arm{Title: title, Motion: m, View: v, Snapshots: allSteps(m.T())}
		p := plot.New()
		av.setRange(p)
		ranges[i] = [4]float64{p.X.Min, p.X.Max, p.Y.Min, p.Y.Max}
		scale = math.Min(scale, math.Min(armPanelW/(p.X.Max-p.X.Min), armPanelH/(p.Y.Max-p.Y.Min)))
	}
	left := float64(armPanelLeft)
	for i, v := range views {
		r := ranges[i]
		scales[i] = scale
		gw, gh := scale*(r[1]-r[0]), scale*(r[3]-r[2])
		grids = append(grids, map[string]any{"left": left, "top": armPanelTop, "width": gw, "height": gh})
		out.Height = max(out.Height, int(math.Ceil(armPanelTop+gh+110))) // x labels and name, the timeline
		left += gw + armPanelGap
		axis := func(name string, lo, hi float64, gap int) map[string]any {
			return map[string]any{"type": "value", "gridIndex": i, "name": name, "nameLocation": "middle", "nameGap": gap,
				"min": round4(lo), "max": round4(hi), "splitLine": map[string]any{"show": false},
				"axisLine":  map[string]any{"onZero": false},
				"axisLabel": map[string]any{"showMaxLabel": false, "showMinLabel": false}}
		}
		xAxes = append(xAxes, axis(v.HLabel, r[0], r[1], 28))
		yAxes = append(yAxes, axis(v.VLabel, r[2], r[3], 40))
		av := &Arm{Title: title, Motion: m, View: v}
		id := "table-" + v.Name
		var data [][]float64
		for _, s := range av.fixedShapes(v) {
			pg := armPolygon{Fill: armStyle.table, Stroke: armStyle.tableEdge}
			if av.isFloor(s) {
				pg.Fill = armStyle.floor
			}
			for _, q := range v.Outline(s) {
				pg.Points = append(pg.Points, [2]float64{round4(q.X), round4(q.Y)})
			}
			out.Polygons[id] = append(out.Polygons[id], pg)
			data = append(data, []float64{pg.Points[0][0], pg.Points[0][1]})
		}
		axes := map[string]any{"xAxisIndex": i, "yAxisIndex": i}
		with := func(s map[string]any) map[string]any {
			for k, val := range axes {
				s[k] = val
			}
			return s
		}
		series = append(series,
			with(map[string]any{"id": id, "type": "custom", "coordinateSystem": "cartesian2d", "data": data, "silent": true, "animation": false}),
			with(map[string]any{"id": "arm-" + v.Name, "type": "lines", "coordinateSystem": "cartesian2d", "polyline": false, "silent": true, "animation": false, "zlevel": 0, "z": 3}),
			with(map[string]any{"id": "spheres-" + v.Name, "type": "scatter", "silent": true, "animation": false, "z": 4}),
			with(map[string]any{"id": "path-" + v.Name, "name": "peg-bottom path", "type": "line", "showSymbol": false, "silent": true, "animation": false, "z": 5,
				"lineStyle": map[string]any{"color": armStyle.path, "width": 2}, "itemStyle": map[string]any{"color": armStyle.path}}))
		if len(m.Target) > 0 {
			q := v.project(m.Target[0])
			series = append(series, with(map[string]any{"id": "target-" + v.Name, "name": "target", "type": "scatter", "symbol": "path://M0,0L10,10M10,0L0,10",
				"symbolSize": 10, "z": 6, "itemStyle": map[string]any{"borderColor": armStyle.target, "borderWidth": 2, "color": "none"},
				"data": [][]float64{{round4(q.X), round4(q.Y)}}}))
		}
	}
	var times []string
	var frames []map[string]any
	armColour, pegColour := Colour(0), Colour(1)
	for t := range m.T() {
		times = append(times, fmt.Sprintf("%.2f", float64(t)*m.Dt))
		var fs []map[string]any
		for i, v := range views {
			av := &Arm{Motion: m, View: v}
			var links, dots []map[string]any
			for _, s := range av.solidsByDepth(v, t) {
				px := 2 * s.Size[0] * scales[i] // the solid's width in pixels
				switch s.Kind {
				case envs.Capsule, envs.Cylinder:
					a, b := s.Ends()
					pa, pb := v.project(a), v.project(b)
					col, lcap := armColour, "round"
					if s.Kind == envs.Cylinder {
						col, lcap = pegColour, "butt"
					}
					links = append(links, map[string]any{
						"coords":    [][2]float64{{round4(pa.X), round4(pa.Y)}, {round4(pb.X), round4(pb.Y)}},
						"lineStyle": map[string]any{"width": math.Round(px*10) / 10, "color": col, "opacity": 0.85, "cap": lcap}})
				case envs.Sphere:
					q := v.project(s.Pos)
					dots = append(dots, map[string]any{"value": []float64{round4(q.X), round4(q.Y)},
						"symbolSize": math.Round(px*10) / 10, "itemStyle": map[string]any{"color": armColour, "opacity": 0.85}})
				}
			}
			var path [][]float64
			for k := 0; k <= t; k++ {
				q := v.project(m.Points[k][0])
				path = append(path, []float64{round4(q.X), round4(q.Y)})
			}
			fs = append(fs, map[string]any{"id": "arm-" + v.Name, "data": links},
				map[string]any{"id": "spheres-" + v.Name, "data": dots},
				map[string]any{"id": "path-" + v.Name, "data": path})
		}
		frames = append(frames, map[string]any{"series": fs})
	}
	out.Option = map[string]any{
		"baseOption": map[string]any{
			"title": map[string]any{"text": title, "left": "center"},
			"timeline": map[string]any{"axisType": "category", "data": times, "autoPlay": false, "loop": true,
				"playInterval": math.Round(1000 * m.Dt), "left": 30, "right": 30, "bottom": 10,
				"controlStyle": map[string]any{"showPlayBtn": true, "showPrevBtn": true, "showNextBtn": true},
				"label":        map[string]any{"interval": 19}, "tooltip": map[string]any{"formatter": "t = {b} s"}},
			"grid": grids, "xAxis": xAxes, "yAxis": yAxes, "series": series,
			"graphic": []map[string]any{{"type": "text", "left": armPanelLeft, "top": 38,
				"style": map[string]any{"text": "side view (from +x)", "fill": "#333"}},
				{"type": "text", "left": grids[1]["left"], "top": 38,
					"style": map[string]any{"text": "top view (looking down)", "fill": "#333"}}},
		},
		"options": frames,
	}
	return out, nil
}

func allSteps(T int) []int {
	s := make([]int, T)
	for t := range s {
		s[t] = t
	}
	return s
}

// round4 rounds to 0.1 mm: enough for a figure, and it keeps the option small.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
