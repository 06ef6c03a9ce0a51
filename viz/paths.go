package viz

import (
	"fmt"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/mdgps/lingauss"
)

// Path is one planar trajectory.
type Path struct {
	Name string
	X, Y []float64
}

// SamplePath is the planar path of a sample: its state's first two
// coordinates (the position, for the obstacle task) at every time step.
func SamplePath(name string, s *envs.Sample) Path {
	p := Path{Name: name}
	for t := 0; t < s.T; t++ {
		x := s.State(t)
		p.X = append(p.X, x[0])
		p.Y = append(p.Y, x[1])
	}
	return p
}

// MeanPath is the planar mean path (state coordinates 0 and 1) of controller
// pol under the linear-Gaussian dynamics dyn: the forward pass's state means.
func MeanPath(name string, pol *lingauss.Policy, dyn *lingauss.Dynamics) Path {
	m := lingauss.Forward(pol, dyn)
	p := Path{Name: name}
	n := m.DX + m.DU
	for t := 0; t < m.T; t++ {
		p.X = append(p.X, m.Mu[t*n])
		p.Y = append(p.Y, m.Mu[t*n+1])
	}
	return p
}

// Paths draws planar trajectories over a task's scene (envs.Scene): the walls
// (as filled capsules), the start points and the target.
type Paths struct {
	Title  string
	Walls  []envs.Wall
	Target *[2]float64 // nil: none
	Starts [][2]float64
	Paths  []Path
}

var _ Figure = (*Paths)(nil)

// NewPaths is an empty figure over env's scene when env describes one
// (envs.Scene), showing the starts of the given conditions (all when none are
// given).
func NewPaths(title string, env envs.Env, conds ...int) *Paths {
	f := &Paths{Title: title}
	sc, ok := env.(envs.Scene)
	if !ok {
		return f
	}
	f.Walls = sc.Walls()
	tg := sc.Target()
	f.Target = &tg
	starts := sc.Starts()
	if len(conds) == 0 {
		f.Starts = starts
	}
	for _, c := range conds {
		if c >= 0 && c < len(starts) {
			f.Starts = append(f.Starts, starts[c])
		}
	}
	return f
}

// AddSamples appends one path per sample, named by format with the sample's
// number from 1 (e.g. "sample %d").
func (f *Paths) AddSamples(format string, samples []*envs.Sample) *Paths {
	for j, s := range samples {
		if s != nil {
			f.Paths = append(f.Paths, SamplePath(fmt.Sprintf(format, j+1), s))
		}
	}
	return f
}

// SamplePaths draws the paths of samples (e.g. the noiseless global-policy
// rollouts of one iteration) over env's scene, each named by its condition.
func SamplePaths(title string, env envs.Env, samples []*envs.Sample) *Paths {
	f := NewPaths(title, env)
	for _, s := range samples {
		if s != nil {
			f.Paths = append(f.Paths, SamplePath(fmt.Sprintf("condition %d", s.Cond), s))
		}
	}
	return f
}

// Outline returns the closed outline of wall c (segment A–B inflated by
// Radius) with n points per half circle.
func Outline(c envs.Wall, n int) (xs, ys []float64) {
	dx, dy := c.B[0]-c.A[0], c.B[1]-c.A[1]
	a := math.Atan2(dy, dx)
	// Half circle around B from a−π/2 to a+π/2, then around A from a+π/2 to a+3π/2.
	for _, e := range []struct {
		p     [2]float64
		start float64
	}{{c.B, a - math.Pi/2}, {c.A, a + math.Pi/2}} {
		for i := 0; i <= n; i++ {
			th := e.start + math.Pi*float64(i)/float64(n)
			xs = append(xs, e.p[0]+c.Radius*math.Cos(th))
			ys = append(ys, e.p[1]+c.Radius*math.Sin(th))
		}
	}
	xs = append(xs, xs[0])
	ys = append(ys, ys[0])
	return xs, ys
}

const outlinePoints = 16

// Box is an axis-aligned range of the plane.
type Box struct{ XMin, XMax, YMin, YMax float64 }

func emptyBox() Box { return Box{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)} }

func (b *Box) add(x, y float64) {
	if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
		return
	}
	b.XMin, b.XMax = math.Min(b.XMin, x), math.Max(b.XMax, x)
	b.YMin, b.YMax = math.Min(b.YMin, y), math.Max(b.YMax, y)
}

func (b Box) empty() bool { return b.XMin > b.XMax || b.YMin > b.YMax }

