//go:build !cgo || nomujoco

package peg

import (
	"errors"
	"strings"
	"testing"

	"github.com/mirrorgps/mirrorgps/envs/internal/mujoco"
)

// TestNeedsMuJoCo: without MuJoCo the constructors fail with a message saying how
// to install it.
func TestNeedsMuJoCo(t *testing.T) {
	for _, f := range []func() (*Env, error){New, NewBlind} {
		e, err := f()
		if e != nil || !errors.Is(err, mujoco.ErrUnavailable) {
			t.Fatalf("constructor = %v, %v; want mujoco.ErrUnavailable", e, err)
		}
		for _, want := range []string{"apt-get install libmujoco-dev", "make deps", "needs MuJoCo"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	}
}
