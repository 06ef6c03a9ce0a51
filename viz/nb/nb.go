// Package nb shows viz figures inline in GoNB notebooks (Jupyter with the Go kernel).
// It is the only package of mirrorgps that imports GoNB, so viz and the command line
// never link it (ARCHITECTURE.md "Layout").
//
// Static figures go out as SVG inside HTML (gonbui.DisplaySvg: the form that survives
// nbconvert's HTML export), interactive ones as go-echarts HTML with the echarts library
// embedded in every output (no CDN, so they draw offline; about 1 MB per chart).
// Every function ends with gonbui.Sync(): output still in GoNB's pipe when a cell's
// program exits is otherwise dropped without an error (shared/notebooks/gonb-recipe.md,
// pitfall 3). Outside a notebook the functions print nothing and return.
//
// A cell looks like:
//
//	%%
//	run := nb.Must1(mdgps.Open(path, obstacle.New(), mdgps.PaperObstacle()))
//	nb.Must(run.Run(nil))
//	nb.Show(viz.BoundVsCost(run.History()))     // SVG
//	nb.Interactive(viz.EtaTraces(run.History())) // echarts
package nb

import (
	"fmt"

	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/mirrorgps/mirrorgps/viz"
)

// Show displays f's static figure (gonum/plot, SVG) at viz's default size.
// It panics if the figure cannot be drawn: in a notebook that is the cell's error.
func Show(f viz.Figure) {
	p, err := f.Plot()
	Must(err)
	Plot(p)
}

// ShowSized is Show at width × height (e.g. 12*vg.Centimeter).
func ShowSized(f viz.Figure, width, height vg.Length) {
	p, err := f.Plot()
	Must(err)
	PlotSized(p, width, height)
}

// Interactive displays f's interactive go-echarts chart with the echarts library
// embedded, followed by its SVG twin in an inert <template> (StaticNotebook puts
// the twin in the chart's place, for readers without JavaScript, e.g. GitHub).
func Interactive(f viz.Figure) {
	HTML(viz.EChartHTML(f.Chart(), true) + SVGTwin(Must1(viz.FigureSVG(f))))
}

// Both displays f's static figure and then its interactive chart.
func Both(f viz.Figure) {
	Show(f)
	Interactive(f)
}

// Plot displays a gonum/plot figure as SVG at viz's default size (for figures a
// notebook builds itself).
func Plot(p *plot.Plot) { PlotSized(p, 0, 0) }

// PlotSized displays p as SVG at width × height (0 means viz's default).
func PlotSized(p *plot.Plot, width, height vg.Length) {
	b, err := viz.Encode(p, "svg", width, height)
	Must(err)
	SVG(b)
}

// EChart displays a go-echarts chart (any *charts.X) with the echarts library embedded.
func EChart(c viz.Snippeter) { HTML(viz.EChartHTML(c, true)) }

// SVG displays an SVG document.
func SVG(svg []byte) {
	gonbui.DisplaySvg(string(svg))
	gonbui.Sync()
}

// PNG displays a PNG image.
func PNG(png []byte) {
	gonbui.DisplayPng(png)
	gonbui.Sync()
}

// HTML displays an HTML fragment.
func HTML(html string) {
	gonbui.DisplayHtml(html)
	gonbui.Sync()
}

// Markdown displays markdown (with $…$ and $$…$$ for LaTeX).
func Markdown(md string) {
	gonbui.DisplayMarkdown(md)
	gonbui.Sync()
}

// Table displays an HTML table with a header row; cells are printed with %v
// (floats with %.4g).
func Table(header []string, rows [][]any) {
	HTML(TableHTML(header, rows))
}

// Must panics with err if it is not nil; in a notebook the panic is the cell's error.
func Must(err error) {
	if err != nil {
		panic(err)
	}
}

// Must1 returns v, or panics with err if it is not nil.
func Must1[T any](v T, err error) T {
	Must(err)
	return v
}

// TableHTML is the HTML of Table (exported for tests and for pages outside GoNB).
func TableHTML(header []string, rows [][]any) string {
	s := "<table><thead><tr>"
	for _, h := range header {
		s += "<th>" + escape(h) + "</th>"
	}
	s += "</tr></thead><tbody>"
	for _, r := range rows {
		s += "<tr>"
		for _, v := range r {
			var c string
			switch x := v.(type) {
			case float64:
				c = fmt.Sprintf("%.4g", x)
			default:
				c = fmt.Sprint(x)
			}
			s += "<td>" + escape(c) + "</td>"
		}
		s += "</tr>"
	}
	return s + "</tbody></table>"
}

func escape(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			out = append(out, "&lt;"...)
		case '>':
			out = append(out, "&gt;"...)
		case '&':
			out = append(out, "&amp;"...)
		default:
			out = append(out, s[i])
		}
	}
	return string(out)
}