// pathReach is how far beyond the scene (in multiples of its size, at least
// 1 m) the figure follows a path; a diverging policy's path is clipped there
// instead of shrinking the scene to a dot.
const pathReach = 0.5

// Bounds returns the range the figure shows: the scene and the whole paths,
// except that paths are followed at most pathReach × the scene's size beyond
// it; the range is padded and rounded outwards to 0.25 m.
func (f *Paths) Bounds() Box {
	scene := emptyBox()
	for _, w := range f.Walls {
		xs, ys := Outline(w, outlinePoints)
		for i := range xs {
			scene.add(xs[i], ys[i])
		}
	}
	for _, s := range f.Starts {
		scene.add(s[0], s[1])
	}
	if f.Target != nil {
		scene.add(f.Target[0], f.Target[1])
	}
	b := scene
	for _, p := range f.Paths {
		for i := range p.X {
			if i < len(p.Y) {
				b.add(p.X[i], p.Y[i])
			}
		}
	}
	if b.empty() {
		return Box{-1, 1, -1, 1}
	}
	if !scene.empty() {
		rx := math.Max(1, pathReach*(scene.XMax-scene.XMin))
		ry := math.Max(1, pathReach*(scene.YMax-scene.YMin))
		b.XMin, b.XMax = math.Max(b.XMin, scene.XMin-rx), math.Min(b.XMax, scene.XMax+rx)
		b.YMin, b.YMax = math.Max(b.YMin, scene.YMin-ry), math.Min(b.YMax, scene.YMax+ry)
	}
	const q = 0.25
	pad := 0.03 * math.Max(b.XMax-b.XMin, b.YMax-b.YMin)
	return Box{math.Floor((b.XMin-pad)/q) * q, math.Ceil((b.XMax+pad)/q) * q,
		math.Floor((b.YMin-pad)/q) * q, math.Ceil((b.YMax+pad)/q) * q}
}

// equalScales widens the shorter side of b so that one metre is as long on
// both axes of a data area of the given aspect (width / height).
func equalScales(b Box, aspect float64) Box {
	wx, wy := b.XMax-b.XMin, b.YMax-b.YMin
	if wx/wy < aspect {
		c := (b.XMin + b.XMax) / 2
		b.XMin, b.XMax = c-wy*aspect/2, c+wy*aspect/2
	} else {
		c := (b.YMin + b.YMax) / 2
		b.YMin, b.YMax = c-wx/aspect/2, c+wx/aspect/2
	}
	return b
}

// Plot draws the walls filled grey, the paths (clipped to Bounds), the starts
// (circles) and the target (a cross), with equal axis scales.
func (f *Paths) Plot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = f.Title
	p.X.Label.Text = "x (m)"
	p.Y.Label.Text = "y (m)"
	p.Legend.Padding = legendPadding
	p.X.Tick.Marker = NiceTicks{}
	p.Y.Tick.Marker = NiceTicks{}
	for _, w := range f.Walls {
		xs, ys := Outline(w, outlinePoints)
		pts := make(plotter.XYs, len(xs))
		for i := range xs {
			pts[i] = plotter.XY{X: xs[i], Y: ys[i]}
		}
		poly, err := plotter.NewPolygon(pts)
		if err != nil {
			return nil, fmt.Errorf("viz: wall %q: %w", w.Name, err)
		}
		poly.Color = rgba("#9e9e9e", 255)
		poly.LineStyle.Width = 0
		p.Add(poly)
	}
	for i, path := range f.Paths {
		pts := make(plotter.XYs, 0, len(path.X))
		for j := range path.X {
			if !math.IsNaN(path.X[j]) && !math.IsNaN(path.Y[j]) {
				pts = append(pts, plotter.XY{X: path.X[j], Y: path.Y[j]})
			}
		}
		if len(pts) < 2 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("viz: path %q: %w", path.Name, err)
		}
		l.Color = rgba(Colour(i), 255)
		l.Width = vg.Points(1.5)
		l.Dashes = Dash(i).Dashes()
		p.Add(l)
		p.Legend.Add(path.Name, l)
	}
	if len(f.Starts) > 0 {
		st := make(plotter.XYs, len(f.Starts))
		for i, s := range f.Starts {
			st[i] = plotter.XY{X: s[0], Y: s[1]}
		}
		sc, err := plotter.NewScatter(st)
		if err != nil {
			return nil, err
		}
		sc.Shape = draw.CircleGlyph{}
		sc.Radius = vg.Points(3)
		sc.Color = rgba("#333333", 255)
		p.Add(sc)
		p.Legend.Add("start", sc)
	}
	if f.Target != nil {
		tg, err := plotter.NewScatter(plotter.XYs{{X: f.Target[0], Y: f.Target[1]}})
		if err != nil {
			return nil, err
		}
		tg.Shape = draw.CrossGlyph{}
		tg.Radius = vg.Points(5)
		tg.Color = rgba("#d62728", 255)
		p.Add(tg)
		p.Legend.Add("target", tg)
	}
	b := f.Bounds()
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = b.XMin, b.XMax, b.YMin, b.YMax
	d := LayoutOf(p, DefaultWidth, DefaultHeight).Data.Size()
	b = equalScales(b, float64(d.X/d.Y))
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = b.XMin, b.XMax, b.YMin, b.YMax
	return p, nil
}

