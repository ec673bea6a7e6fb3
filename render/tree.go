package render

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Limits bound what a tree may hold. Untrusted trees over a limit are
// refused with an error naming the limit and the file.
type Limits struct {
	MaxBytes    int64 // all files together
	MaxFiles    int
	MaxFileSize int64 // one file
	// MaxObjects bounds the documents one kustomization closure may
	// declare; kustomize's cost grows faster than linearly with them, so
	// the renderer refuses bigger overlays before running it (0: no limit).
	MaxObjects int
}

// DefaultLimits are generous for real GitOps repositories and small enough
// that several trees fit in one pod at once.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 256 << 20, MaxFiles: 50_000, MaxFileSize: 8 << 20, MaxObjects: 5_000}
}

// Tree is a repository snapshot held in memory. Paths are relative to the
// repository root, with "/" separators. A Tree is safe for concurrent reads
// and renders; it never changes after loading.
type Tree struct {
	// files holds contents in memory; disk, set for a tree LoadDir
	// walked, holds the files whose content is read when asked for. A
	// name in files hides the same name on disk.
	files map[string][]byte
	disk  *diskFiles
	// outside records symlinks that were skipped because their target lies
	// outside the tree (path → link target), so that a kustomization naming
	// one gets a clear error instead of "file not found".
	outside map[string]string
	dirs    map[string]bool // every directory holding a file, at any depth
	// oversize holds the files skipped for being over lim.MaxFileSize.
	oversize map[string]int64
	// unreadable holds what LoadDir could not read (path → why).
	unreadable map[string]string
	lim        Limits

	// parsed caches YAML files (path → *parsedFile) and kustomizations
	// (path → *kustDoc) for the renders of this tree; both are
	// read-only once stored.
	parsed sync.Map
	kusts  sync.Map

	// idx lists directories' entries for the filesystem view's walks and
	// globs, built on first use.
	idxOnce sync.Once
	idx     *treeIndex

	// origins maps the remote sources mounted in this copy of a tree to
	// the entries that named them (remote_mount.go).
	origins map[string]Source
}

// FromFiles builds a tree from file contents keyed by path. Paths that are
// absolute or climb out with ".." are refused.
func FromFiles(files map[string][]byte, lim Limits) (*Tree, error) {
	b := newBuilder(lim)
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		if err := b.addBytes(p, files[p]); err != nil {
			return nil, err
		}
	}
	return b.tree(), nil
}

