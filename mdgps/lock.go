package mdgps

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/gofrs/flock"
)

// One writer per run (ARCHITECTURE.md "Checkpoints"): Open takes an advisory
// lock (flock) on path + ".lock" and holds it until Run.Close. The lock file
// holds the PID of the process that has the lock. Runs of one process share the
// lock of a path (it is released when the last of them is closed), so a program
// may reopen its own run; another process gets a *LockedError at once.

// LockedError reports a run that another process has open for writing.
type LockedError struct {
	Path string // the checkpoint
	PID  int    // the process holding the lock (0 when the lock file does not say)
}

func (e *LockedError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = fmt.Sprintf("process %d", e.PID)
	}
	return fmt.Sprintf("mdgps: %s is in use by %s (lock %s): one writer per run; wait for it to finish, or stop it, or read the run with mdgps.Load",
		e.Path, who, e.Path+".lock")
}

// LockPath returns the lock file of the checkpoint at path.
func LockPath(path string) string { return path + ".lock" }

type heldLock struct {
	fl   *flock.Flock
	refs int
}

var (
	locksMu sync.Mutex
	locks   = map[string]*heldLock{}
)

// acquire takes (or shares, within this process) the lock of the checkpoint at
// path, and removes temporary files of earlier interrupted writes.
func acquire(path string) (release func(), err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	lp := LockPath(abs)
	locksMu.Lock()
	defer locksMu.Unlock()
	h := locks[lp]
	if h == nil {
		fl := flock.New(lp, flock.SetPermissions(0o644))
		ok, err := fl.TryLock()
		if err != nil {
			return nil, fmt.Errorf("mdgps: locking %s: %w", lp, err)
		}
		if !ok {
			return nil, &LockedError{Path: path, PID: lockHolder(lp)}
		}
		if err := os.WriteFile(lp, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			fl.Unlock()
			return nil, fmt.Errorf("mdgps: writing the lock %s: %w", lp, err)
		}
		removeTemps(abs)
		h = &heldLock{fl: fl}
		locks[lp] = h
	}
	h.refs++
	var once sync.Once
	return func() {
		once.Do(func() {
			locksMu.Lock()
			defer locksMu.Unlock()
			if h.refs--; h.refs == 0 {
				delete(locks, lp)
				h.fl.Unlock()
			}
		})
	}, nil
}

// lockHolder reads the PID written in a lock file (0 if unreadable).
func lockHolder(lp string) int {
	b, err := os.ReadFile(lp)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid < 0 {
		return 0
	}
	return pid
}

// removeTemps deletes the temporary files that interrupted writes of the
// checkpoint at path left (path's base name + ".tmp*"); the caller holds the lock.
func removeTemps(path string) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), globEscape(tmpPrefix(path))+"*"))
	for _, m := range matches {
		os.Remove(m)
	}
}

// globEscape quotes the glob metacharacters of a file name.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
