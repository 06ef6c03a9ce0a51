// Command mdgps-figures writes the README's figures (docs/figures), so that no
// figure in the repository comes from a notebook cell (issue 14): running a
// notebook leaves the repository unchanged, and `make figures` regenerates
// every figure from seeded runs.
//
// Usage:
//
//	mdgps-figures [--out docs/figures] [--only name,...] [--list]
//
// Each figure is one file of this directory that registers itself (register
// in an init function) with its file name and a function that computes it;
// adding a figure is adding a file.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mirrorgps/mirrorgps/viz"
)

// figure is one README figure: the file it is written to (under --out) and
// how to compute it.
type figure struct {
	file string // e.g. "obstacle-paths.svg"
	what string // one line for --list
	make func() (viz.Figure, error)
}

var figures = map[string]figure{}

// register adds a figure under a short name (used by --only).
func register(name string, f figure) {
	if _, dup := figures[name]; dup {
		panic("mdgps-figures: figure " + name + " registered twice")
	}
	figures[name] = f
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mdgps-figures:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mdgps-figures", flag.ContinueOnError)
	out := fs.String("out", filepath.Join("docs", "figures"), "directory the figures are written to")
	only := fs.String("only", "", "comma-separated figure names (default: all)")
	list := fs.Bool("list", false, "list the figures and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	names := make([]string, 0, len(figures))
	for n := range figures {
		names = append(names, n)
	}
	sort.Strings(names)
	if *list {
		for _, n := range names {
			fmt.Fprintf(stdout, "%-16s %-24s %s\n", n, figures[n].file, figures[n].what)
		}
		return nil
	}
	if *only != "" {
		names = nil
		for _, n := range strings.Split(*only, ",") {
			if _, ok := figures[n]; !ok {
				return fmt.Errorf("--only: no figure %q (see --list)", n)
			}
			names = append(names, n)
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, n := range names {
		t0 := time.Now()
		f, err := figures[n].make()
		if err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		path := filepath.Join(*out, figures[n].file)
		if err := viz.SaveSVG(f, path); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		fmt.Fprintf(stdout, "wrote %s (%.1f s)\n", path, time.Since(t0).Seconds())
	}
	return nil
}
