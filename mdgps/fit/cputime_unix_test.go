//go:build unix

package fit

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user + system CPU time, so that benchmarks can
// report CPU seconds per operation even when other processes share the machine
// (wall-clock figures then mostly measure the other processes).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
