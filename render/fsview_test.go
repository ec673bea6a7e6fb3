package render

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// TestTreeFS_rendersLikeKustomize renders every kustomization of trees
// whose names kustomize's in-memory filesystem refuses (`+`, `@`, `%`,
// spaces, non-ASCII, ".." inside a name, leading dots; an unparsable
// `..file.txt` and a binary file nothing reads) and of metrics-server's
// manifests, and compares with `kustomize build` (testdata/fsview/goldens.sh).
func TestTreeFS_rendersLikeKustomize(t *testing.T) {
	for _, name := range []string{"names", "metrics-server"} {
		tree, err := LoadDir(filepath.Join("../testdata/fsview", name), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		var dirs []string
		for _, f := range tree.Files() {
			if path.Base(f) == "kustomization.yaml" {
				dirs = append(dirs, path.Dir(f))
			}
		}
		if len(dirs) < 6 {
			t.Fatalf("%s: only %d kustomizations", name, len(dirs))
		}
		for _, dir := range dirs {
			t.Run(name+"/"+dir, func(t *testing.T) {
				golden := filepath.Join("../testdata/fsview/golden", name, strings.ReplaceAll(dir, "/", "_"))
				got, err := tree.RenderYAML(context.Background(), dir)
				want, readErr := os.ReadFile(golden + ".yaml")
				if errors.Is(readErr, fs.ErrNotExist) {
					if _, e := os.Stat(golden + ".err"); e != nil {
						t.Fatalf("no golden for %s (run testdata/fsview/goldens.sh)", dir)
					}
					if err == nil {
						t.Fatalf("kustomize refuses %s; kustoguard rendered it", dir)
					}
					return
				}
				if readErr != nil {
					t.Fatal(readErr)
				}
				if err != nil {
					t.Fatalf("kustomize builds %s; kustoguard: %v", dir, err)
				}
				if diff := cmp.Diff(string(want), string(got)); diff != "" {
					t.Errorf("differs from kustomize build (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// fsProbe is every answer of a filesystem krusty can observe for one path.
func fsProbe(fsys filesys.FileSystem, p string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "exists=%v dir=%v", fsys.Exists(p), fsys.IsDir(p))
	d, f, err := fsys.CleanedAbs(p)
	fmt.Fprintf(&b, " abs=%q,%q,%v", d, f, err)
	data, err := fsys.ReadFile(p)
	fmt.Fprintf(&b, " read=%q,%v", data, err)
	names, err := fsys.ReadDir(p)
	sort.Strings(names)
	fmt.Fprintf(&b, " ls=%q,%v", names, err)
	if file, err := fsys.Open(p); err != nil {
		fmt.Fprintf(&b, " open=%v", err)
	} else {
		data, _ := io.ReadAll(file)
		fmt.Fprintf(&b, " open=%q", data)
		_ = file.Close()
	}
	var walked []string
	err = fsys.Walk(p, func(p string, info fs.FileInfo, err error) error {
		walked = append(walked, fmt.Sprintf("%s:%v", p, info.IsDir()))
		return err
	})
	fmt.Fprintf(&b, " walk=%q,%v", walked, err)
	return b.String()
}

// TestTreeFS_matchesFsNode asks the view and kustomize's in-memory
// filesystem, holding the same files with names both accept, the same
// questions, including paths that climb out, descend through files and
// are relative: the answers must be the same.
func TestTreeFS_matchesFsNode(t *testing.T) {
	files := map[string][]byte{
		"app/kustomization.yaml":    []byte("resources: [cm.yaml]\n"),
		"app/cm.yaml":               []byte("kind: ConfigMap\n"),
		"app/.hidden.yaml":          []byte("x\n"),
		"base/deep/er/file.yaml":    []byte("y\n"),
		"top.yaml":                  []byte("z\n"),
		"a-b_c.d:e/kustomization.y": []byte("w\n"),
	}
	mem := filesys.MakeFsInMemory()
	for p, b := range files {
		if err := mem.WriteFile("/"+p, b); err != nil {
			t.Fatal(err)
		}
	}
	tree, err := FromFiles(files, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	view, _ := tree.fileSystem()
	probes := []string{
		"", "/", ".", "..", "/..", "../..", "app", "/app", "/app/", "app/.", "/app/../app/cm.yaml",
		"/app/cm.yaml", "app/cm.yaml", "/app/cm.yaml/x", "/app/cm.yaml/x/y", "/app/missing",
		"/../app/cm.yaml", "/app/../../app/cm.yaml", "/base", "/base/deep", "/base/deep/er/file.yaml",
		"/top.yaml", "//app//cm.yaml", "/app/.hidden.yaml", "/a-b_c.d:e", "/nope/x",
	}
	for _, p := range probes {
		if got, want := fsProbe(view, p), fsProbe(mem, p); got != want {
			t.Errorf("%q:\n view %s\n  mem %s", p, got, want)
		}
	}
	for _, pattern := range []string{"/app/*", "/app/.*", "/*", "/*/*.yaml", "/base/*/*/*", "app/*", "/[", "/app/c?.yaml", "/*/kustomization.*"} {
		got, gotErr := view.Glob(pattern)
		want, wantErr := mem.Glob(pattern)
		if fmt.Sprint(got, gotErr) != fmt.Sprint(want, wantErr) {
			t.Errorf("Glob(%q): view %q %v, mem %q %v", pattern, got, gotErr, want, wantErr)
		}
	}
}

// TestTreeFS_readOnly checks no write reaches the shared tree and that
// what a read returns can be changed without changing the tree.
func TestTreeFS_readOnly(t *testing.T) {
	tree, err := FromFiles(map[string][]byte{"a/b.yaml": []byte("b\n")}, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	view, _ := tree.fileSystem()
	writes := map[string]func() error{
		"WriteFile": func() error { return view.WriteFile("/a/b.yaml", []byte("x")) },
		"Create":    func() error { _, err := view.Create("/a/c.yaml"); return err },
		"Mkdir":     func() error { return view.Mkdir("/d") },
		"MkdirAll":  func() error { return view.MkdirAll("/d/e") },
		"RemoveAll": func() error { return view.RemoveAll("/a") },
		"Write": func() error {
			f, err := view.Open("/a/b.yaml")
			if err != nil {
				return nil
			}
			_, err = f.Write([]byte("x"))
			return err
		},
	}
	for name, write := range writes {
		if err := write(); !errors.Is(err, errReadOnly) {
			t.Errorf("%s: got %v, want the read-only error", name, err)
		}
	}
	b, _ := view.ReadFile("/a/b.yaml")
	b[0] = 'X'
	if got, _ := tree.ReadFile("a/b.yaml"); string(got) != "b\n" || view.Exists("/a/c.yaml") || !view.Exists("/a") {
		t.Errorf("the tree changed: %q", got)
	}
}

// TestTreeFS_refusedFiles: a kustomization reaching a file the tree keeps
// no content for gets the reason, not "doesn't exist".
func TestTreeFS_refusedFiles(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxFileSize = 10
	b := newBuilder(lim)
	for p, data := range map[string]string{"app/ok.yaml": "ok", "app/big.yaml": "0123456789abc"} {
		if err := b.addBytes(p, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	b.addLink("app/link.yaml", "/etc/passwd")
	b.unreadable["app/locked"] = "permission denied"
	view, _ := b.tree().fileSystem()
	tests := map[string]string{
		"/app/big.yaml":      "'/app/big.yaml' is over the file size limit of 10 bytes (13 bytes)",
		"/app/link.yaml":     "'/app/link.yaml' is a symlink that points outside the tree (/etc/passwd)",
		"/app/link.yaml/x":   "'/app/link.yaml' is a symlink that points outside the tree (/etc/passwd)",
		"/app/locked/k.yaml": "'/app/locked' could not be read: permission denied",
		"/app/none.yaml":     "'/app/none.yaml' doesn't exist",
	}
	for p, want := range tests {
		if _, err := view.ReadFile(p); err == nil || err.Error() != want {
			t.Errorf("ReadFile(%s): got %v, want %q", p, err, want)
		}
	}
	if _, err := view.ReadFile("/app/ok.yaml"); err != nil {
		t.Error(err)
	}
}

// TestLoadDir_readsOnlyWhatRendersNeed: an unreadable file, an unreadable
// directory, an oversize and a binary file elsewhere leave other overlays
// rendering; an overlay that needs the unreadable file names it.
func TestLoadDir_readsOnlyWhatRendersNeed(t *testing.T) {
	root := t.TempDir()
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n"
	write(t, filepath.Join(root, "app/kustomization.yaml"), "resources: [cm.yaml]\n")
	write(t, filepath.Join(root, "app/cm.yaml"), fmt.Sprintf(cm, "app"))
	write(t, filepath.Join(root, "needs/kustomization.yaml"), "configMapGenerator: [{name: s, files: [secret.txt]}]\n")
	write(t, filepath.Join(root, "needs/secret.txt"), "x")
	write(t, filepath.Join(root, "docs/logo.png"), "\x89PNG\r\n\x1a\n\x00\xff")
	write(t, filepath.Join(root, "docs/private/notes.md"), "x")
	write(t, filepath.Join(root, "docs/huge.bin"), strings.Repeat("0", 2048))
	defer func(old func(*os.Root, string) (*os.File, error)) { openDiskFile = old }(openDiskFile)
	openDiskFile = func(r *os.Root, name string) (*os.File, error) {
		if strings.HasSuffix(name, "secret.txt") || strings.HasSuffix(name, "logo.png") {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
		}
		return openInRoot(r, name)
	}
	if err := os.Chmod(filepath.Join(root, "docs/private"), 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(filepath.Join(root, "docs/private"), 0o755)
	lim := DefaultLimits()
	lim.MaxFileSize = 1024
	tree, err := LoadDir(root, lim)
	if err != nil {
		t.Fatalf("one unreadable file aborted loading: %v", err)
	}
	objs, err := tree.Render(context.Background(), "app")
	if err != nil || len(objs) != 1 {
		t.Fatalf("rendering app: %v, %v", objs, err)
	}
	_, err = tree.Render(context.Background(), "needs")
	if err == nil || !strings.Contains(err.Error(), "secret.txt") {
		t.Errorf("rendering an overlay that needs the unreadable file: got %v", err)
	}
}

// TestTreeFS_concurrent reads one view from many goroutines (run with
// -race): it holds no state to share.
func TestTreeFS_concurrent(t *testing.T) {
	tree, err := LoadDir("../testdata/fsview/names", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir := []string{"overlays/release-ha-1.21+", "overlays/café"}[i%2]
			if _, err := tree.Render(context.Background(), dir); err != nil {
				t.Error(err)
			}
			view, _ := tree.fileSystem()
			if _, err := view.Glob("/*/*"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}
