package render

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// helmCases is the fixture tree of the Helm tests; its goldens come from
// `kustomize build --enable-helm` with helm v3.21.4 (testdata/helm/make-goldens.sh)
// and are never rewritten by the tests.
const helmCases = "../testdata/helm/cases"

func loadHelmCases(t testing.TB) *Tree {
	t.Helper()
	tree, err := LoadDir(helmCases, DefaultLimits())
	if err != nil {
		t.Fatalf("loading %s: %v", helmCases, err)
	}
	return tree
}

func TestHelmParityWithKustomize(t *testing.T) {
	tree := loadHelmCases(t)
	for _, c := range []struct{ dir, what string }{
		{"podinfo", "podinfo chart: valuesInline over the chart's values, additionalValuesFiles, skipTests, redis and hpa on"},
		{"guestbook", "helm-guestbook: valuesFile with valuesMerge merge, no releaseName, kustomization namespace"},
		{"overlay", "an overlay patching chart output, its namespace handed down to the base's chart"},
		{"crds", "includeCRDs, kubeVersion, apiVersions, a packaged local dependency and a library subchart"},
	} {
		t.Run(c.dir, func(t *testing.T) {
			got, err := tree.RenderYAML(context.Background(), c.dir)
			if err != nil {
				t.Fatalf("%s: %v", c.what, err)
			}
			want, err := os.ReadFile(filepath.Join("../testdata/helm/golden", c.dir+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(want), string(got)); d != "" {
				t.Errorf("%s: output differs from kustomize build --enable-helm (-kustomize +kustoguard):\n%s", c.what, d)
			}
		})
	}
}
