package render

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDeprecations: a base with patchesStrategicMerge and commonLabels,
// used by three overlays, gives each warning once, at its field's line.
func TestDeprecations(t *testing.T) {
	files := map[string][]byte{
		"base/kustomization.yaml":  []byte("resources: [cm.yaml]\ncommonLabels: {app: web}\npatchesStrategicMerge:\n- patch.yaml\n"),
		"base/cm.yaml":             []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n"),
		"base/patch.yaml":          []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {a: b}\n"),
		"dev/kustomization.yaml":   []byte("resources: [../base]\n"),
		"stage/kustomization.yaml": []byte("bases: [../base]\n"),
		"prod/kustomization.yaml":  []byte("resources: [../base]\n"),
		"other/kustomization.yaml": []byte("bases: [../base]\n"),
	}
	got := Deprecations(mustTree(t, files), []string{"dev", "prod", "stage"})
	want := []Deprecation{
		{File: "base/kustomization.yaml", Line: 2, Message: "'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' to update your Kustomization automatically."},
		{File: "base/kustomization.yaml", Line: 3, Message: "'patchesStrategicMerge' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' to update your Kustomization automatically."},
		{File: "stage/kustomization.yaml", Line: 1, Message: "'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically."},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Deprecations (-want +got):\n%s", d)
	}
}
