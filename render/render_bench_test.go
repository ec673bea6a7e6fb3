package render

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// BenchmarkRenderOverlay renders one realistic overlay: two bases, two
// Components, generators, strategic-merge and JSON patches, replacements.
func BenchmarkRenderOverlay(b *testing.B) {
	tree := loadRepo(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tree.Render(ctx, "apps/api/prod"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderLocking compares the ways concurrent renders can share
// kustomize's global OpenAPI state, on every kustomization of the fixture
// repository ("mixed" includes one with openapi:, "plain" leaves it out).
// Run TestRender_concurrent under -race with each mode to see which are
// race-free.
func BenchmarkRenderLocking(b *testing.B) {
	tree := loadRepo(b)
	all := kustomizationDirs(tree)
	var plain []string
	for _, d := range all {
		if d != "apps/jobs/prod" {
			plain = append(plain, d)
		}
	}
	modes := []struct {
		name string
		mode lockMode
	}{{"schemaLock", lockSchema}, {"globalLock", lockGlobal}, {"noLock", lockNone}}
	for _, set := range []struct {
		name string
		dirs []string
	}{{"plain", plain}, {"mixed", all}} {
		for _, m := range modes {
			b.Run(set.name+"/"+m.name, func(b *testing.B) {
				defer func(old lockMode) { renderLockMode = old }(renderLockMode)
				renderLockMode = m.mode
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					i := 0
					for pb.Next() {
						if _, err := tree.Render(context.Background(), set.dirs[i%len(set.dirs)]); err != nil {
							b.Error(err)
						}
						i++
					}
				})
			})
		}
	}
}

// BenchmarkRender2k renders an overlay of 2,000 ConfigMaps with no object
// limit and a budget long enough to finish on a busy machine.
func BenchmarkRender2k(b *testing.B) {
	tree := bigTree(b, 2_000)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tree.Render(ctx, "big"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKrustyPlain is the floor: krusty alone on the same overlay, no
// pre-scan, no origin tracking, no conversion.
func BenchmarkKrustyPlain(b *testing.B) {
	tree := loadRepo(b)
	fsys, err := tree.fileSystem()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := runKrusty(fsys, "/apps/api/prod", false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderExternal renders one kustomization of a checkout outside
// the repository, loading the tree in the loop as `kustoguard render`
// does: KUSTOGUARD_BENCH_TREE names the checkout and KUSTOGUARD_BENCH_DIR
// the kustomization in it (default: its root). For example, with
// prometheus-operator/kube-prometheus checked out:
//
//	KUSTOGUARD_BENCH_TREE=$HOME/src/kube-prometheus go test -run '^$' -bench RenderExternal -benchmem ./render
func BenchmarkRenderExternal(b *testing.B) {
	root := os.Getenv("KUSTOGUARD_BENCH_TREE")
	if root == "" {
		b.Skip("KUSTOGUARD_BENCH_TREE names no checkout")
	}
	dir := os.Getenv("KUSTOGUARD_BENCH_DIR")
	if dir == "" {
		dir = "."
	}
	b.ReportAllocs()
	for b.Loop() {
		tree, err := LoadDir(root, DefaultLimits())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tree.RenderYAML(context.Background(), dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderBigOverlay renders one overlay shaped like
// kube-prometheus's root (about 100k lines): a few large CRDs with deep
// schemas, dashboards as big ConfigMaps, and a hundred small manifests,
// loading the tree in the loop as `kustoguard render` does. Compare with
// the CLI on a real checkout through scripts/bench-render-cli.sh.
func BenchmarkRenderBigOverlay(b *testing.B) {
	files := bigOverlayFiles()
	for _, mode := range []string{"yaml", "objects"} {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tree, err := FromFiles(files, DefaultLimits())
				if err != nil {
					b.Fatal(err)
				}
				if mode == "yaml" {
					_, err = tree.RenderYAML(context.Background(), ".")
				} else {
					_, err = tree.Render(context.Background(), ".")
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func bigOverlayFiles() map[string][]byte {
	files := map[string][]byte{}
	var k strings.Builder
	k.WriteString("namespace: monitoring\nresources:\n")
	add := func(p, body string) {
		files[p] = []byte(body)
		fmt.Fprintf(&k, "- %s\n", p)
	}
	for i := range 8 {
		var s strings.Builder
		fmt.Fprintf(&s, "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things%d.example.com\nspec:\n  group: example.com\n  names: {kind: Thing%d, plural: things%d}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n", i, i, i)
		crdProps(&s, 10, 4)
		add(fmt.Sprintf("setup/crd-%d.yaml", i), s.String())
	}
	for i := range 12 {
		var d strings.Builder
		d.WriteString("{\n  \"panels\": [\n")
		for p := range 300 {
			fmt.Fprintf(&d, "    {\"id\": %d, \"title\": \"panel %d\", \"type\": \"graph\", \"targets\": [{\"expr\": \"sum(rate(x_total{job=\\\"a\\\"}[5m])) by (pod)\"}]},\n", p, p)
		}
		d.WriteString("    {}\n  ]\n}")
		body := strings.ReplaceAll(d.String(), "\n", "\n    ")
		add(fmt.Sprintf("dashboards/dash-%d.yaml", i), fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dash-%d\ndata:\n  dash.json: |-\n    %s\n", i, body))
	}
	for i := range 100 {
		add(fmt.Sprintf("apps/app-%d.yaml", i), fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%[1]d
  labels: {app: app-%[1]d}
spec:
  selector: {matchLabels: {app: app-%[1]d}}
  template:
    metadata: {labels: {app: app-%[1]d}}
    spec:
      containers:
      - name: main
        image: quay.io/example/app:v0.%[1]d.0
        args: [--web.listen-address=:8080, --log.level=info]
        ports: [{name: http, containerPort: 8080}]
        resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: app-%[1]d
spec:
  selector: {app: app-%[1]d}
  ports: [{name: http, port: 8080, targetPort: http}]
`, i))
	}
	files["kustomization.yaml"] = []byte(k.String())
	return files
}

// crdProps writes width properties nested depth deep, each described.
func crdProps(s *strings.Builder, width, depth int) {
	indent := strings.Repeat("  ", 9+2*(4-depth))
	for i := range width {
		fmt.Fprintf(s, "%sfield%d:\n%s  description: Field %d configures one aspect of the thing at this level of the specification.\n", indent, i, indent, i)
		if depth == 0 {
			fmt.Fprintf(s, "%s  type: string\n", indent)
			continue
		}
		fmt.Fprintf(s, "%s  type: object\n%s  properties:\n", indent, indent)
		crdProps(s, width/2+1, depth-1)
	}
}
