//go:build unix

package nn

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user + system CPU time, so that benchmarks can
// report the time on one core even when other processes share the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
