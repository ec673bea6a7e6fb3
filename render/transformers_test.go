package render

import (
	"context"
	"maps"
	"strings"
	"testing"
)

// podinfoTree is the podinfo excerpt of testdata/podinfo with one change
// laid over it ("" for none).
func podinfoTree(tb testing.TB, change string) *Tree {
	tb.Helper()
	files := map[string][]byte{}
	for _, dir := range []string{"../testdata/podinfo/base", "../testdata/podinfo/changes/" + change} {
		if change == "" && strings.HasSuffix(dir, "/") {
			continue
		}
		maps.Copy(files, readFiles(tb, dir))
	}
	tree, err := FromFiles(files, DefaultLimits())
	if err != nil {
		tb.Fatal(err)
	}
	return tree
}

// TestRender_imagesEntryOwnsTheTag reproduces a tag bump through an
// overlay's images: in podinfo: every image it retags must be attributed to
// the images: entry (the line the pull request changed), not to the base
// files that declare the containers; images it leaves alone stay there.
func TestRender_imagesEntryOwnsTheTag(t *testing.T) {
	tree := podinfoTree(t, "images-latest")
	for _, tracked := range []bool{false, true} {
		t.Run(map[bool]string{false: "static", true: "tracked"}[tracked], func(t *testing.T) {
			defer func(old bool) { alwaysTrackOrigins = old }(alwaysTrackOrigins)
			alwaysTrackOrigins = tracked
			objs, err := tree.Render(context.Background(), "deploy/overlays/staging")
			if err != nil {
				t.Fatal(err)
			}
			retagged, kept := 0, 0
			for i := range objs {
				o := &objs[i]
				for p, v := range flatten(o.Fields) {
					img, ok := v.(string)
					if !ok || !strings.HasSuffix(p, ".image") || !isContainerPath(p) {
						continue
					}
					got := o.SourceOf(splitFieldPath(p)...)
					if strings.HasPrefix(img, "ghcr.io/stefanprodan/podinfo:") {
						retagged++
						if want := (Source{"deploy/overlays/staging/kustomization.yaml", 12}); got != want {
							t.Errorf("%s %s: SourceOf(%s) = %v, want the images: entry %v", o.ID, img, p, got, want)
						}
					} else {
						kept++
						if !strings.HasPrefix(got.File, "deploy/bases/") {
							t.Errorf("%s %s: SourceOf(%s) = %v, want its base file", o.ID, img, p, got)
						}
					}
				}
			}
			for i := range objs {
				o := &objs[i]
				if _, ok := o.Get("metadata", "labels", "app.kubernetes.io/environment"); !ok {
					continue
				}
				// podinfo labels each environment through a LabelTransformer file.
				if got, want := o.SourceOf("metadata", "labels", "app.kubernetes.io/environment"), (Source{"deploy/overlays/staging/labels.yaml", 6}); got != want {
					t.Errorf("%s: environment label at %v, want %v", o.ID, got, want)
				}
			}
			if retagged != 9 || kept != 1 {
				t.Errorf("%d retagged and %d other images, want 9 and 1 (redis)", retagged, kept)
			}
		})
	}
}

// TestRender_transformerEntries covers the transformer fields the fixture
// repository does not use: labels: entries and replacements: (inline and
// from a file), in both attribution passes.
func TestRender_transformerEntries(t *testing.T) {
	tree, err := FromFiles(map[string][]byte{
		"base/kustomization.yaml": []byte("resources: [deploy.yaml, cm.yaml]\n"),
		"base/deploy.yaml": []byte(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
        env:
        - name: COLOR
          value: blue
`),
		"base/cm.yaml": []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: green\n  tag: \"1.28\"\n"),
		"app/kustomization.yaml": []byte(`resources: [../base]
labels:
- pairs:
    team: web
- pairs:
    tier: front
  includeSelectors: true
replacements:
- source:
    kind: ConfigMap
    name: settings
    fieldPath: data.color
  targets:
  - select:
      kind: Deployment
    fieldPaths:
    - spec.template.spec.containers.[name=web].env.[name=COLOR].value
- path: tag.yaml
`),
		"app/tag.yaml": []byte(`source:
  kind: ConfigMap
  name: settings
  fieldPath: data.tag
targets:
- select:
    kind: Deployment
    name: web
  fieldPaths:
  - spec.template.spec.containers.0.image
  options:
    delimiter: ":"
    index: 1
`),
	}, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	web := func(p ...string) []string { return p }
	tests := []struct {
		name string
		path []string
		want Source
	}{
		{"labelsEntry", web("metadata", "labels", "team"), Source{"app/kustomization.yaml", 4}},
		{"labelsWithoutSelectorsLeaveTemplate", web("spec", "template", "metadata", "labels", "app"), Source{"base/deploy.yaml", 12}},
		{"labelsIncludeSelectors", web("spec", "selector", "matchLabels", "tier"), Source{"app/kustomization.yaml", 6}},
		{"labelsIncludeSelectorsTemplate", web("spec", "template", "metadata", "labels", "tier"), Source{"app/kustomization.yaml", 6}},
		{"inlineReplacement", web("spec", "template", "spec", "containers", "[name=web]", "env", "[name=COLOR]", "value"), Source{"app/kustomization.yaml", 17}},
		{"replacementFileByIndex", web("spec", "template", "spec", "containers", "[name=web]", "image"), Source{"app/tag.yaml", 10}},
		{"untouchedField", web("spec", "template", "spec", "containers", "[name=web]", "env", "[name=COLOR]", "name"), Source{"base/deploy.yaml", 18}},
	}
	for _, tracked := range []bool{false, true} {
		t.Run(map[bool]string{false: "static", true: "tracked"}[tracked], func(t *testing.T) {
			defer func(old bool) { alwaysTrackOrigins = old }(alwaysTrackOrigins)
			alwaysTrackOrigins = tracked
			objs, err := tree.Render(context.Background(), "app")
			if err != nil {
				t.Fatal(err)
			}
			var d *Object
			for i := range objs {
				if objs[i].ID.Kind == "Deployment" {
					d = &objs[i]
				}
			}
			if d == nil {
				t.Fatal("no Deployment rendered")
			}
			for _, tt := range tests {
				if got := d.SourceOf(tt.path...); got != tt.want {
					t.Errorf("%s: SourceOf(%v) = %v, want %v", tt.name, tt.path, got, tt.want)
				}
			}
		})
	}
}
