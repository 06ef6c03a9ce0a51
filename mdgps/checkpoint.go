package mdgps

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// formatVersion is the checkpoint format; a file of another version is refused.
const formatVersion = 1

const magic = "mirrorgps-checkpoint\n"

var errNoCheckpoint = errors.New("mdgps: no checkpoint")

// CheckpointError reports an unreadable checkpoint (corrupt, truncated or of
// another format version). The file is left as it is.
type CheckpointError struct {
	Path string
	Err  error
}

func (e *CheckpointError) Error() string {
	return fmt.Sprintf("mdgps: checkpoint %s is unreadable: %v", e.Path, e.Err)
}

func (e *CheckpointError) Unwrap() error { return e.Err }

// save writes st atomically: to a temporary file in the same folder, synced,
// then renamed over path, so a crash leaves either the old or the new checkpoint.
func save(path string, st *state) error {
	var buf bytes.Buffer
	buf.WriteString(magic)
	if err := gob.NewEncoder(&buf).Encode(st); err != nil {
		return fmt.Errorf("mdgps: encoding checkpoint: %w", err)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("mdgps: writing checkpoint: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(buf.Bytes())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("mdgps: writing checkpoint: %w", err)
	}
	return nil
}

// load reads the checkpoint at path; errNoCheckpoint when there is none.
func load(path string) (*state, error) {
	if path == "" {
		return nil, errNoCheckpoint
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNoCheckpoint
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != magic {
		return nil, &CheckpointError{Path: path, Err: errors.New("not a mirrorgps checkpoint (bad header)")}
	}
	var st state
	if err := gob.NewDecoder(br).Decode(&st); err != nil {
		return nil, &CheckpointError{Path: path, Err: err}
	}
	if st.Version != formatVersion {
		return nil, &CheckpointError{Path: path, Err: fmt.Errorf("format version %d, this build reads %d", st.Version, formatVersion)}
	}
	return &st, nil
}

// configEqual compares two configs by their encodings (nil and empty slices alike).
func configEqual(a, b Config) bool {
	var ba, bb bytes.Buffer
	if gob.NewEncoder(&ba).Encode(a) != nil || gob.NewEncoder(&bb).Encode(b) != nil {
		return false
	}
	return bytes.Equal(ba.Bytes(), bb.Bytes())
}
