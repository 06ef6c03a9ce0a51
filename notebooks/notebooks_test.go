// Package notebooks_test executes every notebook in this directory with the GoNB
// kernel and checks what it produced (issue 8; recipe: shared/notebooks/gonb-recipe.md).
//
// TestNotebooks runs each *.ipynb through `jupyter nbconvert --execute`, fails on any
// error output, checks the output types each cell declares in its tags
// ("expect:image/png", "expect:text/html", "expect:stream/stdout"), then exports the
// executed notebook to HTML and loads it in headless Chromium to check that every
// echarts chart was drawn (offline: the library is embedded). TestLabServer starts
// the server of `make lab` on a free port, fetches its front page with the token and
// stops it.
//
// NOTEBOOK_TESTS selects how strict they are:
//
//	unset  run when jupyter, the gonb kernel and chromium are installed; skip otherwise
//	1      a missing piece is a failure (`make test` sets this, after installing them)
//	0      skip (the Makefile's plain `go test ./...` line, so the notebooks run once)
//
// Always run with -count=1: go test's cache does not see the repo packages the
// notebooks compile against. NOTEBOOK_OUT=dir keeps the executed notebooks and
// their HTML exports there, and a screenshot of every figure under
// dir/screenshots/NN-name/ (to look at them); NOTEBOOK_RUN=regexp selects
// notebooks; NOTEBOOK_DOCS=dir writes each executed notebook with static outputs
// only (viz/nb.StaticNotebook: every chart replaced by its SVG twin) to
// dir/NN-name.ipynb, for readers without Jupyter (`make notebooks-docs`).
//
// Besides errors and expected outputs, every notebook is held to the figure
// rules of issue 14: no code cell longer than MaxCellLines lines (blank and
// comment lines count), no cell that writes files or is skipped, no SVG text label with a number of more than 6
// significant digits, and every figure's screenshot not blank.
package notebooks_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// jupyter is Debian's jupyter (scripts/setup-notebooks.sh installs it); a pyenv or
// venv jupyter earlier on PATH would lack nbconvert's Debian set-up.
const jupyter = "/usr/bin/jupyter"

type output struct {
	OutputType string                     `json:"output_type"`
	Name       string                     `json:"name"`
	Text       json.RawMessage            `json:"text"`
	Data       map[string]json.RawMessage `json:"data"`
	EName      string                     `json:"ename"`
	EValue     string                     `json:"evalue"`
}

type cell struct {
	CellType string          `json:"cell_type"`
	Source   json.RawMessage `json:"source"`
	Metadata struct {
		Tags []string `json:"tags"`
	} `json:"metadata"`
	Outputs []output `json:"outputs"`
}

type notebook struct {
	Cells []cell `json:"cells"`
}

// text joins nbformat's "multiline string" (a string or a list of strings).
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var ss []string
	_ = json.Unmarshal(raw, &ss)
	return strings.Join(ss, "")
}

var (
	styleRe = regexp.MustCompile(`(?s)<style>.*?</style>`)
	tagRe   = regexp.MustCompile(`<[^>]*>`)
)

// htmlText turns GoNB's HTML error report into plain text.
func htmlText(h string) string {
	return strings.TrimSpace(html.UnescapeString(tagRe.ReplaceAllString(styleRe.ReplaceAllString(h, ""), "")))
}

// mode returns NOTEBOOK_TESTS, skipping the test when it is "0".
func mode(t *testing.T) string {
	m := os.Getenv("NOTEBOOK_TESTS")
	if m == "0" {
		t.Skip("NOTEBOOK_TESTS=0 (make test runs the notebooks separately, with NOTEBOOK_TESTS=1)")
	}
	return m
}

// missing skips the test, or fails it under NOTEBOOK_TESTS=1.
func missing(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("NOTEBOOK_TESTS") == "1" {
		t.Fatalf("%s (scripts/setup-notebooks.sh installs Jupyter and the kernel; scripts/install-deps.sh chromium the browser)", why)
	}
	t.Skipf("%s; NOTEBOOK_TESTS=1 makes this a failure", why)
}

