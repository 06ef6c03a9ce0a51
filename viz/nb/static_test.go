package nb

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestStaticNotebook(t *testing.T) {
	svg := `<svg width="10pt"><text>1</text></svg>`
	chart := `<script>echarts.init()</script><div id="c"></div>` + SVGTwin([]byte(`<?xml version="1.0"?>`+"\n"+svg))
	in := map[string]any{
		"cells": []any{
			map[string]any{"cell_type": "markdown", "source": "# x"},
			map[string]any{"cell_type": "code", "outputs": []any{
				map[string]any{"output_type": "display_data", "data": map[string]any{"text/html": []any{"<div>", svg, "</div>"}}},
				map[string]any{"output_type": "display_data", "data": map[string]any{"text/html": chart}},
				map[string]any{"output_type": "display_data", "data": map[string]any{"text/html": "<script>echarts.init(x)</script><div></div>"}},
				map[string]any{"output_type": "display_data", "data": map[string]any{"text/html": `<input type="range" id="s"/>`}},
				map[string]any{"output_type": "display_data", "data": map[string]any{"text/html": "<script>gonb_comm()</script>"}},
				map[string]any{"output_type": "display_data", "data": map[string]any{"text/html": []any{}}},
				map[string]any{"output_type": "display_data", "data": map[string]any{"text/html": "<table><tr><td>1</td></tr></table>"}},
				map[string]any{"output_type": "stream", "name": "stdout", "text": "hello\n"},
			}},
		},
		"nbformat": 4, "nbformat_minor": 5,
	}
	raw, _ := json.Marshal(in)
	got, err := StaticNotebook(raw)
	if err != nil {
		t.Fatal(err)
	}
	var nb struct {
		Cells []struct {
			Outputs []struct {
				Data map[string]string `json:"data"`
				Text string            `json:"text"`
			} `json:"outputs"`
		} `json:"cells"`
		NBFormat int `json:"nbformat"`
	}
	if err := json.Unmarshal(got, &nb); err != nil {
		t.Fatal(err)
	}
	outs := nb.Cells[1].Outputs
	for i, want := range []string{svg, svg} {
		if outs[i].Data["image/svg+xml"] != want || outs[i].Data["text/html"] != "" {
			t.Errorf("output %d: %v, want the SVG alone", i, outs[i].Data)
		}
	}
	if outs[2].Data["text/plain"] != InteractivePlaceholder {
		t.Errorf("script output: %v", outs[2].Data)
	}
	if !strings.Contains(outs[3].Data["text/html"], "<table>") || outs[4].Text != "hello\n" || nb.NBFormat != 4 {
		t.Errorf("table, stream or format changed: %+v", nb)
	}
	if len(outs) != 5 {
		t.Errorf("%d outputs, want 5 (the slider, its script and the empty output dropped)", len(outs))
	}
	if strings.Contains(string(got), "echarts.min") || strings.Contains(string(got), "<script") || strings.Contains(string(got), "<input") {
		t.Error("the static notebook still holds a script or a widget")
	}
	if _, err := StaticNotebook([]byte("{")); err == nil {
		t.Error("no error for broken JSON")
	}
}
