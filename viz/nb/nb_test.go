package nb

import "testing"

func TestTableHTML(t *testing.T) {
	got := TableHTML([]string{"a<b", "x"}, [][]any{{1, 0.123456}, {"s&t", 2.0}})
	want := "<table><thead><tr><th>a&lt;b</th><th>x</th></tr></thead><tbody>" +
		"<tr><td>1</td><td>0.1235</td></tr><tr><td>s&amp;t</td><td>2</td></tr></tbody></table>"
	if got != want {
		t.Errorf("TableHTML:\n got %s\nwant %s", got, want)
	}
}

// Outside a notebook the display functions are no-ops (gonbui.IsNotebook is false).
func TestOutsideNotebook(t *testing.T) {
	HTML("<b>x</b>")
	SVG([]byte("<svg/>"))
	PNG(nil)
	Markdown("*x*")
}

func TestMust(t *testing.T) {
	if Must1(3, nil) != 3 {
		t.Fatal("Must1")
	}
	defer func() {
		if recover() == nil {
			t.Error("Must(err) did not panic")
		}
	}()
	Must(errTest{})
}

type errTest struct{}

func (errTest) Error() string { return "test" }