// requireKernel checks that Debian's jupyter is installed and a kernel named gonb registered.
func requireKernel(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(jupyter); err != nil {
		missing(t, jupyter+" not installed")
	}
	out, err := exec.Command(jupyter, "kernelspec", "list", "--json").Output()
	var specs struct {
		Kernelspecs map[string]json.RawMessage `json:"kernelspecs"`
	}
	if err != nil || json.Unmarshal(out, &specs) != nil || specs.Kernelspecs["gonb"] == nil {
		missing(t, "no Jupyter kernel named gonb")
	}
}

func requireChromium(t *testing.T) string {
	t.Helper()
	browser, err := exec.LookPath("chromium")
	if err != nil {
		missing(t, "chromium not installed (it checks that the echarts charts draw)")
	}
	return browser
}

func TestNotebooks(t *testing.T) {
	mode(t)
	if testing.Short() {
		t.Skip("notebooks are slow (-short)")
	}
	requireKernel(t)
	browser := requireChromium(t)
	nbs, _ := filepath.Glob("*.ipynb")
	if len(nbs) == 0 {
		t.Fatal("no notebooks found")
	}
	var sel *regexp.Regexp
	if s := os.Getenv("NOTEBOOK_RUN"); s != "" {
		sel = regexp.MustCompile(s)
	}
	keep := os.Getenv("NOTEBOOK_OUT")
	docs := os.Getenv("NOTEBOOK_DOCS")
	start := time.Now()
	var times []string
	for _, nbPath := range nbs {
		name := strings.TrimSuffix(nbPath, ".ipynb")
		if sel != nil && !sel.MatchString(name) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			outDir := t.TempDir()
			if keep != "" {
				outDir = keep
				if err := os.MkdirAll(outDir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			checkCellLength(t, nbPath)
			checkNoWrites(t, nbPath)
			t0 := time.Now()
			raw := execute(t, nbPath, outDir)
			d := time.Since(t0)
			times = append(times, fmt.Sprintf("%s %.1fs", name, d.Seconds()))
			t.Logf("executed in %.1f s", d.Seconds())
			checkOutputs(t, raw)
			checkSVGLabels(t, raw)
			checkRendered(t, browser, filepath.Join(outDir, nbPath), strings.Count(string(raw), "echarts.init("))
			screenshots(t, browser, raw, filepath.Join(outDir, "screenshots", name))
			if docs != "" {
				writeStatic(t, raw, filepath.Join(docs, nbPath))
			}
		})
	}
	t.Logf("notebook execution times: %s; total %.1f s", strings.Join(times, ", "), time.Since(start).Seconds())
	if docs != "" && sel == nil {
		checkDocsSize(t, docs)
	}
}