// Chart draws the same scene interactively over the same range: walls as
// closed outlines, paths, starts and target.
func (f *Paths) Chart() Snippeter {
	c := charts.NewLine()
	var legend []string
	for _, p := range f.Paths {
		legend = append(legend, p.Name)
	}
	if len(f.Starts) > 0 {
		legend = append(legend, "start")
	}
	if f.Target != nil {
		legend = append(legend, "target")
	}
	gw := DefaultWidthPx - chartGridLeft - 30 - LegendWidthPx(legend) - chartLegendRight
	gh := DefaultHeightPx - chartGridTop - chartGridBottom
	b := equalScales(f.Bounds(), float64(gw)/float64(gh))
	// Whole metres at the ends, so that echarts labels its first and last
	// ticks with short numbers apart from their neighbours (it labels the
	// range's ends as they are).
	b = Box{math.Floor(b.XMin), math.Ceil(b.XMax), math.Floor(b.YMin), math.Ceil(b.YMax)}
	round := func(v float64) float64 { return v }
	c.SetGlobalOptions(chartBase(f.Title, legend, 0)...)
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "x (m)", NameLocation: "middle", NameGap: 30,
			Min: round(b.XMin), Max: round(b.XMax), SplitLine: &opts.SplitLine{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "y (m)", NameLocation: "middle", NameGap: 45,
			Min: round(b.YMin), Max: round(b.YMax)}),
	)
	all := func(v float64) bool { return !math.IsNaN(v) }
	for _, w := range f.Walls {
		xs, ys := Outline(w, outlinePoints)
		c.AddSeries("walls", lineData(xs, ys, all),
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: "#9e9e9e", Width: 1}),
			charts.WithAreaStyleOpts(opts.AreaStyle{Color: "#9e9e9e", Opacity: opts.Float(0)}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: "#9e9e9e"}))
	}
	for i, path := range f.Paths {
		c.AddSeries(path.Name, lineData(path.X, path.Y, all),
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: Colour(i), Width: 2, Type: Dash(i).ECharts()}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: Colour(i)}))
	}
	if len(f.Starts) > 0 {
		var sx, sy []float64
		for _, s := range f.Starts {
			sx, sy = append(sx, s[0]), append(sy, s[1])
		}
		c.AddSeries("start", lineData(sx, sy, all),
			charts.WithLineChartOpts(opts.LineChart{Symbol: "circle", SymbolSize: 8}),
			charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: "#333333"}))
	}
	if f.Target != nil {
		c.AddSeries("target", lineData([]float64{f.Target[0]}, []float64{f.Target[1]}, all),
			charts.WithLineChartOpts(opts.LineChart{Symbol: "pin", SymbolSize: 20}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: "#d62728"}))
	}
	return c
}

// PegHeights plots the peg-bottom height z over time of peg-task samples
// (end-effector coordinate 2, the peg bottom's z), with the hole bottom and
// the success height as reference lines. Pass peg.HoleZ and peg.SuccessZ (viz
// does not import envs/peg, so that it never links MuJoCo); dt is the control
// period (peg: 0.05 s).
func PegHeights(title string, samples []*envs.Sample, dt, holeZ, successZ float64) *Lines {
	f := &Lines{Title: title, XLabel: "time (s)", YLabel: "peg-bottom height z (m)",
		HLines: []HLine{{Name: "hole bottom", Y: holeZ}, {Name: "success height", Y: successZ}}}
	for _, s := range samples {
		if s == nil || s.Dims.P < 3 {
			continue
		}
		cv := Curve{Name: fmt.Sprintf("condition %d", s.Cond)}
		for t := 0; t < s.T; t++ {
			cv.X = append(cv.X, float64(t)*dt)
			cv.Y = append(cv.Y, s.Point(t)[2])
		}
		f.Curves = append(f.Curves, cv)
	}
	return f
}
