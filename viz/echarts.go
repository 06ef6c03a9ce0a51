package viz

import (
	_ "embed"
	"strings"

	"github.com/go-echarts/go-echarts/v2/render"
)

//go:embed assets/echarts.min.js
var echartsJS string

// EChartsVersion is the version of the vendored echarts library (npm echarts,
// the version go-echarts v2.6.7 targets).
const EChartsVersion = "5.4.3"

// EChartsJS returns the vendored echarts library (dist/echarts.min.js).
func EChartsJS() string { return echartsJS }

// EChartsLibHTML returns a <script> element that defines window.echarts
// offline. The UMD bundle is called with define, exports and module shadowed
// by undefined, so RequireJS (loaded by classic Jupyter and by nbconvert's HTML
// template) does not capture it as an anonymous AMD module and echarts lands
// on window.
func EChartsLibHTML() string {
	return "<script type=\"text/javascript\">(function(define, exports, module){\n" +
		echartsJS + "\n}).call(window);</script>\n"
}

// Snippeter is implemented by every go-echarts chart (*charts.Line,
// *charts.HeatMap, …).
type Snippeter interface {
	RenderSnippet() render.ChartSnippet
}

// EChartHTML returns the chart's <div> and <script>; withLib prepends the
// echarts library (about 1 MB) so that the fragment stands alone.
func EChartHTML(c Snippeter, withLib bool) string {
	s := c.RenderSnippet()
	var b strings.Builder
	if withLib {
		b.WriteString(EChartsLibHTML())
	}
	b.WriteString(s.Element)
	b.WriteString(s.Script)
	return b.String()
}

// Page returns a complete, self-contained HTML page holding the charts (the
// library is included once).
func Page(title string, charts ...Snippeter) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
	b.WriteString(htmlEscape(title))
	b.WriteString("</title>\n")
	b.WriteString(EChartsLibHTML())
	b.WriteString("</head><body>\n")
	for _, c := range charts {
		b.WriteString(EChartHTML(c, false))
		b.WriteString("\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;").Replace(s)
}