// execute runs nbPath with the gonb kernel into outDir and returns the executed notebook.
func execute(t *testing.T, nbPath, outDir string) []byte {
	t.Helper()
	// Reading the input also makes go test's cache key depend on its content.
	src, err := os.ReadFile(nbPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(src), `"output_type"`) {
		t.Errorf("%s is committed with outputs; run: %s nbconvert --clear-output --inplace %s", nbPath, jupyter, nbPath)
	}
	cmd := exec.Command(jupyter, "nbconvert", "--to", "notebook", "--execute",
		"--allow-errors", // keep going; errors are asserted below with their full text
		"--ExecutePreprocessor.kernel_name=gonb",
		"--ExecutePreprocessor.timeout=600", // default: no limit, so a hung cell would hang go test
		"--ExecutePreprocessor.startup_timeout=120",
		"--output-dir", outDir, nbPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nbconvert failed: %v\n%s", err, tail(out, 4000))
	}
	raw, err := os.ReadFile(filepath.Join(outDir, nbPath))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// checkOutputs fails on error outputs and on missing outputs declared by "expect:" tags.
func checkOutputs(t *testing.T, raw []byte) {
	t.Helper()
	var nb notebook
	if err := json.Unmarshal(raw, &nb); err != nil {
		t.Fatal(err)
	}
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		mimes := map[string]bool{}
		for _, o := range c.Outputs {
			switch o.OutputType {
			case "error":
				// GoNB puts the compiler or go-get message in a text/html output
				// of the same cell, and a panic's trace in a stderr stream.
				detail := ""
				for _, o2 := range c.Outputs {
					if h, ok := o2.Data["text/html"]; ok {
						detail += htmlText(text(h)) + "\n"
					} else if o2.Name == "stderr" {
						detail += text(o2.Text)
					}
				}
				t.Errorf("cell %d: %s: %s\n%s", i, o.EName, o.EValue, tail([]byte(detail), 2000))
			case "stream":
				mimes["stream/"+o.Name] = true
			default:
				for m := range o.Data {
					mimes[m] = true
				}
			}
		}
		for _, tag := range c.Metadata.Tags {
			if m, ok := strings.CutPrefix(tag, "expect:"); ok && !mimes[m] {
				t.Errorf("cell %d: expected an output of type %q, got %v\n%s", i, m, keys(mimes), tail([]byte(text(c.Source)), 400))
			}
		}
	}
}

// drawnRe matches the attribute echarts sets on the <div> of every chart it drew
// (the library's own source holds the name only as a JavaScript string).
var drawnRe = regexp.MustCompile(`_echarts_instance_="[^"]+"`)

// checkRendered exports the executed notebook to HTML and loads it in headless
// Chromium to check that every go-echarts chart was drawn, i.e. that its
// JavaScript ran offline.
func checkRendered(t *testing.T, browser, executed string, charts int) {
	t.Helper()
	dir := filepath.Dir(executed)
	if out, err := exec.Command(jupyter, "nbconvert", "--to", "html", "--output-dir", dir, executed).CombinedOutput(); err != nil {
		t.Fatalf("nbconvert --to html: %v\n%s", err, tail(out, 2000))
	}
	if charts == 0 {
		return
	}
	page := strings.TrimSuffix(executed, ".ipynb") + ".html"
	dom, err := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=20000",
		"--dump-dom", "file://"+page).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if got := len(drawnRe.FindAll(dom, -1)); got < charts {
		t.Errorf("%d of %d echarts charts were drawn in the exported HTML", got, charts)
	}
}

// TestLabServer starts the server of `make lab` (scripts/lab.sh without its installs)
// on a free port, fetches the front page with the token, checks that the API refuses
// a request without it, and stops the server.
func TestLabServer(t *testing.T) {
	mode(t)
	if _, err := os.Stat(jupyter); err != nil {
		missing(t, jupyter+" not installed")
	}
	if err := exec.Command(jupyter, "notebook", "--version").Run(); err != nil {
		missing(t, "the Jupyter Notebook UI is not installed (NB_INTERACTIVE=1 scripts/setup-notebooks.sh)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	token := fmt.Sprintf("test%d", time.Now().UnixNano())
	cmd := exec.Command("../scripts/lab.sh")
	cmd.Env = append(os.Environ(), "LAB_SKIP_SETUP=1", fmt.Sprintf("LAB_PORT=%d", port), "JUPYTER_TOKEN="+token,
		"JUPYTER_RUNTIME_DIR="+t.TempDir())
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{Timeout: 5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the server exited: %v\n%s", err, log.String())
		default:
		}
		resp, err := client.Get(base + "/tree?token=" + token)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /tree with the token: %s\n%s", resp.Status, log.String())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer on %s within 60 s: %v\n%s", base, err, log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	resp, err := client.Get(base + "/api/contents")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Errorf("GET /api/contents without the token: %s, want a refusal", resp.Status)
	}
	if !strings.Contains(log.String(), fmt.Sprintf("http://127.0.0.1:%d/tree?token=%s", port, token)) {
		t.Errorf("lab.sh did not print the URL with the token:\n%s", log.String())
	}
}

func keys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
