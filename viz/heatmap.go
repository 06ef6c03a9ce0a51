package viz

import (
	"fmt"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"

	"github.com/mirrorgps/mirrorgps/mdgps"
)

// Heatmap is a matrix of values over rows (conditions) and columns (time
// steps): Values[r][c].
type Heatmap struct {
	Title, XLabel, YLabel string
	Rows                  []string // row labels, bottom to top
	Values                [][]float64
}

var _ Figure = (*Heatmap)(nil)

// KLHeatmap is the C-step's realised KL(p_i ‖ π̄_i) per time step of one
// iteration: conditions × t.
func KLHeatmap(it mdgps.Iteration) *Heatmap {
	h := &Heatmap{Title: fmt.Sprintf("KL per time step, iteration %d", it.Iteration),
		XLabel: "time step t", YLabel: "condition"}
	for _, c := range it.Conditions {
		h.Rows = append(h.Rows, fmt.Sprintf("%d", c.Cond))
		h.Values = append(h.Values, append([]float64(nil), c.KLPerT...))
	}
	return h
}

// Range returns the smallest and largest finite value.
func (h *Heatmap) Range() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, r := range h.Values {
		for _, v := range r {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if lo > hi {
		return 0, 1
	}
	if lo == hi {
		hi = lo + 1
	}
	return lo, hi
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
		return g.h.Values[r][c]
	}
	return math.NaN()
}
func (g grid) X(c int) float64 { return float64(c) }
func (g grid) Y(r int) float64 { return float64(r) }

// Plot draws the matrix with a colour map (Moreland's black body); the value
// range is given in the title.
func (h *Heatmap) Plot() (*plot.Plot, error) {
	c, r := grid{h}.Dims()
	if c == 0 || r == 0 {
		return nil, fmt.Errorf("viz: heatmap %q has no values", h.Title)
	}
	lo, hi := h.Range()
	cm := moreland.ExtendedBlackBody()
	cm.SetMin(lo)
	cm.SetMax(hi)
	hm := plotter.NewHeatMap(grid{h}, cm.Palette(128))
	hm.Min, hm.Max = lo, hi
	hm.NaN = rgba("#ffffff", 255)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s (%.3g … %.3g)", h.Title, lo, hi)
	p.X.Label.Text = h.XLabel
	p.Y.Label.Text = h.YLabel
	p.Add(hm)
	ticks := make([]plot.Tick, len(h.Rows))
	for i, name := range h.Rows {
		ticks[i] = plot.Tick{Value: float64(i), Label: name}
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	return p, nil
}

// Chart returns an interactive heat map with a continuous visual map.
func (h *Heatmap) Chart() Snippeter {
	c := charts.NewHeatMap()
	nc, _ := grid{h}.Dims()
	xs := make([]string, nc)
	for i := range xs {
		xs[i] = fmt.Sprint(i)
	}
	lo, hi := h.Range()
	c.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "800px", Height: "400px"}),
		charts.WithTitleOpts(opts.Title{Title: h.Title}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: h.XLabel, Data: xs, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Name: h.YLabel, Data: h.Rows, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Min: float32(lo), Max: float32(hi),
			InRange: &opts.VisualMapInRange{Color: []string{"#000000", "#b2182b", "#f4a582", "#ffffbf"}}}),
	)
	c.SetXAxis(xs)
	var data []opts.HeatMapData
	for r, row := range h.Values {
		for t, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			data = append(data, opts.HeatMapData{Value: [3]interface{}{t, r, v}})
		}
	}
	c.AddSeries("KL", data)
	return c
}
