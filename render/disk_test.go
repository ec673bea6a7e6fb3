package render

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// recordOpens makes every lazy read of the test note the file it opens.
func recordOpens(t *testing.T) func() []string {
	t.Helper()
	var mu sync.Mutex
	var opened []string
	old := openDiskFile
	t.Cleanup(func() { openDiskFile = old })
	openDiskFile = func(r *os.Root, name string) (*os.File, error) {
		mu.Lock()
		opened = append(opened, name)
		mu.Unlock()
		return old(r, name)
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := slices.Clone(opened)
		slices.Sort(out)
		return slices.Compact(out)
	}
}

// TestLoadDir_rendersReadTheirClosure: in a repository of several apps,
// loading reads no file and a render reads only its overlay's closure,
// as `kustomize build` does; a failing render reads no more to say why.
func TestLoadDir_rendersReadTheirClosure(t *testing.T) {
	root := t.TempDir()
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n"
	write(t, filepath.Join(root, "base/kustomization.yaml"), "resources: [cm.yaml]\n")
	write(t, filepath.Join(root, "base/cm.yaml"), strings.Replace(cm, "%s", "base", 1))
	write(t, filepath.Join(root, "prod/kustomization.yaml"), "resources: [../base]\nnamePrefix: prod-\n")
	write(t, filepath.Join(root, "other/kustomization.yaml"), "resources: [cm.yaml]\n")
	write(t, filepath.Join(root, "other/cm.yaml"), strings.Replace(cm, "%s", "other", 1))
	write(t, filepath.Join(root, "other/secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  token: hunter2hunter2\n")
	write(t, filepath.Join(root, "broken/kustomization.yaml"), "resources: [missing.yaml]\n")
	write(t, filepath.Join(root, "docs/big.md"), strings.Repeat("secret words\n", 1000))
	opened := recordOpens(t)

	tree, err := LoadDir(root, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got := opened(); len(got) != 0 {
		t.Errorf("loading read %v; want no file read before a render asks", got)
	}
	objs, err := tree.Render(context.Background(), "prod")
	if err != nil || len(objs) != 1 || objs[0].ID.Name != "prod-base" {
		t.Fatalf("rendering prod: %v, %v", objs, err)
	}
	want := []string{"base/cm.yaml", "base/kustomization.yaml", "prod/kustomization.yaml"}
	if got := opened(); !slices.Equal(got, want) {
		t.Errorf("rendering prod read %v; want only its closure %v", got, want)
	}
	if _, err := tree.Render(context.Background(), "broken"); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("rendering broken: got %v", err)
	}
	want = append(want, "broken/kustomization.yaml")
	slices.Sort(want)
	if got := opened(); !slices.Equal(got, want) {
		t.Errorf("a failing render read %v; want %v", got, want)
	}
}

// TestLoadDir_swappedFileRefused: a file replaced after the walk by a link
// to a file out of the tree, symbolic or hard, is refused rather than read.
// (A file edited in place is read as it is now: it is still the tree's.)
func TestLoadDir_swappedFileRefused(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "outside.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\n")
	root := filepath.Join(dir, "repo")
	write(t, filepath.Join(root, "app/kustomization.yaml"), "resources: [cm.yaml]\n")
	write(t, filepath.Join(root, "app/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n")
	tree, err := LoadDir(root, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	cm := filepath.Join(root, "app/cm.yaml")
	swaps := map[string]func() error{
		"a symlink out of the tree":   func() error { return os.Symlink(filepath.Join(dir, "outside.yaml"), cm) },
		"a hard link out of the tree": func() error { return os.Link(filepath.Join(dir, "outside.yaml"), cm) },
	}
	for name, swap := range swaps {
		t.Run(name, func(t *testing.T) {
			if err := os.Remove(cm); err != nil {
				t.Fatal(err)
			}
			if err := swap(); err != nil {
				t.Fatal(err)
			}
			objs, err := tree.Render(context.Background(), "app")
			if err == nil {
				t.Fatalf("rendered %v from a file swapped after loading", objs)
			}
			if strings.Contains(err.Error(), "stolen") {
				t.Errorf("the error quotes the swapped-in content: %v", err)
			}
		})
	}
}

// TestLoadDir_swappedDirectoryRefused: a directory replaced after the walk
// by a symlink to a directory out of the tree holding a file of the same
// name is not followed: the read goes through the tree's os.Root.
func TestLoadDir_swappedDirectoryRefused(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "outside/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\n")
	root := filepath.Join(dir, "repo")
	write(t, filepath.Join(root, "app/kustomization.yaml"), "resources: [cm/cm.yaml]\n")
	write(t, filepath.Join(root, "app/cm/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n")
	tree, err := LoadDir(root, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(root, "app/cm")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "outside"), filepath.Join(root, "app/cm")); err != nil {
		t.Fatal(err)
	}
	objs, err := tree.Render(context.Background(), "app")
	if err == nil {
		t.Fatalf("rendered %v through a directory swapped for a link out of the tree", objs)
	}
	if strings.Contains(err.Error(), "stolen") {
		t.Errorf("the error quotes the outside file: %v", err)
	}
}

// TestLoadDir_spellingsOutOfTheTree: every spelling kustomize accepts for a
// path out of the tree is refused before any read, and the reads a render
// does make are of files the walk recorded, never of a name it made up.
func TestLoadDir_spellingsOutOfTheTree(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "outside.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\n")
	root := filepath.Join(dir, "repo")
	write(t, filepath.Join(root, "app/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n")
	spellings := []string{
		"../../outside.yaml",
		"./../../outside.yaml",
		"cm.yaml/../../../outside.yaml",
		"..//../outside.yaml",
		".././../outside.yaml",
		filepath.Join(dir, "outside.yaml"),
		"file://" + filepath.Join(dir, "outside.yaml"),
		`..\..\outside.yaml`,
		"%2e%2e/%2e%2e/outside.yaml",
	}
	for _, sp := range spellings {
		t.Run(sp, func(t *testing.T) {
			write(t, filepath.Join(root, "app/kustomization.yaml"), "resources:\n- cm.yaml\n- "+strconv.Quote(sp)+"\n")
			opened := recordOpens(t)
			tree, err := LoadDir(root, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			objs, err := tree.Render(context.Background(), "app")
			if err == nil {
				t.Fatalf("rendered %v", objs)
			}
			if strings.Contains(err.Error(), "stolen") {
				t.Errorf("the error quotes the outside file: %v", err)
			}
			for _, p := range opened() {
				if !tree.has(p) {
					t.Errorf("opened %q, which the walk never recorded", p)
				}
			}
		})
	}
}
