package viz

import (
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Layout is where Draw puts the parts of a gonum/plot figure on its canvas:
// the title on top, centred on the canvas; the legend outside the data area
// (right of it, or below when it is too wide); the axes with their tick labels
// inside the canvas. Tests check figures against it (legend disjoint from the
// data area and the title, every tick label inside the canvas).
type Layout struct {
	Canvas vg.Rectangle
	Title  vg.Rectangle // zero when the figure has no title
	Data   vg.Rectangle // the data area
	Legend vg.Rectangle // zero when the figure has no legend
	Ticks  []TickLabel  // the labelled ticks of both axes
}

// TickLabel is one drawn tick label.
type TickLabel struct {
	Axis string // "x" or "y"
	Text string
	Rect vg.Rectangle
}

// margin is the blank border around a figure and the gap between its parts.
const margin = vg.Length(6)

// Smallest font sizes a title and a legend are shrunk to when they do not fit.
const (
	minTitleSize  = 9
	minLegendSize = 7
)

// arranged is a plot ready to draw: a copy without title and legend (drawn
// separately), the canvas it gets, and where the title and legend go.
type arranged struct {
	inner      plot.Plot
	plotArea   draw.Canvas
	title      plot.Plot // carries the (possibly shrunk) title style
	titleAt    vg.Point
	legend     plot.Legend
	legendArea draw.Canvas
	yLabel     string // the y axis label, drawn by Draw, rotated, centred on the data area
	yLabelSty  text.Style
	yLabelAt   vg.Point
	layout     Layout
}

// FontSlack is the factor by which Draw over-reserves the width of titles
// and legends: the SVG names Liberation Sans (metrics measured here), or the
// metric-compatible Arial and Helvetica, but a reader without them sees a
// fallback such as DejaVu Sans, up to about 15 % wider.
const FontSlack = 1.15

// sans is the figures' font: Liberation Sans, metric-compatible with Arial.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func setSans(sty *text.Style) { sty.Font.Typeface, sty.Font.Variant = sans.Typeface, sans.Variant }

func arrange(p *plot.Plot, c draw.Canvas) *arranged {
	a := &arranged{inner: *p, legend: p.Legend}
	a.inner.Title.Text = ""
	a.inner.Legend = plot.NewLegend()
	for _, ax := range []*plot.Axis{&a.inner.X, &a.inner.Y} {
		setSans(&ax.Label.TextStyle)
		setSans(&ax.Tick.Label)
	}
	setSans(&a.legend.TextStyle)
	if a.legend.TextStyle.Font.Size > 11 {
		a.legend.TextStyle.Font.Size = 11
	}
	a.layout.Canvas = c.Rectangle
	area := draw.Crop(c, margin, -margin, margin, -margin)

	// Title: centred on the canvas, shrunk until it fits its width.
	if p.Title.Text != "" {
		sty := p.Title.TextStyle
		setSans(&sty)
		for FontSlack*sty.Width(p.Title.Text) > area.Size().X && sty.Font.Size > minTitleSize {
			sty.Font.Size--
		}
		a.title.Title.Text, a.title.Title.TextStyle = p.Title.Text, sty
		r := sty.Rectangle(p.Title.Text) // XCenter, YTop: relative to the top centre
		a.titleAt = vg.Point{X: c.Center().X, Y: area.Max.Y}
		a.layout.Title = r.Add(a.titleAt)
		area.Max.Y = a.layout.Title.Min.Y - margin
	}

	// The y axis label is drawn here, not by gonum/plot: its padding places the
	// label's box at the axis' arithmetic mid-range, which on a log axis is
	// near the top, and shrank the data area to make room for it.
	var yLabelW vg.Length
	if a.inner.Y.Label.Text != "" {
		a.yLabel, a.yLabelSty = a.inner.Y.Label.Text, a.inner.Y.Label.TextStyle
		a.inner.Y.Label.Text = ""
		sty := a.yLabelSty
		yLabelW = sty.Height(a.yLabel) + sty.FontExtents().Descent + a.inner.Y.Label.Padding
		area = draw.Crop(area, yLabelW, 0, 0, 0)
	}
	// Room on the right for the last x tick label's overhang.
	overhang := a.xOverhang(area)
	legendW, legendH := legendSize(&a.legend, c)
	// Right of the data area, unless the legend is wide and short (a few long
	// names: below, it costs the data less room) or too wide.
	wide, short := legendW > 0.25*c.Size().X, legendH <= 0.2*c.Size().Y
	right := legendW > 0 && legendW <= 0.45*c.Size().X && !(wide && short)
	switch {
	case legendW == 0:
		a.plotArea = draw.Crop(area, 0, -overhang, 0, 0)
	case right:
		a.plotArea = draw.Crop(area, 0, -(legendW + max(overhang, margin) + margin), 0, 0)
	default: // below the axes, left-aligned
		a.plotArea = draw.Crop(area, 0, -overhang, legendH+margin, 0)
	}
	data := a.inner.DataCanvas(a.plotArea)
	a.layout.Data = data.Rectangle
	if legendW > 0 {
		if right {
			// Shrink the legend's font until it fits the data area's height.
			for legendH > data.Size().Y && a.legend.TextStyle.Font.Size > minLegendSize {
				a.legend.TextStyle.Font.Size--
				legendW, legendH = legendSize(&a.legend, c)
			}
			x0 := area.Max.X - legendW
			a.legendArea = draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x0, Y: data.Min.Y}, Max: vg.Point{X: x0 + legendW, Y: data.Max.Y}}}
		} else {
			a.legendArea = draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: data.Min.X, Y: area.Min.Y}, Max: vg.Point{X: data.Min.X + legendW, Y: area.Min.Y + legendH}}}
		}
		a.legend.Top, a.legend.Left = true, true
		a.legend.XOffs, a.legend.YOffs = 0, 0
		top := a.legendArea.Max.Y
		a.layout.Legend = vg.Rectangle{Min: vg.Point{X: a.legendArea.Min.X, Y: top - legendH},
			Max: vg.Point{X: a.legendArea.Min.X + legendW, Y: top}}
	}
	if a.yLabel != "" {
		sty := a.yLabelSty
		a.yLabelAt = vg.Point{X: area.Min.X - yLabelW + sty.Height(a.yLabel) - sty.FontExtents().Descent, Y: data.Center().Y}
	}
	a.layout.Ticks = tickLabels(&a.inner, a.plotArea, data)
	return a
}

