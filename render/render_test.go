package render

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const repoDir = "../testdata/render/repo"

func loadRepo(tb testing.TB) *Tree {
	tb.Helper()
	tree, err := LoadDir(repoDir, DefaultLimits())
	if err != nil {
		tb.Fatal(err)
	}
	return tree
}

// kustomizationDirs lists every directory of the tree holding a kustomization.
func kustomizationDirs(t *Tree) []string {
	var dirs []string
	for _, f := range t.Files() {
		if path.Base(f) == "kustomization.yaml" {
			dirs = append(dirs, path.Dir(f))
		}
	}
	return dirs
}

// goldenRender is what `kustomize build` printed for dir (see goldens.sh).
func goldenRender(tb testing.TB, dir string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("../testdata/render/golden", strings.ReplaceAll(dir, "/", "_")+".yaml"))
	if err != nil {
		tb.Fatalf("reading the kustomize output for %s (run testdata/render/goldens.sh): %v", dir, err)
	}
	return string(b)
}

func TestRender_matchesKustomizeBuild(t *testing.T) {
	tree := loadRepo(t)
	dirs := kustomizationDirs(tree)
	if len(dirs) < 10 {
		t.Fatalf("found only %d kustomizations in %s", len(dirs), repoDir)
	}
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			got, err := tree.RenderYAML(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if want := goldenRender(t, dir); string(got) != want {
				t.Errorf("render differs from kustomize build:\n--- kustomize\n%s\n--- kustoguard\n%s", want, got)
			}
		})
	}
}

func TestRender_objectsCarryNoBookkeeping(t *testing.T) {
	tree := loadRepo(t)
	objs, err := tree.Render(context.Background(), "clusters/prod")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if ann, ok := o.Get("metadata", "annotations"); ok {
			for k := range ann.(map[string]any) {
				if strings.Contains(k, "config.kubernetes.io/") {
					t.Errorf("%s keeps annotation %s", o.ID, k)
				}
			}
		}
	}
}

// TestRender_concurrent renders every kustomization from several goroutines
// at once, schema-changing ones (openapi:, crds:) included: run under -race
// it shows the locking is sound, and the outputs show no render sees
// another's schema.
func TestRender_concurrent(t *testing.T) {
	tree := loadRepo(t)
	dirs := kustomizationDirs(tree)
	want := map[string]string{}
	for _, d := range dirs {
		want[d] = goldenRender(t, d)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(dirs))
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range dirs {
				d := dirs[(i+g*5)%len(dirs)]
				got, err := tree.RenderYAML(context.Background(), d)
				if err != nil {
					errs <- err
					continue
				}
				if string(got) != want[d] {
					errs <- fmt.Errorf("%s: concurrent render differs from kustomize build", d)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestRender_doesNotChangeTheTree(t *testing.T) {
	tree := loadRepo(t)
	before, _ := tree.ReadFile("apps/api/prod/kustomization.yaml")
	before = append([]byte(nil), before...)
	if _, err := tree.Render(context.Background(), "apps/api/prod"); err != nil {
		t.Fatal(err)
	}
	after, _ := tree.ReadFile("apps/api/prod/kustomization.yaml")
	if string(before) != string(after) {
		t.Error("rendering changed the kustomization in the tree")
	}
	if strings.Contains(string(after), "buildMetadata") {
		t.Error("the tree shows the renderer's buildMetadata")
	}
}

// bigTree holds one overlay of n ConfigMaps spread over files of 100.
func bigTree(tb testing.TB, n int) *Tree {
	tb.Helper()
	files := map[string][]byte{}
	var k strings.Builder
	k.WriteString("namePrefix: big-\ncommonLabels:\n  tier: bulk\nresources:\n")
	for f := 0; f*100 < n; f++ {
		var b strings.Builder
		for i := f * 100; i < n && i < (f+1)*100; i++ {
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  key: value-%d\n", i, i)
		}
		name := fmt.Sprintf("cm-%03d.yaml", f)
		files["big/"+name] = []byte(b.String())
		fmt.Fprintf(&k, "- %s\n", name)
	}
	files["big/kustomization.yaml"] = []byte(k.String())
	files["small/kustomization.yaml"] = []byte("resources:\n- cm.yaml\n")
	files["small/cm.yaml"] = []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: small\n")
	lim := DefaultLimits()
	lim.MaxObjects = 0
	tree, err := FromFiles(files, lim)
	if err != nil {
		tb.Fatal(err)
	}
	return tree
}

func TestRender_budget(t *testing.T) {
	tree := bigTree(t, 20_000)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	objs, err := tree.Render(ctx, "big")
	switch {
	case err == nil && len(objs) != 20_000:
		t.Errorf("rendered %d objects, want 20000", len(objs))
	case err != nil && !strings.Contains(err.Error(), "rendering big: exceeded time budget"):
		t.Errorf("got error %q, want the time budget error", err)
	}
	// The renderer stays usable after abandoning a render.
	small, err := tree.Render(context.Background(), "small")
	if err != nil || len(small) != 1 {
		t.Errorf("rendering after a budget stop: %d objects, %v", len(small), err)
	}
}

func TestRender_objectLimit(t *testing.T) {
	files := map[string][]byte{}
	for name, b := range bigTree(t, 20_000).files {
		files[name] = b
	}
	tree, err := FromFiles(files, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	_, err = tree.Render(context.Background(), "big")
	if want := "big/kustomization.yaml: the kustomization and its bases declare 20000 objects, over the limit of 5000"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestRender_cancelled(t *testing.T) {
	tree := loadRepo(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tree.Render(ctx, "apps/api/prod"); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("got %v, want a cancellation error", err)
	}
}
