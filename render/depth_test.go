package render

import (
	"context"
	"strings"
	"testing"
)

// deepDoc is 20 KB of flow sequences nested 10,000 deep; deepObject
// (issue 9's item 7) holds them, just under yaml.v3's own bound, in an
// object kustomize accepts.
var (
	deepDoc    = strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000) + "\n"
	deepObject = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nspec: " +
		strings.Repeat("[", 9_990) + strings.Repeat("]", 9_990) + "\n"
)

// TestRender_deepNesting refuses deeply nested YAML in every kind of file
// the closure parses, before kustomize sees it, with a short error that
// names the file.
func TestRender_deepNesting(t *testing.T) {
	deepCM := deepObject
	tests := []struct {
		name string
		kv   []string
		want string
	}{
		{"resource", []string{"app/kustomization.yaml", "resources: [deep.yaml]\n", "app/deep.yaml", deepDoc}, "parsing app/deep.yaml: YAML nests deeper than 100 levels"},
		{"resource object", []string{"app/kustomization.yaml", "resources: [deep.yaml]\n", "app/deep.yaml", deepCM}, "parsing app/deep.yaml: YAML nests deeper than 100 levels"},
		{"patch file without a YAML name", []string{"app/kustomization.yaml", "resources: [cm.yaml]\npatches: [{path: deep.patch}]\n", "app/cm.yaml", localCM, "app/deep.patch", deepCM},
			"parsing app/deep.patch: YAML nests deeper than 100 levels"},
		{"inline patch", []string{"app/kustomization.yaml", "resources: [cm.yaml]\npatches: [{patch: " + quote(deepCM) + "}]\n", "app/cm.yaml", localCM},
			"parsing app/kustomization.yaml: patches[0].patch: YAML nests deeper than 100 levels"},
		{"replacements file", []string{"app/kustomization.yaml", "resources: [cm.yaml]\nreplacements: [{path: r.yaml}]\n", "app/cm.yaml", localCM, "app/r.yaml", deepDoc},
			"parsing app/r.yaml: YAML nests deeper than 100 levels"},
		{"kustomization", []string{"app/kustomization.yaml", "resources: " + deepDoc}, "parsing app/kustomization.yaml: YAML nests deeper than 100 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := treeOf(t, tt.kv...).Render(context.Background(), "app")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %.300v, want an error containing %q", err, tt.want)
			}
			if len(err.Error()) > 200 {
				t.Errorf("the error is %d bytes long", len(err.Error()))
			}
		})
	}
}

// TestRender_nestingLimitLeavesRealFilesAlone renders YAML nested just
// under the limit.
func TestRender_nestingLimitLeavesRealFilesAlone(t *testing.T) {
	val := strings.Repeat("[", maxNestingDepth-2) + strings.Repeat("]", maxNestingDepth-2)
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: {x: " + quote(val) + "}\nextra: " + val + "\n"
	if _, err := treeOf(t, "app/kustomization.yaml", "resources: [cm.yaml]\n", "app/cm.yaml", cm).Render(context.Background(), "app"); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkRender_deepNesting renders issue 9's deeply nested object
// (time and memory per render).
func BenchmarkRender_deepNesting(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		tree := treeOf(b, "app/kustomization.yaml", "resources: [deep.yaml]\n", "app/deep.yaml", deepObject)
		_, err := tree.Render(context.Background(), "app")
		if err == nil {
			b.Fatal("rendered")
		}
		b.ReportMetric(float64(len(err.Error())), "error-bytes")
	}
}
