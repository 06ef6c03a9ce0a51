package viz

import (
	"fmt"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
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
	// YLim fixes the y range when YLim[0] < YLim[1] (curves are clipped to
	// it); otherwise the range fits the data.
	YLim   [2]float64
	Curves []Curve
	HLines []HLine
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

// style returns curve i's colour and line type: the palette colour and dash
// of its index, or, when the curve sets its own colour (curves paired by
// colour, such as ε and KL of one condition), solid unless Dashed.
func (c Curve) style(i int) (string, LineType) {
	lt := Dash(i)
	if c.Color != "" {
		lt = Solid
	}
	if c.Dashed {
		lt = Dashed
	}
	return c.colour(i), lt
}

// yLimited reports whether the figure fixes its y range.
func (f *Lines) yLimited() bool { return f.YLim[0] < f.YLim[1] }

// bandLow is the lower edge of a ±std band, kept above zero on a log axis.
func (f *Lines) bandLow(y, std float64) float64 {
	lo := y - std
	if f.LogY && lo <= 0 {
		lo = y / 10 // keep the band on a log axis
	}
	return lo
}

// Plot draws the curves (bands first, translucent), then the reference lines.
func (f *Lines) Plot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = f.Title
	p.X.Label.Text = f.XLabel
	p.Y.Label.Text = f.YLabel
	p.X.Tick.Marker = NiceTicks{}
	p.Y.Tick.Marker = NiceTicks{}
	if f.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = DecadeTicks{}
	}
	p.Legend.Padding = legendPadding
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
			lo[j], hi[j] = f.bandLow(c.Y[j], c.Std[j]), c.Y[j]+c.Std[j]
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
			poly.Color = rgba(c.colour(i), 50)
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
	}
	for i, c := range f.Curves {
		col, lt := c.style(i)
		var thumb []plot.Thumbnailer
		for _, s := range f.segments(c, c.Y) {
			l, err := plotter.NewLine(s)
			if err != nil {
				return nil, fmt.Errorf("viz: curve %q: %w", c.Name, err)
			}
			l.Color = rgba(col, 255)
			l.Width = vg.Points(1.5)
			l.Dashes = lt.Dashes()
			p.Add(l)
			thumb = []plot.Thumbnailer{l}
			if len(c.X) <= 40 {
				pts, err := plotter.NewScatter(s)
				if err != nil {
					return nil, fmt.Errorf("viz: curve %q: %w", c.Name, err)
				}
				pts.Color = l.Color
				pts.Shape, _ = Glyph(i)
				pts.Radius = vg.Points(2.2)
				p.Add(pts)
				thumb = append(thumb, pts)
			}
		}
		if thumb != nil {
			p.Legend.Add(c.Name, thumb...)
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
		l.Color = rgba(ReferenceColour, 255)
		l.Width = vg.Points(1)
		l.Dashes = LineType(1 + i%2).Dashes()
		p.Add(l)
		p.Legend.Add(h.Name, l)
	}
	if f.yLimited() {
		p.Y.Min, p.Y.Max = f.YLim[0], f.YLim[1]
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

// Chart returns the interactive chart, styled as the SVG (chartBase). When
// all curves share their x values (iterations, time steps) the x axis is a
// category axis and a band is a stacked area between Y−Std and Y+Std (stacked
// with echarts' stackStrategy "all", so a band whose lower edge is negative is
// still drawn between its edges); otherwise the band is drawn as thin Y±Std
// lines. A band carries its curve's name, so the legend toggles both together.
func (f *Lines) Chart() Snippeter {
	c := charts.NewLine()
	shared, cat := f.sharedX()
	xaxis := opts.XAxis{Type: "value", Name: f.XLabel, NameLocation: "middle", NameGap: 30, Scale: opts.Bool(true)}
	var labels []string
	if cat {
		for _, x := range shared {
			labels = append(labels, strconv.FormatFloat(x, 'g', 6, 64))
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
	lo, hi := math.NaN(), math.NaN()
	if f.yLimited() {
		lo, hi = f.YLim[0], f.YLim[1]
	}
	c.SetGlobalOptions(chartBase(f.Title, legend, 0)...)
	c.SetGlobalOptions(charts.WithXAxisOpts(xaxis), charts.WithYAxisOpts(valueAxisY(f.YLabel, f.LogY, lo, hi)))
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
	var repl []string
	for i, cv := range f.Curves {
		col, lt := cv.style(i)
		_, sym := Glyph(i)
		c.AddSeries(cv.Name, data(cv.X, cv.Y),
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(len(cv.X) <= 40), Symbol: sym, SymbolSize: 6}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: col, Width: 2, Type: lt.ECharts()}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: col}))
		if cv.Std == nil || len(cv.Std) != len(cv.Y) {
			continue
		}
		blo := make([]float64, len(cv.Y))
		bhi := make([]float64, len(cv.Y))
		w := make([]float64, len(cv.Y))
		for j := range cv.Y {
			blo[j], bhi[j] = f.bandLow(cv.Y[j], cv.Std[j]), cv.Y[j]+cv.Std[j]
			w[j] = bhi[j] - blo[j]
		}
		if cat {
			stack := fmt.Sprintf("band%d", i)
			repl = append(repl, fmt.Sprintf(`"stack":%q`, stack), fmt.Sprintf(`"stack":%q,"stackStrategy":"all"`, stack))
			c.AddSeries(cv.Name, data(cv.X, blo),
				charts.WithLineChartOpts(opts.LineChart{Stack: stack, ShowSymbol: opts.Bool(false)}),
				charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: col}))
			c.AddSeries(cv.Name, catData(w, func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }),
				charts.WithLineChartOpts(opts.LineChart{Stack: stack, ShowSymbol: opts.Bool(false)}),
				charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
				charts.WithAreaStyleOpts(opts.AreaStyle{Color: col, Opacity: opts.Float(0.2)}),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: col}))
			continue
		}
		for _, b := range [][]float64{blo, bhi} {
			c.AddSeries(cv.Name, data(cv.X, b),
				charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
				charts.WithLineStyleOpts(opts.LineStyle{Color: col, Type: "dotted", Width: 1, Opacity: opts.Float(0.6)}),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: col}))
		}
	}
	xlo, xhi := f.xRange()
	for i, h := range f.HLines {
		if !ok(h.Y) {
			continue
		}
		hx, hy := []float64{xlo, xhi}, []float64{h.Y, h.Y}
		if cat {
			hx, hy = shared, make([]float64, len(shared))
			for j := range hy {
				hy[j] = h.Y
			}
		}
		c.AddSeries(h.Name, data(hx, hy),
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: ReferenceColour, Type: LineType(1 + i%2).ECharts(), Width: 1}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: ReferenceColour}))
	}
	if len(repl) == 0 {
		return c
	}
	return patched{inner: c, repl: repl}
}
