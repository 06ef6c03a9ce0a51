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
	"github.com/mirrorgps/mirrorgps/envs/obstacle"
)

// Path is one planar trajectory.
type Path struct {
	Name string
	X, Y []float64
}

// Paths draws planar trajectories over the obstacle scene: the walls (as
// capsule outlines), the start points and the target.
type Paths struct {
	Title  string
	Walls  []obstacle.Capsule
	Target [2]float64
	Starts [][2]float64
	Paths  []Path
}

var _ Figure = (*Paths)(nil)

// ObstaclePaths draws the end-effector paths of obstacle-task samples (e.g.
// the noiseless global-policy rollouts of one iteration) over the scene of
// envs/obstacle. Each path is named by its condition.
func ObstaclePaths(title string, samples []*envs.Sample) *Paths {
	f := &Paths{Title: title, Walls: obstacle.Walls(), Target: obstacle.Target, Starts: obstacle.Starts()}
	for _, s := range samples {
		if s == nil {
			continue
		}
		p := Path{Name: fmt.Sprintf("condition %d", s.Cond)}
		for t := 0; t < s.T; t++ {
			x := s.State(t)
			p.X = append(p.X, x[0])
			p.Y = append(p.Y, x[1])
		}
		f.Paths = append(f.Paths, p)
	}
	return f
}

// Outline returns the closed outline of capsule c (segment A–B inflated by
// Radius) with n points per half circle.
func Outline(c obstacle.Capsule, n int) (xs, ys []float64) {
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

// Plot draws the walls filled grey, the paths, the starts (circles) and the
// target (a cross), with equal axis scales.
func (f *Paths) Plot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = f.Title
	p.X.Label.Text = "x (m)"
	p.Y.Label.Text = "y (m)"
	p.Legend.Top = true
	p.Legend.Left = true
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
	}
	tg, err := plotter.NewScatter(plotter.XYs{{X: f.Target[0], Y: f.Target[1]}})
	if err != nil {
		return nil, err
	}
	tg.Shape = draw.CrossGlyph{}
	tg.Radius = vg.Points(5)
	tg.Color = rgba("#d62728", 255)
	tg.GlyphStyle.Shape = draw.CrossGlyph{}
	p.Add(tg)
	p.Legend.Add("target", tg)
	// Equal scales: widen the shorter axis range around its centre.
	xlo, xhi, ylo, yhi := p.X.Min, p.X.Max, p.Y.Min, p.Y.Max
	wx, wy := xhi-xlo, yhi-ylo
	// The default figure is 16×10 cm: aspect 1.6 between the data ranges.
	const aspect = float64(DefaultWidth / DefaultHeight)
	if wx/wy < aspect {
		c := (xlo + xhi) / 2
		p.X.Min, p.X.Max = c-wy*aspect/2, c+wy*aspect/2
	} else {
		c := (ylo + yhi) / 2
		p.Y.Min, p.Y.Max = c-wx/aspect/2, c+wx/aspect/2
	}
	return p, nil
}

// Chart draws the same scene interactively: walls as closed outlines, paths,
// starts and target.
func (f *Paths) Chart() Snippeter {
	c := charts.NewLine()
	c.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "800px", Height: "500px"}),
		charts.WithTitleOpts(opts.Title{Title: f.Title}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "30px"}),
		charts.WithGridOpts(opts.Grid{Top: "80px"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "x (m)", Min: -0.5, Max: 3.5}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "y (m)", Min: -2.5, Max: 2.5}),
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
			charts.WithLineStyleOpts(opts.LineStyle{Color: Colour(i), Width: 2}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: Colour(i)}))
	}
	var sx, sy []float64
	for _, s := range f.Starts {
		sx, sy = append(sx, s[0]), append(sy, s[1])
	}
	c.AddSeries("starts", lineData(sx, sy, all),
		charts.WithLineChartOpts(opts.LineChart{Symbol: "circle", SymbolSize: 8}),
		charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#333333"}))
	c.AddSeries("target", lineData([]float64{f.Target[0]}, []float64{f.Target[1]}, all),
		charts.WithLineChartOpts(opts.LineChart{Symbol: "pin", SymbolSize: 20}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#d62728"}))
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
