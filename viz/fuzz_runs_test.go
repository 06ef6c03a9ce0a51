package viz

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadIterations (issue 13): any iterations.jsonl is read or refused with
// an error, never a panic; what is read is iterations 1, 2, 3, … in order.
func FuzzReadIterations(f *testing.F) {
	for _, s := range []string{
		"{\"iteration\":1}\n{\"iteration\":2}\n",
		"{\"iteration\":1}\n{\"iteration\":1}\n",
		"{\"iteration\":-3}\n",
		"{\"iteration\":1}\n\n{\"iteration\":3}\n",
		"{\"iteration\":1,\"conditions\":[{\"cond\":0,\"kl_per_t\":[1,2,null]}],\"bound_mean\":null}\n",
		"{\"iteration\":1e400}\n",
		"not json\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Not t.TempDir: fuzzing workers do not remove it after each input.
		dir, err := os.MkdirTemp("", "FuzzReadIterations")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		if err := os.WriteFile(filepath.Join(dir, IterationsFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		h, err := ReadIterations(dir)
		if err != nil {
			return
		}
		for i, it := range h {
			if it.Iteration != i+1 {
				t.Fatalf("record %d is iteration %d", i, it.Iteration)
			}
		}
	})
}
