package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	_ "github.com/mirrorgps/mirrorgps/internal/blasimpl" // OpenBLAS with -tags openblas
)

// usageError is bad input on the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// errInterrupted reports a run stopped by a signal between two phases.
var errInterrupted = errors.New("interrupted")

const usage = `usage:
  mdgps run --task T --out DIR [flags]     one run (mdgps run -h for the flags)
  mdgps reproduce [flags]                  the paper's grid, figures and success table
  mdgps table [--csv] DIR...               merge run directories into tables
  mdgps describe --task T [--json]         a task's definition
`

// env is what a command sees of the process: its output streams and the
// interrupt signals.
type env struct {
	stdout, stderr io.Writer
	interrupt      <-chan os.Signal
}

func main() {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	stop := make(chan os.Signal, 1)
	go func() {
		stop <- <-sig
		fmt.Fprintln(os.Stderr, "\nmdgps: stopping after the current phase; Ctrl-C again aborts at once")
		<-sig
		// Checkpoints are written atomically (temp file and rename), so the last
		// one is intact even now.
		fmt.Fprintln(os.Stderr, "\nmdgps: aborted; the last checkpoint is intact — continue with --resume")
		os.Exit(130)
	}()
	os.Exit(realMain(os.Args[1:], env{stdout: os.Stdout, stderr: os.Stderr, interrupt: stop}))
}

func realMain(args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "run":
		err = cmdRun(args[1:], e)
	case "reproduce":
		err = cmdReproduce(args[1:], e)
	case "table":
		err = cmdTable(args[1:], e)
	case "describe":
		err = cmdDescribe(args[1:], e)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, usage)
		return 0
	default:
		err = usagef("unknown command %q; allowed: run, reproduce, table, describe", args[0])
	}
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "mdgps: %v\n", err)
		return 2
	case errors.Is(err, errInterrupted):
		fmt.Fprintf(e.stderr, "mdgps: %v\n", err)
		return 130
	default:
		fmt.Fprintf(e.stderr, "mdgps: %v\n", err)
		return 1
	}
}

var errHelp = errors.New("help requested")

// oneOf checks a flag value against its allowed values.
func oneOf(flag, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return usagef("--%s %q: allowed values are %s", flag, v, strings.Join(allowed, ", "))
}