// legendSize is the width (with FontSlack) and height of the legend's
// entries (0, 0 without entries).
func legendSize(l *plot.Legend, c draw.Canvas) (w, h vg.Length) {
	r := l.Rectangle(c)
	s := r.Size()
	if s.Y == 0 {
		return 0, 0
	}
	return l.ThumbnailWidth + FontSlack*(s.X-l.ThumbnailWidth), s.Y
}

// xOverhang is how far the widest x tick label may reach right of the data area.
func (a *arranged) xOverhang(area draw.Canvas) vg.Length {
	q := a.inner
	q.DataCanvas(area) // sanitises the axis ranges of the copy
	var w vg.Length
	for _, t := range q.X.Tick.Marker.Ticks(q.X.Min, q.X.Max) {
		if t.Label != "" {
			w = max(w, q.X.Tick.Label.Width(t.Label)/2)
		}
	}
	return w
}

// tickLabels places the tick labels as gonum/plot's axes draw them
// (plot/axis.go: horizontalAxis.draw and verticalAxis.draw).
func tickLabels(p *plot.Plot, area, data draw.Canvas) []TickLabel {
	var out []TickLabel
	xTicks := p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max)
	y := area.Min.Y
	if p.X.Label.Text != "" {
		y += p.X.Label.TextStyle.Height(p.X.Label.Text) + p.X.Label.Padding
	}
	var h vg.Length
	for _, t := range xTicks {
		if t.Label != "" {
			h = max(h, p.X.Tick.Label.Height(t.Label))
		}
	}
	desc := p.X.Tick.Label.FontExtents().Descent
	for _, t := range xTicks {
		x := data.X(p.X.Norm(t.Value))
		if t.IsMinor() || !data.ContainsX(x) {
			continue
		}
		r := p.X.Tick.Label.Rectangle(t.Label).Add(vg.Point{X: x, Y: y + h + desc})
		out = append(out, TickLabel{Axis: "x", Text: t.Label, Rect: r})
	}
	yTicks := p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max)
	x := area.Min.X
	if p.Y.Label.Text != "" {
		x += p.Y.Label.TextStyle.Height(p.Y.Label.Text) + p.Y.Label.TextStyle.FontExtents().Descent + p.Y.Label.Padding
	}
	var w vg.Length
	for _, t := range yTicks {
		if t.Label != "" {
			w = max(w, p.Y.Tick.Label.Width(t.Label))
		}
	}
	x += w
	desc = p.Y.Tick.Label.FontExtents().Descent
	for _, t := range yTicks {
		yy := data.Y(p.Y.Norm(t.Value))
		if t.IsMinor() || !data.ContainsY(yy) {
			continue
		}
		r := p.Y.Tick.Label.Rectangle(t.Label).Add(vg.Point{X: x, Y: yy + desc})
		out = append(out, TickLabel{Axis: "y", Text: t.Label, Rect: r})
	}
	return out
}

// Draw draws p on c in the package's figure style (Layout): p's own legend
// settings (Top, Left, offsets) are ignored, its entries go outside the data
// area.
func Draw(p *plot.Plot, c draw.Canvas) {
	a := arrange(p, c)
	if p.BackgroundColor != nil {
		c.SetColor(p.BackgroundColor)
		c.Fill(c.Rectangle.Path())
	}
	a.inner.BackgroundColor = nil
	if a.title.Title.Text != "" {
		c.FillText(a.title.Title.TextStyle, a.titleAt, a.title.Title.Text)
	}
	a.inner.Draw(a.plotArea)
	if a.yLabel != "" {
		sty := a.yLabelSty
		sty.Rotation += math.Pi / 2
		c.FillText(sty, a.yLabelAt, a.yLabel)
	}
	if a.layout.Legend != (vg.Rectangle{}) {
		a.legend.Draw(a.legendArea)
	}
}

// LayoutOf returns where Draw puts p's parts on a w × h canvas (0: the
// default size).
func LayoutOf(p *plot.Plot, w, h vg.Length) Layout {
	if w == 0 {
		w = DefaultWidth
	}
	if h == 0 {
		h = DefaultHeight
	}
	c := draw.NewCanvas(nullCanvas{}, w, h)
	return arrange(p, c).layout
}

// nullCanvas is a vg.Canvas that draws nothing (layout only).
type nullCanvas struct{}

func (nullCanvas) SetLineWidth(vg.Length)                 {}
func (nullCanvas) SetLineDash([]vg.Length, vg.Length)     {}
func (nullCanvas) SetColor(color.Color)                   {}
func (nullCanvas) Rotate(float64)                         {}
func (nullCanvas) Translate(vg.Point)                     {}
func (nullCanvas) Scale(float64, float64)                 {}
func (nullCanvas) Push()                                  {}
func (nullCanvas) Pop()                                   {}
func (nullCanvas) Stroke(vg.Path)                         {}
func (nullCanvas) Fill(vg.Path)                           {}
func (nullCanvas) FillString(font.Face, vg.Point, string) {}
func (nullCanvas) DrawImage(vg.Rectangle, image.Image)    {}
