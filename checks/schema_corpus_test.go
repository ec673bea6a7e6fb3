package checks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/render"
)

// schemaCorpora are the trees of valid manifests the repository holds:
// every overlay of them renders to objects schema-invalid must accept.
// Trees built to fail (hostile inputs, render errors) are left out by
// name; the public trees vendored for these rules are included.
var schemaCorpora = []string{
	"../testdata/demo/base",
	"../testdata/demo/head",
	"../testdata/render/repo",
	"../bot/testdata/repos",
	"../deploy",
	"../testdata/podinfo/base",
	"../testdata/fsview/metrics-server",
	"../testdata/helm/cases",
	"testdata/schema/prometheus",
	"../testdata/schema/base",
}

func TestSchemaInvalid_corporaAreClean(t *testing.T) {
	rule := newSchemaInvalid()
	objects := 0
	for _, root := range schemaCorpora {
		dirs, err := corpusRoots(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range dirs {
			tree, err := render.LoadDir(dir, render.DefaultLimits())
			if err != nil {
				t.Fatalf("loading %s: %v", dir, err)
			}
			overlays, err := render.Overlays(tree, nil, nil)
			if err != nil {
				t.Fatalf("listing overlays of %s: %v", dir, err)
			}
			for _, ov := range overlays {
				objs, err := tree.Render(context.Background(), ov)
				if err != nil {
					continue // render failures are render-error's business
				}
				objects += len(objs)
				for _, f := range rule.Check(&Input{Overlay: ov, Objects: objs, Repo: tree}) {
					t.Errorf("%s/%s: %s (%s:%d)", dir, ov, f.Message, f.File, f.Line)
				}
			}
		}
	}
	if objects < 100 {
		t.Errorf("only %d objects rendered: the corpora went missing", objects)
	}
	t.Logf("%d objects checked", objects)
}

// corpusRoots returns root, or its subdirectories when root holds several
// repositories side by side (bot/testdata/repos).
func corpusRoots(root string) ([]string, error) {
	if filepath.Base(root) != "repos" {
		return []string{root}, nil
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.Contains(e.Name(), "broken") {
			out = append(out, filepath.Join(root, e.Name()))
		}
	}
	return out, nil
}
