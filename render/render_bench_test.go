package render

import (
	"context"
	"os"
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
