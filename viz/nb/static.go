package nb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// twinOpen and twinClose delimit a chart's SVG twin in its HTML output.
const (
	twinOpen  = `<template data-mirrorgps="svg">`
	twinClose = `</template>`
)

// SVGTwin wraps an SVG document as the static twin of an interactive chart: an
// inert <template> that browsers do not render and StaticNotebook unwraps.
func SVGTwin(svg []byte) string {
	return twinOpen + svgElement(string(svg)) + twinClose
}

// svgElement returns the <svg>…</svg> element of s ("" when there is none).
func svgElement(s string) string {
	i, j := strings.Index(s, "<svg"), strings.LastIndex(s, "</svg>")
	if i < 0 || j < i {
		return ""
	}
	return s[i : j+len("</svg>")]
}

// InteractivePlaceholder replaces an interactive output that has no static twin.
const InteractivePlaceholder = "(an interactive chart: run the notebook to see it)"

// StaticNotebook returns a copy of an executed notebook (nbformat 4 JSON)
// whose outputs render without JavaScript, as on GitHub: every figure shown
// as SVG inside HTML (Show) becomes an image/svg+xml output, every
// interactive chart (Interactive) is replaced by its SVG twin (one without a
// twin by InteractivePlaceholder), and widgets (a slider's input and script)
// and empty HTML outputs are dropped. Tables, markdown and text are kept.
func StaticNotebook(ipynb []byte) ([]byte, error) {
	var nb map[string]any
	dec := json.NewDecoder(bytes.NewReader(ipynb))
	dec.UseNumber()
	if err := dec.Decode(&nb); err != nil {
		return nil, fmt.Errorf("nb: reading the notebook: %w", err)
	}
	cells, _ := nb["cells"].([]any)
	for _, c := range cells {
		cell, _ := c.(map[string]any)
		outs, ok := cell["outputs"].([]any)
		if !ok {
			continue
		}
		kept := []any{}
		for _, o := range outs {
			out, _ := o.(map[string]any)
			data, _ := out["data"].(map[string]any)
			h, isHTML := data["text/html"]
			if !isHTML {
				kept = append(kept, o)
				continue
			}
			html := joinText(h)
			switch svg, ok := staticSVG(html); {
			case ok:
				out["data"] = map[string]any{"image/svg+xml": svg, "text/plain": "<figure>"}
			case strings.Contains(html, "echarts"):
				out["data"] = map[string]any{"text/plain": InteractivePlaceholder}
			case strings.TrimSpace(html) == "" || strings.Contains(html, "<script") || strings.Contains(html, "<input"):
				continue // a widget, its script, or an empty placeholder: nothing to read without a kernel
			}
			kept = append(kept, out)
		}
		cell["outputs"] = kept
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(nb); err != nil {
		return nil, fmt.Errorf("nb: writing the notebook: %w", err)
	}
	return buf.Bytes(), nil
}

// staticSVG returns the SVG an HTML output stands for: the twin of an
// interactive chart, or the figure of an SVG-only output.
func staticSVG(html string) (string, bool) {
	if i := strings.Index(html, twinOpen); i >= 0 {
		rest := html[i+len(twinOpen):]
		if j := strings.Index(rest, twinClose); j >= 0 {
			return rest[:j], true
		}
	}
	if strings.Contains(html, "<script") || strings.Contains(html, "<table") {
		return "", false
	}
	svg := svgElement(html)
	return svg, svg != ""
}

// joinText joins nbformat's multiline string (a string or a list of strings).
func joinText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var b strings.Builder
		for _, s := range x {
			if str, ok := s.(string); ok {
				b.WriteString(str)
			}
		}
		return b.String()
	}
	return ""
}
