package render

import (
	"context"
	"errors"
	"io"
	"sort"
)

// Limits bound what a tree may hold. Untrusted trees over a limit are
// refused with an error naming the limit and the file.
type Limits struct {
	MaxBytes    int64 // all files together
	MaxFiles    int
	MaxFileSize int64 // one file
}

// DefaultLimits are generous for real GitOps repositories and small enough
// that several trees fit in one pod at once.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 256 << 20, MaxFiles: 50_000, MaxFileSize: 8 << 20}
}

// Tree is a repository snapshot held in memory. Paths are relative to the
// repository root, with "/" separators. A Tree is safe for concurrent reads.
//
// STUB: replaced by the real loader.
type Tree struct {
	files map[string][]byte
}

// FromFiles builds a tree from file contents keyed by path.
func FromFiles(files map[string][]byte, lim Limits) (*Tree, error) {
	t := &Tree{files: map[string][]byte{}}
	for p, b := range files {
		t.files[p] = b
	}
	return t, nil
}

// LoadDir reads the directory root (never following a symlink out of it).
func LoadDir(root string, lim Limits) (*Tree, error) { return nil, errors.New("not implemented") }

// LoadGitRev reads revision rev of the git repository at repoDir.
func LoadGitRev(ctx context.Context, repoDir, rev string, lim Limits) (*Tree, error) {
	return nil, errors.New("not implemented")
}

// LoadTarGz reads a gzip-compressed tar stream. A single top-level folder
// wrapping everything (as GitHub tarballs have) is removed.
func LoadTarGz(r io.Reader, lim Limits) (*Tree, error) { return nil, errors.New("not implemented") }

// Files lists every file path, sorted.
func (t *Tree) Files() []string {
	out := make([]string, 0, len(t.files))
	for p := range t.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// ReadFile returns a file's content and whether it exists.
func (t *Tree) ReadFile(path string) ([]byte, bool) {
	b, ok := t.files[path]
	return b, ok
}

// Size is the total number of bytes the tree holds.
func (t *Tree) Size() int64 {
	var n int64
	for _, b := range t.files {
		n += int64(len(b))
	}
	return n
}

// Render builds the kustomization in dir as `kustomize build dir` would,
// with plugins, functions, Helm and remote resources refused. It stops at
// ctx's deadline (or the default per-overlay budget) with an error. The
// objects come back in kustomize's output order.
func (t *Tree) Render(ctx context.Context, dir string) ([]Object, error) {
	return nil, errors.New("not implemented")
}
