package viz

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The figure style, one place for both renderers (issue 14, item 1).
//
//   - Size: DefaultWidth × DefaultHeight, 720 × 420 CSS pixels (a notebook
//     column); SVG lengths are points, 3/4 of a CSS pixel.
//   - Colours: Palette, the same cycle in the SVG and the echarts chart.
//   - Line styles: series i is drawn with Dash(i) and marked with Glyph(i), so
//     curves stay distinguishable in greyscale.
//   - Legends sit outside the data area, right of it (Layout).
//   - Log axes are labelled at decades (DecadeTicks), linear axes with short
//     numbers (NiceTicks).
//   - Heat maps use Viridis, optionally on a log scale, with a colour bar.

// DefaultWidthPx and DefaultHeightPx are the default figure size in CSS pixels.
const (
	DefaultWidthPx  = 720
	DefaultHeightPx = 420
)

// Default figure size for SVG and PNG output (720 × 420 CSS pixels).
const (
	DefaultWidth  = DefaultWidthPx * vg.Inch / 96
	DefaultHeight = DefaultHeightPx * vg.Inch / 96
)

// Palette is the series colour cycle shared by both renderers: Okabe & Ito's
// colour-blind-safe set (without its yellow, too light on white) and two
// darker tones, so a variant has the same colour in the SVG and the HTML.
var Palette = []string{"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#56b4e9",
	"#e69f00", "#000000", "#8c564b", "#7f7f7f"}

// Colour returns the i-th palette colour.
func Colour(i int) string { return Palette[mod(i, len(Palette))] }

// ReferenceColour is the colour of reference lines (targets, thresholds).
const ReferenceColour = "#555555"

func mod(i, n int) int { return ((i % n) + n) % n }

// LineType is a dash pattern both renderers know.
type LineType int

// The dash patterns, in the order series use them.
const (
	Solid LineType = iota
	Dashed
	Dotted
	numLineTypes
)

// Dash returns the dash pattern of series i: solid, dashed, dotted, again.
// Paired with Colour(i) (a cycle of nine), the pair repeats after 9 series.
func Dash(i int) LineType { return LineType(mod(i, int(numLineTypes))) }

// ECharts returns the echarts name of the line type.
func (l LineType) ECharts() string {
	switch l {
	case Dashed:
		return "dashed"
	case Dotted:
		return "dotted"
	}
	return "solid"
}

// Dashes returns the gonum/plot dash pattern of the line type.
func (l LineType) Dashes() []vg.Length {
	switch l {
	case Dashed:
		return []vg.Length{vg.Points(6), vg.Points(3)}
	case Dotted:
		return []vg.Length{vg.Points(1.5), vg.Points(2)}
	}
	return nil
}

// Glyph returns the point marker of series i (circle, square, triangle,
// diamond), with its echarts symbol name.
func Glyph(i int) (draw.GlyphDrawer, string) {
	switch mod(i, 4) {
	case 1:
		return draw.SquareGlyph{}, "rect"
	case 2:
		return draw.TriangleGlyph{}, "triangle"
	case 3:
		return draw.PyramidGlyph{}, "diamond"
	}
	return draw.CircleGlyph{}, "circle"
}

func rgba(hex string, alpha uint8) color.NRGBA {
	var r, g, b uint8
	fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b)
	return color.NRGBA{R: r, G: g, B: b, A: alpha}
}

func hexColour(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

// viridis holds matplotlib's viridis colour map at 0, 0.1, …, 1.
var viridis = []string{"#440154", "#482475", "#414487", "#355f8d", "#2a788e",
	"#21918c", "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725"}

// ViridisStops returns the anchor colours of the Viridis map, dark to light
// (the echarts visual map interpolates between them as Viridis does).
func ViridisStops() []string { return append([]string(nil), viridis...) }

// Viridis returns the colour of f in [0, 1] (clamped) on a perceptually
// uniform dark-blue → green → yellow map (matplotlib's viridis, linearly
// interpolated between 11 anchors).
func Viridis(f float64) color.NRGBA {
	if math.IsNaN(f) {
		f = 0
	}
	f = math.Max(0, math.Min(1, f))
	x := f * float64(len(viridis)-1)
	i := min(int(x), len(viridis)-2)
	w := x - float64(i)
	a, b := rgba(viridis[i], 255), rgba(viridis[i+1], 255)
	mix := func(p, q uint8) uint8 { return uint8(math.Round(float64(p)*(1-w) + float64(q)*w)) }
	return color.NRGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: 255}
}

// legendPadding is the space between legend rows of curves and paths.
const legendPadding = vg.Length(2)
