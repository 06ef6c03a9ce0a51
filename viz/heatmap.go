package viz

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mirrorgps/mirrorgps/mdgps"
)

// Heatmap is a matrix of values over rows (conditions) and columns (time
// steps): Values[r][c]. Colours follow Viridis (dark: small, yellow: large),
// on a log scale when LogScale is set (LogDecades below the largest value;
// smaller ones, zero included, are darkest); the
// colour bar beside the map gives the scale.
type Heatmap struct {
	Title, XLabel, YLabel string
	Rows                  []string // row labels, bottom to top
	Values                [][]float64
	LogScale              bool
}

var _ Figure = (*Heatmap)(nil)

// KLHeatmap is the C-step's realised KL(p_i ‖ π̄_i) per time step of one
// iteration: conditions × t, on a log colour scale (the KL of a few time
// steps is often orders of magnitude above the rest).
func KLHeatmap(it mdgps.Iteration) *Heatmap {
	h := &Heatmap{Title: fmt.Sprintf("KL per time step, iteration %d", it.Iteration),
		XLabel: "time step t", YLabel: "condition", LogScale: true}
	for _, c := range it.Conditions {
		h.Rows = append(h.Rows, fmt.Sprintf("%d", c.Cond))
		h.Values = append(h.Values, append([]float64(nil), c.KLPerT...))
	}
	return h
}

