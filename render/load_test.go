package render

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFromFiles_refusesEscapes(t *testing.T) {
	for _, p := range []string{"../x.yaml", "/etc/passwd", "a/../../b"} {
		if _, err := FromFiles(map[string][]byte{p: []byte("x")}, DefaultLimits()); err == nil {
			t.Errorf("%s: accepted", p)
		}
	}
}

func TestFromFiles_limits(t *testing.T) {
	files := map[string][]byte{"a": []byte("12345"), "b": []byte("67890")}
	tests := map[string]struct {
		lim  Limits
		want string
	}{
		"total": {Limits{MaxBytes: 8}, "reading b: tree is over the limit of 8 bytes in total"},
		"count": {Limits{MaxFiles: 1}, "reading b: tree holds more than the limit of 1 files"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := FromFiles(files, tt.lim)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// TestFromFiles_oversize checks that a file over the size limit is left
// out, and that a kustomization naming it gets an error naming the limit.
func TestFromFiles_oversize(t *testing.T) {
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n"
	tree, err := FromFiles(map[string][]byte{
		"app/kustomization.yaml": []byte("resources: [cm.yaml]\n"),
		"app/cm.yaml":            []byte(cm),
		"bad/kustomization.yaml": []byte("resources: [huge.yaml]\n"),
		"bad/huge.yaml":          []byte(cm + strings.Repeat("# padding\n", 100)),
		"bin/tool":               make([]byte, 4096),
	}, Limits{MaxFileSize: 512, MaxBytes: 1 << 20, MaxFiles: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tree.ReadFile("bin/tool"); ok {
		t.Error("the tree holds a file over the size limit")
	}
	if _, err := tree.Render(context.Background(), "app"); err != nil {
		t.Errorf("an unrelated large file spoils the render: %v", err)
	}
	_, err = tree.Render(context.Background(), "bad")
	if want := `bad/kustomization.yaml: "huge.yaml" is over the file size limit of 512 bytes (1052 bytes)`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

// symlinkTree lays out root/app with a symlink to a file outside root, one
// to a file inside it and an ordinary file; it returns root.
func symlinkTree(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	root := filepath.Join(top, "repo")
	write(t, filepath.Join(top, "outside", "secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen\n")
	write(t, filepath.Join(root, "shared", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n")
	write(t, filepath.Join(root, "app", "kustomization.yaml"), "resources:\n- cm.yaml\n")
	write(t, filepath.Join(root, "leak", "kustomization.yaml"), "resources:\n- secret.yaml\n")
	for link, target := range map[string]string{
		filepath.Join(root, "app", "cm.yaml"):       "../shared/cm.yaml",
		filepath.Join(root, "leak", "secret.yaml"):  "../../outside/secret.yaml",
		filepath.Join(root, "leak", "abs.yaml"):     filepath.Join(top, "outside", "secret.yaml"),
		filepath.Join(root, "leak", "outsidedir"):   "../../outside",
		filepath.Join(root, "leak", "dangling.txt"): "nowhere",
	} {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkSymlinks asserts what every loader must do with symlinkTree.
func checkSymlinks(t *testing.T, tree *Tree) {
	t.Helper()
	for _, f := range tree.Files() {
		if b, _ := tree.ReadFile(f); strings.Contains(string(b), "stolen") {
			t.Errorf("%s holds the content of a file outside the tree", f)
		}
	}
	objs, err := tree.Render(context.Background(), "app")
	if err != nil || len(objs) != 1 || objs[0].ID.Name != "shared" {
		t.Errorf("a symlink inside the tree: got %v, %v", objs, err)
	}
	_, err = tree.Render(context.Background(), "leak")
	if err == nil || !strings.Contains(err.Error(), `leak/kustomization.yaml: "secret.yaml" is a symlink that points outside the tree`) {
		t.Errorf("a symlink outside the tree: got %v", err)
	}
}

func TestLoadDir_symlinks(t *testing.T) {
	tree, err := LoadDir(symlinkTree(t), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	checkSymlinks(t, tree)
}

func TestLoadGitRev_symlinks(t *testing.T) {
	root := symlinkTree(t)
	git(t, root, "init", "-q")
	git(t, root, "add", "-A")
	git(t, root, "commit", "-q", "-m", "fixture")
	tree, err := LoadGitRev(context.Background(), root, "HEAD", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	checkSymlinks(t, tree)
	if _, err := LoadGitRev(context.Background(), root, "--output=/tmp/x", DefaultLimits()); err == nil {
		t.Error("accepted an option as revision")
	}
	if _, err := LoadGitRev(context.Background(), root, "no-such-rev", DefaultLimits()); err == nil {
		t.Error("loaded a missing revision")
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LoadGitRev(cancelled, root, "HEAD", DefaultLimits()); err == nil {
		t.Error("loaded with a cancelled context")
	}
	lim := DefaultLimits()
	lim.MaxFiles = 2
	if _, err := LoadGitRev(context.Background(), root, "HEAD", lim); err == nil || !strings.Contains(err.Error(), "more than the limit of 2 files") {
		t.Errorf("limits: got %v", err)
	}
}

// TestLoadGitRev_gitFails keeps git's own reason when git archive dies
// part-way (a missing object), rather than the reader's complaint about
// whatever file the archive was cut in.
func TestLoadGitRev_gitFails(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "a/kustomization.yaml"), "resources: [cm.yaml]\n")
	write(t, filepath.Join(root, "a/cm.yaml"), strings.Repeat("# padding\n", 2000)+"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
	write(t, filepath.Join(root, "z/big.yaml"), strings.Repeat("x: 1\n", 5000))
	git(t, root, "init", "-q")
	git(t, root, "add", "-A")
	git(t, root, "commit", "-q", "-m", "fixture")
	out, err := exec.Command("git", "-C", root, "rev-parse", "HEAD:z/big.yaml").Output()
	if err != nil {
		t.Fatal(err)
	}
	sha := strings.TrimSpace(string(out))
	if err := os.Remove(filepath.Join(root, ".git", "objects", sha[:2], sha[2:])); err != nil {
		t.Fatal(err)
	}
	_, err = LoadGitRev(context.Background(), root, "HEAD", DefaultLimits())
	if err == nil || !strings.Contains(err.Error(), "git archive: ") || !strings.Contains(err.Error(), sha) {
		t.Errorf("got %v, want git's own message naming the missing object %s", err, sha)
	}
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

type entry struct {
	name, body, link string
	typ              byte
}

func tarGz(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link}
		if e.typ == tar.TypeXGlobalHeader {
			h = &tar.Header{Name: e.name, Typeflag: e.typ, PAXRecords: map[string]string{"comment": "1a2b3c"}}
		} else if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLoadTarGz(t *testing.T) {
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n"
	tests := map[string]struct {
		entries []entry
		files   []string
		outside []string
		err     string
	}{
		"githubWrapper": {
			entries: []entry{
				{name: "pax_global_header", typ: tar.TypeXGlobalHeader},
				{name: "acme-repo-1a2b3c/", typ: tar.TypeDir},
				{name: "acme-repo-1a2b3c/app/kustomization.yaml", body: "resources: [cm.yaml]\n", typ: tar.TypeReg},
				{name: "acme-repo-1a2b3c/shared/cm.yaml", body: cm, typ: tar.TypeReg},
				{name: "acme-repo-1a2b3c/app/cm.yaml", link: "../shared/cm.yaml", typ: tar.TypeSymlink},
				{name: "acme-repo-1a2b3c/app/passwd", link: "/etc/passwd", typ: tar.TypeSymlink},
				{name: "acme-repo-1a2b3c/app/up", link: "../../../x", typ: tar.TypeSymlink},
				{name: "acme-repo-1a2b3c/app/fifo", typ: tar.TypeFifo},
				{name: "acme-repo-1a2b3c/app/dev", typ: tar.TypeChar},
			},
			files:   []string{"app/cm.yaml", "app/kustomization.yaml", "shared/cm.yaml"},
			outside: []string{"app/passwd", "app/up"},
		},
		"noWrapper": {
			entries: []entry{
				{name: "README.md", body: "hi", typ: tar.TypeReg},
				{name: "app/kustomization.yaml", body: "resources: []\n", typ: tar.TypeReg},
			},
			files: []string{"README.md", "app/kustomization.yaml"},
		},
		"dotDot": {
			entries: []entry{{name: "repo/../../etc/cron.d/x", body: "x", typ: tar.TypeReg}},
			err:     `reading entry "repo/../../etc/cron.d/x": path "repo/../../etc/cron.d/x" leaves the tree`,
		},
		"absolute": {
			entries: []entry{{name: "/etc/passwd", body: "x", typ: tar.TypeReg}},
			err:     `reading entry "/etc/passwd": path "/etc/passwd" is absolute`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tree, err := LoadTarGz(bytes.NewReader(tarGz(t, tt.entries)), DefaultLimits())
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.files, tree.Files()); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			for _, p := range tt.outside {
				if _, ok := tree.outside[p]; !ok {
					t.Errorf("%s is not recorded as a symlink outside the tree", p)
				}
			}
		})
	}
}

// TestLoadTarGz_bomb streams a gzip of an endless file of zeros and checks
// the loader stops soon after the file size limit instead of reading on.
func TestLoadTarGz_bomb(t *testing.T) {
	pr, pw := io.Pipe()
	go func() {
		zw := gzip.NewWriter(pw)
		tw := tar.NewWriter(zw)
		err := tw.WriteHeader(&tar.Header{Name: "repo/huge.yaml", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1 << 40})
		zeros := make([]byte, 1<<20)
		for err == nil {
			_, err = tw.Write(zeros)
		}
		pw.CloseWithError(err)
	}()
	counter := &countingReader{r: pr}
	lim := DefaultLimits()
	lim.MaxFileSize = 1 << 20
	_, err := LoadTarGz(counter, lim)
	_ = pr.Close()
	if err == nil || !strings.Contains(err.Error(), "reading repo/huge.yaml: tree is over the limit of") {
		t.Errorf("got %v, want the size limit error", err)
	}
	if counter.n > 1<<20 {
		t.Errorf("read %d compressed bytes; the header alone should stop it", counter.n)
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestLoadDir_hardLinks: a hard link whose other name is outside the tree
// (a checkout holding a link to a private key, say) is never read; files
// whose every name is inside the tree are.
func TestLoadDir_hardLinks(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	write(t, secret, "stolen")
	root := filepath.Join(dir, "repo")
	write(t, filepath.Join(root, "app/kustomization.yaml"), "configMapGenerator: [{name: c, files: [key.txt]}]\n")
	write(t, filepath.Join(root, "shared/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n")
	write(t, filepath.Join(root, "ok/kustomization.yaml"), "resources: [cm.yaml]\n")
	for old, new := range map[string]string{secret: "app/key.txt", filepath.Join(root, "shared/cm.yaml"): "ok/cm.yaml"} {
		if err := os.Link(old, filepath.Join(root, new)); err != nil {
			t.Skipf("hard links: %v", err)
		}
	}
	tree, err := LoadDir(root, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := tree.ReadFile("app/key.txt"); ok {
		t.Errorf("read a hard link to a file outside the tree: %q", b)
	}
	if _, err := tree.Render(context.Background(), "app"); err == nil || !strings.Contains(err.Error(), "key.txt") {
		t.Errorf("rendering through the outside hard link: got %v", err)
	}
	objs, err := tree.Render(context.Background(), "ok")
	if err != nil || len(objs) != 1 || objs[0].ID.Name != "shared" {
		t.Errorf("a hard link inside the tree: got %v, %v", objs, err)
	}
}

// TestLoadTarGz_skippedEntriesCount: an entry the loader does not keep
// still counts toward the size limit, so a small stream cannot make it
// decompress gigabytes to skip it.
func TestLoadTarGz_skippedEntriesCount(t *testing.T) {
	for _, typ := range []byte{tar.TypeCont, 'V'} {
		t.Run(string(typ), func(t *testing.T) {
			pr, pw := io.Pipe()
			go func() {
				zw := gzip.NewWriter(pw)
				tw := tar.NewWriter(zw)
				h := &tar.Header{Name: "repo/skipped", Typeflag: typ, Mode: 0o644, Size: 1 << 40, Format: tar.FormatGNU}
				err := tw.WriteHeader(h)
				zeros := make([]byte, 1<<20)
				for err == nil {
					_, err = tw.Write(zeros)
				}
				pw.CloseWithError(err)
			}()
			counter := &countingReader{r: pr}
			_, err := LoadTarGz(counter, DefaultLimits())
			_ = pr.Close()
			if err == nil || !strings.Contains(err.Error(), "tree is over the limit of") {
				t.Errorf("got %v, want the size limit error", err)
			}
			if counter.n > 1<<20 {
				t.Errorf("read %d compressed bytes; the header alone should stop it", counter.n)
			}
		})
	}
}
