// Package golden loads the reference's test vectors (shared/golden, see its README)
// for the tests of the numerical packages and compares arrays normwise.
//
// A golden file is read from two places: the repository's committed copy in
// testdata/golden (when present) and $MDGPS_GOLDEN_DIR (an absolute path; the
// Makefile sets it to ../shared/golden). When the variable is set, a missing file
// there is a test failure, not a skip (ARCHITECTURE.md "Decisions").
package golden

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// EnvVar names the environment variable holding the golden directory.
const EnvVar = "MDGPS_GOLDEN_DIR"

// repoRoot walks up from the working directory to the folder holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("golden: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Sources returns the existing paths of golden file name: the testdata copy and the
// copy in $MDGPS_GOLDEN_DIR. A file missing from a set $MDGPS_GOLDEN_DIR fails t.
// When no source exists at all (e.g. an arm-size file that is not committed and
// the variable is unset), t is skipped with a message.
func Sources(t testing.TB, name string) []string {
	t.Helper()
	var paths []string
	if root, err := repoRoot(); err == nil {
		p := filepath.Join(root, "testdata", "golden", name)
		if _, err := os.Stat(p); err == nil {
			paths = append(paths, p)
		}
	}
	if dir := os.Getenv(EnvVar); dir != "" {
		if !filepath.IsAbs(dir) {
			t.Fatalf("golden: %s=%q must be an absolute path", EnvVar, dir)
		}
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("golden: %s is set but %s is missing: %v", EnvVar, name, err)
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		t.Skipf("golden: %s not in testdata/golden and %s unset", name, EnvVar)
	}
	return paths
}

// Load unmarshals the JSON file at path into v, failing t on error.
func Load(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("golden: %s: %v", path, err)
	}
}

// Array is a nested JSON list of numbers (or a single number) flattened in
// row-major order, with its shape (empty for a scalar).
type Array struct {
	Shape []int
	Data  []float64
}

// UnmarshalJSON implements json.Unmarshaler.
func (a *Array) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	a.Shape, a.Data = nil, nil
	return a.flatten(v, 0)
}

func (a *Array) flatten(v any, depth int) error {
	switch x := v.(type) {
	case float64:
		a.Data = append(a.Data, x)
		return nil
	case []any:
		if depth == len(a.Shape) {
			a.Shape = append(a.Shape, len(x))
		} else if a.Shape[depth] != len(x) {
			return fmt.Errorf("golden: ragged array at depth %d (%d vs %d)", depth, len(x), a.Shape[depth])
		}
		for _, e := range x {
			if err := a.flatten(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("golden: unexpected JSON value %T in array", v)
	}
}

// Scalar returns the single value of a 0-d (or one-element) array.
func (a Array) Scalar() float64 {
	if len(a.Data) != 1 {
		panic(fmt.Sprintf("golden: Scalar of array with %d elements", len(a.Data)))
	}
	return a.Data[0]
}

// Len returns the number of elements.
func (a Array) Len() int { return len(a.Data) }

// NormwiseDev returns max_i |got_i − want_i| / max_i |want_i| (the absolute maximum
// deviation when want is all zeros).
func NormwiseDev(got, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var dev, scale float64
	for i := range want {
		d := math.Abs(got[i] - want[i])
		if !(d <= dev) { // also catches NaN
			dev = d
		}
		scale = math.Max(scale, math.Abs(want[i]))
	}
	if math.IsNaN(dev) {
		return math.NaN()
	}
	if scale == 0 {
		return dev
	}
	return dev / scale
}

// Close fails t unless |got − want| ≤ rtol·max|want| elementwise (normwise per
// array, the golden README's rule). It returns the deviation seen.
func Close(t testing.TB, what string, got, want []float64, rtol float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: length %d, want %d", what, len(got), len(want))
		return math.Inf(1)
	}
	dev := NormwiseDev(got, want)
	if !(dev <= rtol) {
		t.Errorf("%s: normwise deviation %.3g > %.1g", what, dev, rtol)
	}
	return dev
}
