package viz

import (
	"bytes"
	"fmt"
	"image/color"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// Default figure size for SVG and PNG output.
const (
	DefaultWidth  = 16 * vg.Centimeter
	DefaultHeight = 10 * vg.Centimeter
)

// Palette is the series colour cycle shared by both renderers (echarts'
// default palette), so a variant has the same colour in the SVG and the HTML.
var Palette = []string{"#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de",
	"#3ba272", "#fc8452", "#9a60b4", "#ea7ccc"}

// Colour returns the i-th palette colour.
func Colour(i int) string { return Palette[((i%len(Palette))+len(Palette))%len(Palette)] }

func rgba(hex string, alpha uint8) color.NRGBA {
	var r, g, b uint8
	fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b)
	return color.NRGBA{R: r, G: g, B: b, A: alpha}
}

// Encode renders p in the given format ("svg", "png", "pdf", "eps") and size
// (0 means the default size).
func Encode(p *plot.Plot, format string, w, h vg.Length) ([]byte, error) {
	if w == 0 {
		w = DefaultWidth
	}
	if h == 0 {
		h = DefaultHeight
	}
	wt, err := p.WriterTo(w, h, format)
	if err != nil {
		return nil, fmt.Errorf("viz: %w", err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("viz: rendering %s: %w", format, err)
	}
	return buf.Bytes(), nil
}

// SVG renders p as SVG at the default size.
func SVG(p *plot.Plot) ([]byte, error) { return Encode(p, "svg", 0, 0) }

// PNG renders p as PNG at the default size.
func PNG(p *plot.Plot) ([]byte, error) { return Encode(p, "png", 0, 0) }

// Figure is what every figure type of this package implements.
type Figure interface {
	// Plot returns the static gonum/plot figure.
	Plot() (*plot.Plot, error)
	// Chart returns the interactive go-echarts chart.
	Chart() Snippeter
}

// SaveSVG renders f's Plot as SVG into path.
func SaveSVG(f Figure, path string) error {
	p, err := f.Plot()
	if err != nil {
		return err
	}
	b, err := SVG(p)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// HTML returns f's interactive chart as a standalone fragment with the
// echarts library embedded.
func HTML(f Figure) string { return EChartHTML(f.Chart(), true) }
