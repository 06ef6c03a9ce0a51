//go:build !cgo || nomujoco

package mujoco

import (
	"errors"
	"strings"
	"testing"
)

func TestUnavailable(t *testing.T) {
	if Available() {
		t.Error("Available() = true in a build without MuJoCo")
	}
	m, err := LoadXML("<mujoco/>")
	if m != nil || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("LoadXML = %v, %v; want ErrUnavailable", m, err)
	}
	for _, want := range []string{"apt-get install libmujoco-dev", "make deps"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
