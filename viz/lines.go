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
)

// Curve is one named series y(x). With Std (same length as Y) the figure
// shades the band Y ± Std. Points whose Y is NaN are gaps (not drawn).
type Curve struct {
	Name   string
	X, Y   []float64
	Std    []float64 // nil: no band
	Dashed bool
	Color  string // "#rrggbb"; "" = the palette colour of the curve's index
}

func (c Curve) colour(i int) string {
	if c.Color != "" {
		return c.Color
	}
	return Colour(i)
}

// HLine is a horizontal reference line (a target, a threshold).
type HLine struct {
	Name string
	Y    float64
}

// Lines is a figure of curves over a common x axis: cost or metric against
// iteration, traces of η or ε, a height over time.
type Lines struct {
	Title, XLabel, YLabel string
	LogY                  bool // logarithmic y axis (non-positive values are dropped)
	Curves                []Curve
	HLines                []HLine
}

var _ Figure = (*Lines)(nil)

// xRange returns the smallest and largest x over all curves.
func (f *Lines) xRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, c := range f.Curves {
		for _, x := range c.X {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	if lo > hi {
		lo, hi = 0, 1
	}
	return lo, hi
}

func (f *Lines) ok(y float64) bool {
	return !math.IsNaN(y) && !math.IsInf(y, 0) && (!f.LogY || y > 0)
}

// segments splits a curve into runs of drawable points.
func (f *Lines) segments(c Curve, y []float64) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for i := range c.X {
		if i < len(y) && f.ok(y[i]) {
			cur = append(cur, plotter.XY{X: c.X[i], Y: y[i]})
			continue
		}
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func (c Curve) check() error {
	if len(c.X) != len(c.Y) {
		return fmt.Errorf("viz: curve %q has %d x and %d y values", c.Name, len(c.X), len(c.Y))
	}
	if c.Std != nil && len(c.Std) != len(c.Y) {
		return fmt.Errorf("viz: curve %q has %d y and %d std values", c.Name, len(c.Y), len(c.Std))
	}
	return nil
}

// Plot draws the curves (bands first, translucent), then the reference lines.
func (f *Lines) Plot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = f.Title
	p.X.Label.Text = f.XLabel
	p.Y.Label.Text = f.YLabel
	p.Legend.Top = true
	if f.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p.Add(plotter.NewGrid())
	for i, c := range f.Curves {
		if err := c.check(); err != nil {
			return nil, err
		}
		if c.Std == nil {
			continue
		}
		lo := make([]float64, len(c.Y))
		hi := make([]float64, len(c.Y))
		for j := range c.Y {
			lo[j], hi[j] = c.Y[j]-c.Std[j], c.Y[j]+c.Std[j]
			if f.LogY && lo[j] <= 0 {
				lo[j] = c.Y[j] / 10 // keep the band on a log axis
			}
		}
		his, los := f.segments(c, hi), f.segments(c, lo)
		if len(his) != len(los) {
			continue
		}
		for k := range his {
			if len(his[k]) != len(los[k]) || len(his[k]) < 2 {
				continue
			}
			pts := append(plotter.XYs{}, his[k]...)
			for j := len(los[k]) - 1; j >= 0; j-- {
				pts = append(pts, los[k][j])
			}
			poly, err := plotter.NewPolygon(pts)
			if err != nil {
				return nil, fmt.Errorf("viz: band of %q: %w", c.Name, err)
			}
			poly.Color = rgba(c.colour(i), 60)
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
	}
	for i, c := range f.Curves {
		segs := f.segments(c, c.Y)
		var thumb plot.Thumbnailer
		for _, s := range segs {
			l, pts, err := plotter.NewLinePoints(s)
			if err != nil {
				return nil, fmt.Errorf("viz: curve %q: %w", c.Name, err)
			}
			l.Color = rgba(c.colour(i), 255)
			l.Width = vg.Points(1.5)
			if c.Dashed {
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
			}
			pts.Color = l.Color
			pts.Shape = draw.CircleGlyph{}
			pts.Radius = vg.Points(1.5)
			if len(s) > 40 {
				pts.Radius = 0
			}
			p.Add(l, pts)
			thumb = l
		}
		if thumb != nil {
			p.Legend.Add(c.Name, thumb)
		}
	}
	lo, hi := f.xRange()
	for i, h := range f.HLines {
		if !f.ok(h.Y) {
			continue
		}
		l, err := plotter.NewLine(plotter.XYs{{X: lo, Y: h.Y}, {X: hi, Y: h.Y}})
		if err != nil {
			return nil, err
		}
		l.Color = rgba("#555555", 255)
		l.Dashes = []vg.Length{vg.Points(2 + 2*float64(i)), vg.Points(2)}
		p.Add(l)
		p.Legend.Add(h.Name, l)
	}
	// Headroom above the data for the legend (top right), one line per entry.
	if n := len(f.Curves) + len(f.HLines); n > 0 && p.Y.Max > p.Y.Min {
		frac := math.Min(0.08*float64(n), 0.6)
		if f.LogY && p.Y.Min > 0 {
			p.Y.Max *= math.Pow(p.Y.Max/p.Y.Min, frac)
		} else if !f.LogY {
			p.Y.Max += frac * (p.Y.Max - p.Y.Min)
		}
	}
	return p, nil
}

func lineData(xs, ys []float64, ok func(float64) bool) []opts.LineData {
	d := make([]opts.LineData, 0, len(xs))
	for i := range xs {
		if i < len(ys) && ok(ys[i]) {
			d = append(d, opts.LineData{Value: []float64{xs[i], ys[i]}})
		} else {
			d = append(d, opts.LineData{Value: []interface{}{xs[i], "-"}}) // a gap
		}
	}
	return d
}

// catData is the data of a series on a category axis: one value per category.
func catData(ys []float64, ok func(float64) bool) []opts.LineData {
	d := make([]opts.LineData, len(ys))
	for i, y := range ys {
		if ok(y) {
			d[i] = opts.LineData{Value: y}
		} else {
			d[i] = opts.LineData{Value: "-"} // a gap
		}
	}
	return d
}

// sharedX returns the x values when every curve has the same ones.
func (f *Lines) sharedX() ([]float64, bool) {
	if len(f.Curves) == 0 || len(f.Curves[0].X) == 0 {
		return nil, false
	}
	x0 := f.Curves[0].X
	for _, c := range f.Curves[1:] {
		if len(c.X) != len(x0) {
			return nil, false
		}
		for i := range x0 {
			if c.X[i] != x0[i] {
				return nil, false
			}
		}
	}
	return x0, true
}

// Chart returns the interactive chart. When all curves share their x values
// (iterations, time steps) the x axis is a category axis and a band is a
// stacked area between Y−Std and Y+Std; otherwise (or on a log axis, where
// stacking does not apply) the band is drawn as dashed Y±Std lines. A band
// carries its curve's name, so the legend toggles both together.
func (f *Lines) Chart() Snippeter {
	c := charts.NewLine()
	yType := "value"
	if f.LogY {
		yType = "log"
	}
	shared, cat := f.sharedX()
	xaxis := opts.XAxis{Type: "value", Name: f.XLabel, NameLocation: "middle", NameGap: 28, Scale: opts.Bool(true)}
	var labels []string
	if cat {
		for _, x := range shared {
			labels = append(labels, fmt.Sprintf("%g", x))
		}
		xaxis.Type, xaxis.Scale, xaxis.Data = "category", nil, labels
	}
	var legend []string
	for _, cv := range f.Curves {
		legend = append(legend, cv.Name)
	}
	for _, h := range f.HLines {
		legend = append(legend, h.Name)
	}
	c.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "800px", Height: "450px"}),
		charts.WithTitleOpts(opts.Title{Title: f.Title}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "30px", Data: legend}),
		charts.WithGridOpts(opts.Grid{Top: "90px", Left: "80px"}),
		charts.WithXAxisOpts(xaxis),
		charts.WithYAxisOpts(opts.YAxis{Type: yType, Name: f.YLabel, NameLocation: "middle", NameGap: 55, Scale: opts.Bool(true)}),
	)
	if cat {
		c.SetXAxis(labels)
	}
	ok := f.ok
	data := func(x, y []float64) []opts.LineData {
		if cat {
			return catData(y, ok)
		}
		return lineData(x, y, ok)
	}
	for i, cv := range f.Curves {
		col := cv.colour(i)
		ls := opts.LineStyle{Color: col, Width: 2}
		if cv.Dashed {
			ls.Type = "dashed"
		}
		c.AddSeries(cv.Name, data(cv.X, cv.Y),
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(len(cv.X) <= 40)}),
			charts.WithLineStyleOpts(ls),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: col}))
		if cv.Std == nil || len(cv.Std) != len(cv.Y) {
			continue
		}
		lo := make([]float64, len(cv.Y))
		hi := make([]float64, len(cv.Y))
		w := make([]float64, len(cv.Y))
		for j := range cv.Y {
			lo[j], hi[j], w[j] = cv.Y[j]-cv.Std[j], cv.Y[j]+cv.Std[j], 2*cv.Std[j]
		}
		if cat && !f.LogY {
			stack := fmt.Sprintf("band%d", i)
			c.AddSeries(cv.Name, data(cv.X, lo),
				charts.WithLineChartOpts(opts.LineChart{Stack: stack, ShowSymbol: opts.Bool(false)}),
				charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: col}))
			c.AddSeries(cv.Name, data(cv.X, w),
				charts.WithLineChartOpts(opts.LineChart{Stack: stack, ShowSymbol: opts.Bool(false)}),
				charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
				charts.WithAreaStyleOpts(opts.AreaStyle{Color: col, Opacity: opts.Float(0.2)}),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: col}))
			continue
		}
		for _, b := range [][]float64{lo, hi} {
			c.AddSeries(cv.Name, data(cv.X, b),
				charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
				charts.WithLineStyleOpts(opts.LineStyle{Color: col, Type: "dashed", Width: 1, Opacity: opts.Float(0.6)}),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: col}))
		}
	}
	lo, hi := f.xRange()
	for _, h := range f.HLines {
		if !ok(h.Y) {
			continue
		}
		hx, hy := []float64{lo, hi}, []float64{h.Y, h.Y}
		if cat {
			hx, hy = shared, make([]float64, len(shared))
			for j := range hy {
				hy[j] = h.Y
			}
		}
		c.AddSeries(h.Name, data(hx, hy),
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: "#555555", Type: "dashed", Width: 1}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: "#555555"}))
	}
	return c
}
