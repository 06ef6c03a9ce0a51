package nb

import (
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/widgets"

	"github.com/mirrorgps/mirrorgps/viz"
)

// SliderWait is how long Slider waits for a browser to show the slider before
// it falls back to the static figure (headless runs: nbconvert, the tests).
var SliderWait = 3 * time.Second

// SliderTimeout is how long Slider keeps redrawing after the last move.
var SliderTimeout = 2 * time.Minute

// Slider shows fig(v) under an integer slider over [lo, hi], starting at
// start, and redraws the figure (SVG) whenever the slider moves, until
// SliderTimeout passes without a move. When no browser shows the slider
// within SliderWait (a headless run), it shows static() once instead, so the
// notebook still has its figure.
func Slider(lo, hi, start int, fig func(v int) viz.Figure, static func() viz.Figure) {
	ready := make(chan *widgets.SliderBuilder, 1)
	go func() { ready <- widgets.Slider(lo, hi, start).Done() }()
	select {
	case s := <-ready:
		id := "slider_figure_" + gonbui.UniqueId()
		gonbui.UpdateHtml(id, svgHTML(fig(start)))
		updates := s.Listen()
		for {
			select {
			case v := <-updates.C:
				gonbui.UpdateHtml(id, svgHTML(fig(v)))
			case <-time.After(SliderTimeout):
				return
			}
		}
	case <-time.After(SliderWait):
		Show(static())
	}
}

// svgHTML is f's static figure as an HTML fragment.
func svgHTML(f viz.Figure) string {
	return "<div>" + string(Must1(viz.FigureSVG(f))) + "</div>"
}
