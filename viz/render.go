package viz

import (
	"bytes"
	"fmt"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Encode renders p in the given format ("svg", "png", "pdf", "eps") and size
// (0 means the default size), in the package's figure style (Draw).
func Encode(p *plot.Plot, format string, w, h vg.Length) ([]byte, error) {
	if w == 0 {
		w = DefaultWidth
	}
	if h == 0 {
		h = DefaultHeight
	}
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return nil, fmt.Errorf("viz: %w", err)
	}
	Draw(p, draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("viz: rendering %s: %w", format, err)
	}
	if format == "svg" {
		// Name the metric-compatible fonts too, so that readers without
		// Liberation get the widths the layout measured.
		b := bytes.ReplaceAll(buf.Bytes(), []byte("font-family:Liberation Sans;"),
			[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
		// A raster image (a heat map's cells) fills the rectangle the plot gave
		// it: SVG's default keeps the image's own aspect ratio (100 × 9 cells
		// drawn as a thin strip) and smooths its pixels.
		return bytes.ReplaceAll(b, []byte("<image "),
			[]byte(`<image preserveAspectRatio="none" style="image-rendering:pixelated" `)), nil
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
	b, err := FigureSVG(f)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// FigureSVG renders f's Plot as SVG at the default size.
func FigureSVG(f Figure) ([]byte, error) {
	p, err := f.Plot()
	if err != nil {
		return nil, err
	}
	return SVG(p)
}

// HTML returns f's interactive chart as a standalone fragment with the
// echarts library embedded.
func HTML(f Figure) string { return EChartHTML(f.Chart(), true) }
