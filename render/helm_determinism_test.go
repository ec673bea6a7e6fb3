package render

import (
	"bytes"
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// treeWith is the fixture tree with extra files, or files replaced.
func treeWith(t *testing.T, extra map[string][]byte) *Tree {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(helmCases, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(helmCases, p)
		files[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, b := range extra {
		files[p] = b
	}
	tree, err := FromFiles(files, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// Podinfo's test hooks name their pods with randAlphaNum; two renders of
// the same commit must still be identical, or every review would show
// them as removed and added.
func TestHelmRandomFunctionsAreDeterministic(t *testing.T) {
	kust := []byte("helmGlobals:\n  chartHome: charts\nhelmCharts:\n  - name: podinfo\n    releaseName: web\n")
	render := func() []byte {
		tree := treeWith(t, map[string][]byte{"podinfo/kustomization.yaml": kust})
		out, err := tree.RenderYAML(context.Background(), "podinfo")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	first, second := render(), render()
	if !bytes.Contains(first, []byte("helm.sh/hook: test")) {
		t.Fatalf("the render has no test hooks; the test shows nothing:\n%s", first)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("two renders of the same tree differ")
	}
}

// A chart kept as <name>-<version>.tgz in the chart home renders as the
// same chart unpacked.
func TestHelmArchiveInChartHome(t *testing.T) {
	files := map[string]string{}
	dir := filepath.Join(helmCases, "guestbook/charts/helm-guestbook")
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		files[path.Join("helm-guestbook", filepath.ToSlash(rel))] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	kust, _ := os.ReadFile(filepath.Join(helmCases, "guestbook/kustomization.yaml"))
	tgzKust := strings.Replace(string(kust), "  - name: helm-guestbook\n", "  - name: helm-guestbook\n    version: 0.1.0\n", 1)
	tgzKust = strings.Replace(tgzKust, "    valuesFile: charts/helm-guestbook/values-production.yaml\n", "    valuesFile: values-production.yaml\n", 1)
	tree := treeWith(t, map[string][]byte{
		"archived/kustomization.yaml":              []byte(tgzKust),
		"archived/values-production.yaml":          []byte(files["helm-guestbook/values-production.yaml"]),
		"archived/charts/helm-guestbook-0.1.0.tgz": chartArchive(t, files),
	})
	got, err := tree.RenderYAML(context.Background(), "archived")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../testdata/helm/golden/guestbook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("archived chart rendered\n%s\nwant (the unpacked chart's golden)\n%s", got, want)
	}
}