// Files lists every file path, sorted.
func (t *Tree) Files() []string {
	out := make([]string, 0, len(t.files))
	for p := range t.eachFile {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// eachFile yields every file path once, in no particular order.
func (t *Tree) eachFile(yield func(string) bool) {
	for p := range t.files {
		if !yield(p) {
			return
		}
	}
	if t.disk == nil {
		return
	}
	for p := range t.disk.entries {
		if _, hidden := t.files[p]; !hidden && !yield(p) {
			return
		}
	}
}

// has reports whether the tree holds a file at p (whose content may still
// fail to read, for a file left on disk).
func (t *Tree) has(p string) bool {
	if _, ok := t.files[p]; ok {
		return true
	}
	if t.disk != nil {
		_, ok := t.disk.entries[p]
		return ok
	}
	return false
}

// content returns the file at p, reading a file left on disk now. The
// error wraps fs.ErrNotExist for a path the tree does not hold.
func (t *Tree) content(p string) ([]byte, error) {
	if b, ok := t.files[p]; ok {
		return b, nil
	}
	if t.disk != nil {
		if f, ok := t.disk.entries[p]; ok {
			b, err := t.disk.read(f)
			if err != nil {
				return nil, readError(p, err)
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("reading %s: %w", p, fs.ErrNotExist)
}

// fileSize is the size of the file at p without reading it.
func (t *Tree) fileSize(p string) int64 {
	if b, ok := t.files[p]; ok {
		return int64(len(b))
	}
	if t.disk != nil {
		return t.disk.entries[p].size
	}
	return 0
}

// ReadFile returns a file's content and whether it exists. A file left on
// disk that cannot be read any more counts as absent here; a render that
// needs it says why.
func (t *Tree) ReadFile(path string) ([]byte, bool) {
	b, err := t.content(path)
	return b, err == nil
}

// fileText is the file at p for messages: empty when it cannot be read.
func (t *Tree) fileText(p string) []byte {
	b, _ := t.content(p)
	return b
}

// Size is the total number of bytes the tree holds.
func (t *Tree) Size() int64 {
	var n int64
	for p := range t.eachFile {
		n += t.fileSize(p)
	}
	return n
}

// isDir reports whether some file lives below dir.
func (t *Tree) isDir(dir string) bool {
	if dir == "." || dir == "" {
		if len(t.files) > 0 {
			return true
		}
		return t.disk != nil && len(t.disk.entries) > 0
	}
	return t.dirs[dir]
}

// outsideLink returns the skipped symlink that p is, or lies below, if any.
func (t *Tree) outsideLink(p string) (string, bool) {
	for cur := p; cur != "." && cur != "/" && cur != ""; cur = path.Dir(cur) {
		if _, ok := t.outside[cur]; ok {
			return cur, true
		}
	}
	return "", false
}

// fileSystem is the tree as kustomize's filesystem rooted at "/": a
// read-only view, shared by every render of the tree.
func (t *Tree) fileSystem() (filesys.FileSystem, error) {
	return treeFS{t: t}, nil
}

// cleanRel normalizes a tree-relative path and refuses absolute paths and
// paths that leave the tree.
func cleanTreePath(name string) (string, error) {
	name = strings.ReplaceAll(name, "\\", "/")
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("path %q is absolute", name)
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." {
			return "", fmt.Errorf("path %q leaves the tree", name)
		}
	}
	c := path.Clean(name)
	if c == "." {
		return "", fmt.Errorf("path %q names no file", name)
	}
	return c, nil
}

type parsedFile struct {
	docs []*yaml.Node
	err  error
}

// parse returns the documents of the YAML file at p, parsed once per tree
// and checked for alias bombs; the nodes must not be modified.
func (t *Tree) parse(p string) ([]*yaml.Node, error) { return t.parseKeeping(p, true) }

// parseUncached is parse without keeping what it parsed.
func (t *Tree) parseUncached(p string) ([]*yaml.Node, error) { return t.parseKeeping(p, false) }

func (t *Tree) parseKeeping(p string, keep bool) ([]*yaml.Node, error) {
	if v, ok := t.parsed.Load(p); ok {
		pf := v.(*parsedFile)
		return pf.docs, pf.err
	}
	data, err := t.content(p)
	if err != nil {
		return nil, err
	}
	docs, err := parseYAML(p, data)
	if keep && len(data) <= maxCachedParse {
		t.parsed.Store(p, &parsedFile{docs: docs, err: err})
	}
	return docs, err
}

// maxCachedParse is the largest file whose parse a tree keeps. Parsed
// YAML takes about ten times the file's size and a tree lives as long as
// its reviews, so large files (CRDs, dashboards) are parsed again when
// asked for instead: the parse is cheap beside kustomize's own, and
// keeping it made one big overlay cost half as much memory again as
// kustomize build. Small shared bases stay cached for the many overlays
// that read them.
const maxCachedParse = 16 << 10

// parsedKust returns the parsed kustomization file at p.
func (t *Tree) parsedKust(p string) (*kustDoc, error) {
	if v, ok := t.kusts.Load(p); ok {
		return v.(*kustDoc), nil
	}
	docs, err := t.parse(p)
	if err != nil {
		return nil, err
	}
	k := &kustDoc{file: p}
	if len(docs) > 0 {
		k.doc = docs[0]
		if err := k.doc.Decode(&k.k); err != nil {
			return nil, fmt.Errorf("parsing %s: %w", p, err)
		}
	}
	t.kusts.Store(p, k)
	return k, nil
}
