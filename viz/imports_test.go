package viz

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoTaskImports: viz draws what tasks describe (envs.Scene, envs.ArmMotion)
// and never imports a task package: envs/obstacle would tie the figures to one
// task, envs/peg would link MuJoCo.
func TestNoTaskImports(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range af.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if strings.HasPrefix(p, "github.com/mirrorgps/mirrorgps/envs/") {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