// usable reports whether v gets a colour (NaN and ±Inf do not: they are
// left blank).
func (h *Heatmap) usable(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// LogDecades is how many decades below the largest value a log-scale heat
// map resolves; smaller values, zero included, get the darkest colour (a KL
// of 1e-15 next to one of 100 is nothing, and would stretch the scale over 17
// decades).
const LogDecades = 6

// Range returns the ends of the colour scale: the smallest and largest value,
// on a log scale the largest positive value and the smallest positive one at
// most LogDecades below it.
func (h *Heatmap) Range() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, r := range h.Values {
		for _, v := range r {
			if h.usable(v) && (!h.LogScale || v > 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if h.LogScale && lo <= hi {
		lo = math.Max(lo, hi*math.Pow(10, -LogDecades))
	}
	if lo > hi {
		return 1, 10
	}
	if lo == hi {
		if h.LogScale {
			return lo / 2, hi * 2
		}
		hi = lo + 1
	}
	return lo, hi
}

// Fraction returns v's position on the colour scale, 0 at the smallest value
// and 1 at the largest (NaN for a value without colour).
func (h *Heatmap) Fraction(v float64) float64 {
	if !h.usable(v) {
		return math.NaN()
	}
	lo, hi := h.Range()
	var f float64
	if h.LogScale {
		f = (math.Log10(math.Max(v, lo)) - math.Log10(lo)) / (math.Log10(hi) - math.Log10(lo))
	} else {
		f = (v - lo) / (hi - lo)
	}
	return math.Max(0, math.Min(1, f))
}

// Colour returns the colour of v (white for a value without colour).
func (h *Heatmap) Colour(v float64) color.NRGBA {
	f := h.Fraction(v)
	if math.IsNaN(f) {
		return color.NRGBA{R: 255, G: 255, B: 255, A: 255}
	}
	return Viridis(f)
}

// valueAt returns the value at fraction f of the colour scale.
func (h *Heatmap) valueAt(f float64) float64 {
	lo, hi := h.Range()
	if h.LogScale {
		return math.Pow(10, math.Log10(lo)+f*(math.Log10(hi)-math.Log10(lo)))
	}
	return lo + f*(hi-lo)
}

type grid struct{ h *Heatmap }

func (g grid) Dims() (c, r int) {
	r = len(g.h.Values)
	for _, row := range g.h.Values {
		c = max(c, len(row))
	}
	return c, r
}
func (g grid) Z(c, r int) float64 {
	if c < len(g.h.Values[r]) {
		return g.h.Fraction(g.h.Values[r][c])
	}
	return math.NaN()
}
func (g grid) X(c int) float64 { return float64(c) }
func (g grid) Y(r int) float64 { return float64(r) }

// viridisPalette is Viridis in n steps.
type viridisPalette int

func (n viridisPalette) Colors() []color.Color {
	out := make([]color.Color, n)
	for i := range out {
		out[i] = Viridis(float64(i) / float64(n-1))
	}
	return out
}

// colourStep is a legend thumbnail filled with one colour (a step of the colour bar).
type colourStep color.NRGBA

func (s colourStep) Thumbnail(c *draw.Canvas) {
	c.SetColor(color.NRGBA(s))
	c.Fill(c.Rectangle.Path())
}

// colourBarSteps is the number of steps of the colour bar; every
// colourBarLabelEvery-th step is labelled.
const (
	colourBarSteps      = 16
	colourBarLabelEvery = 5
)

// Plot draws the matrix in Viridis with a colour bar (a column of colour
// steps, labelled with their values) right of it.
func (h *Heatmap) Plot() (*plot.Plot, error) {
	c, r := grid{h}.Dims()
	if c == 0 || r == 0 {
		return nil, fmt.Errorf("viz: heatmap %q has no values", h.Title)
	}
	hm := plotter.NewHeatMap(grid{h}, viridisPalette(256))
	hm.Min, hm.Max = 0, 1
	hm.NaN = color.NRGBA{R: 255, G: 255, B: 255, A: 255}
	hm.Rasterized = true // one image: no seams between cells, a small SVG
	p := plot.New()
	p.Title.Text = h.Title
	p.X.Label.Text = h.XLabel
	p.Y.Label.Text = h.YLabel
	p.X.Tick.Marker = NiceTicks{}
	p.Add(hm)
	ticks := make([]plot.Tick, len(h.Rows))
	for i, name := range h.Rows {
		ticks[i] = plot.Tick{Value: float64(i), Label: name}
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Legend.Padding = 0
	p.Legend.ThumbnailWidth = vg.Points(14)
	for i := colourBarSteps - 1; i >= 0; i-- {
		f := float64(i) / float64(colourBarSteps-1)
		label := ""
		if i%colourBarLabelEvery == 0 {
			label = twoDigits(h.valueAt(f))
			if h.LogScale && i == 0 {
				label = "≤ " + label
			}
		}
		p.Legend.Add(label, colourStep(Viridis(f)))
	}
	return p, nil
}

// Chart returns an interactive heat map with a continuous Viridis visual map
// right of the grid; on a log scale the map shows log10 of the values.
func (h *Heatmap) Chart() Snippeter {
	c := charts.NewHeatMap()
	nc, _ := grid{h}.Dims()
	xs := make([]string, nc)
	for i := range xs {
		xs[i] = fmt.Sprint(i)
	}
	lo, hi := h.Range()
	title := h.Title
	if h.LogScale {
		lo, hi = math.Log10(lo), math.Log10(hi)
		title += " (colour: log10)"
	}
	c.SetGlobalOptions(chartBase(title, nil, 80)...)
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: h.XLabel, NameLocation: "middle", NameGap: 30, Data: xs}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Name: h.YLabel, NameLocation: "middle", NameGap: 40, Data: h.Rows}),
		charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Min: float32(lo), Max: float32(hi),
			Orient: "vertical", Right: "10px", Top: "middle",
			InRange: &opts.VisualMapInRange{Color: ViridisStops()}}),
	)
	c.SetXAxis(xs)
	var data []opts.HeatMapData
	for r, row := range h.Values {
		for t, v := range row {
			if !h.usable(v) {
				continue
			}
			if h.LogScale {
				v = math.Log10(math.Max(v, math.Pow(10, lo)))
			}
			data = append(data, opts.HeatMapData{Value: [3]interface{}{t, r, v}})
		}
	}
	c.AddSeries(h.Title, data)
	return c
}

// twoDigits writes v with two significant digits, in plain decimals between
// 0.001 and 99 000 (120, not 1.2e+02).
func twoDigits(v float64) string {
	a := math.Abs(v)
	if a == 0 || a < 1e-3 || a >= 1e5 {
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 2, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}
