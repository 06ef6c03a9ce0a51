package viz

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
)

// The echarts side of the figure style: the same size and palette as the SVG,
// the title top left, the legend right of the grid in a vertical, scrollable
// list, the grid leaving room for both and for the axis names.
const (
	chartTitleTop    = 6  // px
	chartTitleHeight = 24 // px: a 16 px title and its padding
	chartGridTop     = chartTitleTop + chartTitleHeight + 26
	chartGridLeft    = 90 // room for the y tick labels and the y axis name
	chartGridBottom  = 56 // room for the x tick labels and the x axis name
	chartLegendRight = 8
	chartCharWidth   = 7  // px per legend character at 12 px (a generous mean)
	chartLegendIcon  = 35 // px: the legend symbol and its gap
	chartMaxLegend   = 250
	chartWideLegend  = 180 // px: a legend this wide with few entries goes below the grid
	chartLegendRow   = 26  // px: the height of a legend row below the grid
)

// LegendWidthPx estimates the width echarts gives a vertical legend with
// these names (12 px text).
func LegendWidthPx(names []string) int {
	w := 0
	for _, n := range names {
		w = max(w, utf8.RuneCountInString(n)*chartCharWidth+chartLegendIcon)
	}
	return min(w, chartMaxLegend)
}

func px(v int) string { return fmt.Sprintf("%dpx", v) }

// chartBase returns the global options every chart of the package shares.
// legend lists the legend's entries (nil: no legend); extraRight is more
// room right of the grid (e.g. for a visual map).
func chartBase(title string, legend []string, extraRight int) []charts.GlobalOpts {
	heightPx := DefaultHeightPx
	right := 30 + extraRight // room for the last x tick label
	o := []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{Width: px(DefaultWidthPx), Height: px(heightPx)}),
		charts.WithTitleOpts(opts.Title{Title: title, Top: px(chartTitleTop), Left: "center",
			TitleStyle: &opts.TextStyle{FontSize: 15}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithColorsOpts(opts.Colors(Palette)),
		charts.WithAnimation(false),
	}
	bottom := chartGridBottom
	if len(legend) > 0 && len(legend) <= 4 && LegendWidthPx(legend) > chartWideLegend {
		// A few long names: one row below the axis name costs the data less room.
		bottom += chartLegendRow
		o = append(o, charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Orient: "horizontal",
			Left: px(chartGridLeft), Bottom: "4px", Data: legend}))
	} else if len(legend) > 0 {
		lw := LegendWidthPx(legend)
		right += lw + chartLegendRight
		o = append(o, charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Orient: "vertical",
			Right: px(chartLegendRight), Top: px(chartGridTop), Bottom: px(chartGridBottom), Width: px(lw), Data: legend}))
	} else {
		o = append(o, charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}))
	}
	o = append(o, charts.WithGridOpts(opts.Grid{Top: px(chartGridTop), Left: px(chartGridLeft),
		Right: px(right), Bottom: px(bottom)}))
	return o
}

// valueAxisY is a value (or log) y axis with its name beside the labels.
func valueAxisY(name string, log bool, lo, hi float64) opts.YAxis {
	a := opts.YAxis{Type: "value", Name: name, NameLocation: "middle", NameGap: 62, Scale: opts.Bool(true),
		SplitLine: &opts.SplitLine{Show: opts.Bool(true)}}
	if log {
		a.Type = "log"
		a.Scale = nil
	}
	if !isNaN(lo) && !isNaN(hi) && hi > lo {
		a.Min, a.Max = lo, hi
	}
	return a
}

func isNaN(v float64) bool { return v != v }

// patched is a chart whose option JSON is edited by string replacements
// (options go-echarts v2.6.7 has no field for, such as stackStrategy).
type patched struct {
	inner Snippeter
	repl  []string // old, new pairs
}

// RenderSnippet renders the inner chart and applies the replacements to its
// option, also where the script holds it.
func (p patched) RenderSnippet() render.ChartSnippet {
	s := p.inner.RenderSnippet()
	r := strings.NewReplacer(p.repl...)
	opt := r.Replace(s.Option)
	s.Script = strings.Replace(s.Script, s.Option, opt, 1)
	s.Option = opt
	return s
}
