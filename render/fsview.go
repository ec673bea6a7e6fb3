package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// treeFS is kustomize's filesys.FileSystem as a read-only view of a Tree
// rooted at "/". Nothing is copied, so any name the tree holds works (the
// in-memory filesystem kustomize ships accepts only [a-zA-Z0-9-_.:] and no
// ".." inside a name), and a render reads only the files it asks for. It
// follows kyaml's fsNode in every answer krusty depends on: relative
// paths are taken from "/", ".." never climbs above "/", and error texts
// are the same. It holds no state, so concurrent renders share it.
type treeFS struct{ t *Tree }

var _ filesys.FileSystem = treeFS{}

// node kinds of a looked-up path.
type nodeKind int

const (
	kindNone nodeKind = iota
	kindFile
	kindDir
)

// lookup resolves path the way fsNode.Find does: "" is nothing, "/" and
// "." are the root, anything else is cleaned relative to the root. It
// returns the tree path ("" for the root) and what lives there. The error
// is fsNode's for a path that descends through a file.
func (v treeFS) lookup(name string) (string, nodeKind, error) {
	if name == "" {
		return "", kindNone, nil
	}
	if name == filesys.Separator || name == filesys.SelfDir {
		return "", kindDir, nil
	}
	p := filepath.ToSlash(filepath.Clean(filesys.StripLeadingSeps(name)))
	if p == "." {
		return "", kindDir, nil
	}
	if p == ".." || strings.HasPrefix(p, "../") {
		return p, kindNone, nil // nothing lives above the root
	}
	if v.t.has(p) {
		return p, kindFile, nil
	}
	if _, ok := v.t.oversize[p]; ok {
		return p, kindFile, nil // exists; reading it says why it cannot be read
	}
	if v.t.isDir(p) {
		return p, kindDir, nil
	}
	// A path below a file is a structural error in fsNode, naming the
	// file as the directory it is not.
	for d := path.Dir(p); d != "."; d = path.Dir(d) {
		if v.t.has(d) {
			return p, kindNone, fmt.Errorf("'%s' is not a directory", "/"+d)
		}
	}
	return p, kindNone, nil
}

// refused explains why a path the tree knows of cannot be read: it is a
// symlink or hard link out of the tree (or below one), a file over the
// size limit, or a file or directory the loader could not read.
func (v treeFS) refused(p string) error {
	if l, ok := v.t.outsideLink(p); ok {
		return fmt.Errorf("'%s' is a symlink that points outside the tree (%s)", "/"+l, v.t.outside[l])
	}
	if size, ok := v.t.oversize[p]; ok {
		return fmt.Errorf("'%s' is over the file size limit of %d bytes (%d bytes)", "/"+p, v.t.lim.MaxFileSize, size)
	}
	for cur := p; cur != "." && cur != ""; cur = path.Dir(cur) {
		if why, ok := v.t.unreadable[cur]; ok {
			return fmt.Errorf("'%s' could not be read: %s", "/"+cur, why)
		}
	}
	return nil
}

type notExistError string

func (e notExistError) Error() string { return fmt.Sprintf("'%s' doesn't exist", string(e)) }
func (e notExistError) Unwrap() error { return os.ErrNotExist }

func (v treeFS) Exists(name string) bool {
	_, k, err := v.lookup(name)
	return err == nil && k != kindNone
}

func (v treeFS) IsDir(name string) bool {
	_, k, err := v.lookup(name)
	return err == nil && k == kindDir
}

// CleanedAbs is where krusty's root-only restriction starts: the directory
// it returns must be the real parent, as it is in a tree without symlinks
// (the loaders resolve in-tree links to copies, and never keep others).
func (v treeFS) CleanedAbs(name string) (filesys.ConfirmedDir, string, error) {
	p, k, err := v.lookup(name)
	if err != nil {
		return "", "", fmt.Errorf("unable to clean: %w", err)
	}
	switch k {
	case kindDir:
		return filesys.ConfirmedDir("/" + p), "", nil
	case kindFile:
		return filesys.ConfirmedDir(path.Join("/", path.Dir(p))), path.Base(p), nil
	}
	if err := v.refused(p); err != nil {
		return "", "", err
	}
	return "", "", notExistError(name)
}

func (v treeFS) ReadFile(name string) ([]byte, error) {
	p, k, err := v.lookup(name)
	if err != nil {
		return nil, err
	}
	switch k {
	case kindDir:
		// fsNode names the node it searched from, the root.
		return nil, fmt.Errorf("cannot read content from non-file '%s'", filesys.Separator)
	case kindNone:
		if err := v.refused(p); err != nil {
			return nil, err
		}
		return nil, notExistError(name)
	}
	if err := v.refused(p); err != nil {
		return nil, err
	}
	if b, ok := v.t.files[p]; ok {
		// A copy, as fsNode gives: callers may modify it, the tree is shared.
		return bytes.Clone(b), nil
	}
	b, err := v.t.content(p)
	if err != nil {
		return nil, fmt.Errorf("'%s' could not be read: %w", "/"+p, errors.Unwrap(err))
	}
	return b, nil // read now, for this caller alone
}

func (v treeFS) ReadDir(name string) ([]string, error) {
	p, k, err := v.lookup(name)
	if err != nil || k == kindNone {
		return nil, notExistError(name)
	}
	if k != kindDir {
		return nil, fmt.Errorf("%s is not a directory", name)
	}
	return append([]string(nil), v.t.index().children[p]...), nil
}

func (v treeFS) Open(name string) (filesys.File, error) {
	p, k, err := v.lookup(name)
	if err != nil {
		return nil, err
	}
	if k == kindDir {
		// fsNode opens a directory; reading it fails.
		return &viewFile{dir: true, info: viewInfo{name: path.Base("/" + p), dir: true}}, nil
	}
	data, err := v.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return &viewFile{data: data, info: viewInfo{name: path.Base(p), size: int64(len(data))}}, nil
}

// Walk visits name and everything below it in lexical order, with paths
// as fsNode gives them (absolute, from "/").
func (v treeFS) Walk(name string, fn filepath.WalkFunc) error {
	p, k, err := v.lookup(name)
	if err != nil {
		return err
	}
	if k == kindNone {
		return notExistError(name)
	}
	err = v.walk(p, k, fn)
	if errors.Is(err, filepath.SkipDir) {
		return nil
	}
	return err
}

func (v treeFS) walk(p string, k nodeKind, fn filepath.WalkFunc) error {
	info := viewInfo{name: path.Base("/" + p), dir: k == kindDir}
	if k == kindFile {
		info.size = v.t.fileSize(p)
	}
	if err := fn(path.Join("/", p), info, nil); err != nil || k == kindFile {
		return err
	}
	for _, c := range v.t.index().children[p] {
		cp := path.Join(p, c)
		ck := kindFile
		if v.t.isDir(cp) {
			ck = kindDir
		}
		if err := v.walk(cp, ck, fn); err != nil {
			if errors.Is(err, filepath.SkipDir) {
				break
			}
			return err
		}
	}
	return nil
}

// Glob matches files (never directories) with filepath.Match against
// their absolute paths, leaving hidden files out unless the pattern's
// last element is hidden itself, sorted: fsNode's rules. Only the files
// under the pattern's literal directory prefix are tried.
func (v treeFS) Glob(pattern string) ([]string, error) {
	if _, err := filepath.Match(pattern, ""); err != nil {
		return nil, err
	}
	prefix := pattern
	if i := strings.IndexAny(prefix, `*?[\`); i >= 0 {
		prefix = prefix[:i]
	}
	prefix = strings.TrimPrefix(prefix[:strings.LastIndex(prefix, "/")+1], "/")
	idx := v.t.index()
	i := sort.SearchStrings(idx.sorted, prefix)
	var out []string
	for ; i < len(idx.sorted) && strings.HasPrefix(idx.sorted[i], prefix); i++ {
		full := "/" + idx.sorted[i]
		if ok, _ := filepath.Match(pattern, full); ok {
			out = append(out, full)
		}
	}
	if !filesys.IsHiddenFilePath(pattern) {
		out = filesys.RemoveHiddenFiles(out)
	}
	return out, nil
}

func (treeFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (treeFS) Mkdir(string) error                  { return errReadOnly }
func (treeFS) MkdirAll(string) error               { return errReadOnly }
func (treeFS) RemoveAll(string) error              { return errReadOnly }
func (treeFS) WriteFile(string, []byte) error      { return errReadOnly }

// viewFile is an opened file of the view: readable, never writable.
type viewFile struct {
	data []byte
	off  int
	dir  bool
	info viewInfo
}

func (f *viewFile) Read(b []byte) (int, error) {
	if f.dir {
		return 0, fmt.Errorf("cannot read content from non-file '%s'", "/"+f.info.name)
	}
	if f.off >= len(f.data) {
		return 0, io.EOF
	}
	n := copy(b, f.data[f.off:])
	f.off += n
	return n, nil
}

func (f *viewFile) Write([]byte) (int, error)  { return 0, errReadOnly }
func (f *viewFile) Close() error               { return nil }
func (f *viewFile) Stat() (os.FileInfo, error) { return f.info, nil }

type viewInfo struct {
	name string
	size int64
	dir  bool
}

func (i viewInfo) Name() string { return i.name }
func (i viewInfo) Size() int64  { return i.size }
func (i viewInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i viewInfo) ModTime() time.Time { return time.Time{} }
func (i viewInfo) IsDir() bool        { return i.dir }
func (i viewInfo) Sys() any           { return nil }

// treeIndex lists what directory walks and globs need, built on first
// use: most renders never ask.
type treeIndex struct {
	sorted   []string            // every file path
	children map[string][]string // directory ("" for the root) → sorted names
}

func (t *Tree) index() *treeIndex {
	t.idxOnce.Do(func() {
		idx := &treeIndex{children: map[string][]string{}}
		idx.sorted = t.Files()
		seen := map[string]bool{}
		add := func(p string) {
			for !seen[p] && p != "." {
				seen[p] = true
				d := path.Dir(p)
				key := d
				if d == "." {
					key = ""
				}
				idx.children[key] = append(idx.children[key], path.Base(p))
				p = d
			}
		}
		for _, p := range idx.sorted {
			add(p)
		}
		for p := range t.oversize {
			add(p)
		}
		for _, names := range idx.children {
			sort.Strings(names)
		}
		t.idx = idx
	})
	return t.idx
}
