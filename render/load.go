package render

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// builder accumulates files under limits while a loader streams them in.
type builder struct {
	lim   Limits
	files map[string][]byte
	// disk holds the files LoadDir walked, to be read when needed.
	disk    map[string]diskFile
	outside map[string]string
	links   map[string]string // in-tree symlink → target, resolved at the end
	// oversize holds files over MaxFileSize, skipped unread so that an
	// unrelated large file does not spoil the tree; a kustomization naming
	// one gets an error. Their sizes still count toward MaxBytes.
	oversize map[string]int64
	// unreadable holds the files and directories LoadDir could not read
	// (path → why), so that only a render needing one fails.
	unreadable map[string]string
	total      int64
}

func newBuilder(lim Limits) *builder {
	return &builder{lim: lim, files: map[string][]byte{}, outside: map[string]string{}, links: map[string]string{}, oversize: map[string]int64{}, unreadable: map[string]string{}}
}

func (b *builder) checkCount(name string) error {
	if b.lim.MaxFiles > 0 && len(b.files)+len(b.disk) >= b.lim.MaxFiles {
		return fmt.Errorf("reading %s: tree holds more than the limit of %d files", name, b.lim.MaxFiles)
	}
	return nil
}

func (b *builder) checkSize(name string, n int64) error {
	if b.lim.MaxBytes > 0 && b.total+n > b.lim.MaxBytes {
		return fmt.Errorf("reading %s: tree is over the limit of %d bytes in total", name, b.lim.MaxBytes)
	}
	return nil
}

// skipOversize records a file over MaxFileSize without reading it, and
// reports whether it did so.
func (b *builder) skipOversize(p string, size int64) (bool, error) {
	if b.lim.MaxFileSize <= 0 || size <= b.lim.MaxFileSize {
		return false, nil
	}
	if b.lim.MaxBytes > 0 && b.total+size > b.lim.MaxBytes {
		return false, fmt.Errorf("reading %s: tree is over the limit of %d bytes in total", p, b.lim.MaxBytes)
	}
	b.oversize[p] = size
	b.total += size
	return true, nil
}

// countSkipped adds the size of an entry that is not kept to the total.
func (b *builder) countSkipped(p string, size int64) error {
	if size <= 0 {
		return nil
	}
	if err := b.checkSize(p, size); err != nil {
		return err
	}
	b.total += size
	return nil
}

func (b *builder) addBytes(name string, data []byte) error {
	p, err := cleanTreePath(name)
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	if err := b.checkCount(p); err != nil {
		return err
	}
	if skip, err := b.skipOversize(p, int64(len(data))); skip || err != nil {
		return err
	}
	if err := b.checkSize(p, int64(len(data))); err != nil {
		return err
	}
	if old, ok := b.files[p]; ok {
		b.total -= int64(len(old))
	}
	b.files[p] = data
	b.total += int64(len(data))
	return nil
}

// addReader reads one file, never more than the limits allow, so a huge or
// endless stream costs at most MaxFileSize+1 bytes of memory.
func (b *builder) addReader(p string, r io.Reader) error {
	if err := b.checkCount(p); err != nil {
		return err
	}
	max := b.lim.MaxFileSize
	if rest := b.lim.MaxBytes - b.total; b.lim.MaxBytes > 0 && (max <= 0 || rest < max) {
		max = rest
	}
	if max > 0 {
		r = io.LimitReader(r, max+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("reading %s: %w", p, err)
	}
	return b.addBytes(p, data)
}

// addLink records a symlink at p whose link text is target. Links whose
// target leaves the tree are recorded as outside and never read.
func (b *builder) addLink(p, target string) {
	if path.IsAbs(target) {
		b.outside[p] = target
		return
	}
	resolved := path.Join(path.Dir(p), target)
	if resolved == ".." || strings.HasPrefix(resolved, "../") {
		b.outside[p] = target
		return
	}
	b.links[p] = resolved
}

// resolveLinks gives in-tree symlinks the content of their targets, following
// chains a bounded number of times; links to outside-links become outside.
func (b *builder) resolveLinks() error {
	for range 8 {
		progressed := false
		for p, target := range b.links {
			if data, ok := b.files[target]; ok {
				if err := b.addBytes(p, data); err != nil {
					return err
				}
				delete(b.links, p)
				progressed = true
			} else if _, ok := b.outside[target]; ok {
				b.outside[p] = target
				delete(b.links, p)
				progressed = true
			}
		}
		if !progressed {
			break
		}
	}
	return nil // links to directories or missing files are skipped
}

func (b *builder) tree() *Tree {
	t := &Tree{files: b.files, outside: b.outside, oversize: b.oversize, unreadable: b.unreadable, lim: b.lim, dirs: map[string]bool{}}
	mark := func(p string) {
		for d := path.Dir(p); d != "." && !t.dirs[d]; d = path.Dir(d) {
			t.dirs[d] = true
		}
	}
	for p := range b.files {
		mark(p)
	}
	for p := range b.disk {
		mark(p)
	}
	for p := range b.oversize {
		mark(p)
	}
	return t
}

// LoadDir walks the directory root and records its files; their content
// is read when a render, a diff or a rule asks for it (see diskFiles), so
// a render reads what `kustomize build` reads and not the whole
// repository. A symlink counts as its target's content only when the
// target resolves inside root, otherwise it is skipped and remembered.
// Nothing outside root is read: a file with several hard links is kept
// only when the walk met all of its names inside root (a link to a file
// elsewhere, say ~/.ssh/id_rsa, cannot be told from the file itself, so
// it is refused like a symlink out of the tree), and every read goes
// through an os.Root and must find the file the walk met. Files and
// directories that cannot be read are remembered, not fatal: only a
// render that needs one fails. .git directories are skipped.
func LoadDir(root string, lim Limits) (*Tree, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", root, err)
	}
	realRoot, err = filepath.Abs(realRoot)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", root, err)
	}
	dir, err := os.OpenRoot(realRoot)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", root, err)
	}
	l := &dirLoader{b: newBuilder(lim), names: map[[2]uint64]uint64{}}
	l.b.disk = map[string]diskFile{}
	err = filepath.WalkDir(realRoot, func(full string, d fs.DirEntry, err error) error {
		rel, relErr := filepath.Rel(realRoot, full)
		if relErr != nil {
			return relErr
		}
		rel = filepath.ToSlash(rel)
		if err != nil {
			if rel == "." {
				return err
			}
			l.b.unreadable[rel] = osReason(err)
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case rel == ".":
			return nil
		case d.IsDir():
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			return l.addLink(realRoot, full, rel)
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				l.b.unreadable[rel] = osReason(err)
				return nil
			}
			return l.addFile(rel, rel, info, true)
		}
		return nil // devices, sockets, fifos
	})
	if err == nil {
		err = l.addLinked()
	}
	if err != nil {
		dir.Close()
		return nil, fmt.Errorf("loading %s: %w", root, err)
	}
	t := l.b.tree()
	// The root's descriptor is closed with it, once no tree (nor a copy
	// with remote sources mounted) holds it.
	t.disk = &diskFiles{root: dir, entries: l.b.disk, maxSize: lim.MaxFileSize}
	return t, nil
}

// dirLoader is LoadDir's state: files with several hard links wait until
// the walk has counted their names.
type dirLoader struct {
	b       *builder
	names   map[[2]uint64]uint64 // file identity → names met inside root
	pending []linkedFile
}

type linkedFile struct {
	rel, open string
	info      fs.FileInfo
}

// osReason is an error without the absolute path os errors carry.
func osReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// addFile records the regular file at open (a path below the root) as
// rel. walked says open is a name the walk met (not a symlink's target),
// to count toward its hard links.
func (l *dirLoader) addFile(rel, open string, info fs.FileInfo, walked bool) error {
	if _, links, ok := fileID(info); ok && links > 1 {
		if walked {
			id, _, _ := fileID(info)
			l.names[id]++
		}
		l.pending = append(l.pending, linkedFile{rel: rel, open: open, info: info})
		return nil
	}
	return l.record(rel, open, info)
}

// record keeps rel for reading later, under the limits.
func (l *dirLoader) record(rel, open string, info fs.FileInfo) error {
	size := info.Size()
	if skip, err := l.b.skipOversize(rel, size); skip || err != nil {
		return err
	}
	if err := l.b.checkCount(rel); err != nil {
		return err
	}
	if err := l.b.checkSize(rel, size); err != nil {
		return err
	}
	f := diskFile{open: open, size: size}
	f.id, _, f.hasID = fileID(info)
	l.b.disk[rel] = f
	l.b.total += size
	return nil
}

// addLinked keeps the hard-linked files whose every name is inside root.
func (l *dirLoader) addLinked() error {
	for _, p := range l.pending {
		id, links, _ := fileID(p.info)
		if l.names[id] < links {
			l.b.outside[p.rel] = "a hard link to a file outside the tree"
			continue
		}
		if err := l.record(p.rel, p.open, p.info); err != nil {
			return err
		}
	}
	return nil
}

func (l *dirLoader) addLink(realRoot, full, rel string) error {
	target, _ := os.Readlink(full)
	resolved, err := filepath.EvalSymlinks(full)
	if err != nil {
		l.b.outside[rel] = target // dangling: treat as unusable
		return nil
	}
	inside, err := filepath.Rel(realRoot, resolved)
	if err != nil || inside == ".." || strings.HasPrefix(inside, ".."+string(filepath.Separator)) || filepath.IsAbs(inside) {
		l.b.outside[rel] = target
		return nil
	}
	info, err := os.Stat(resolved)
	if err != nil || !info.Mode().IsRegular() {
		return nil // directories are not followed: no loops, no double counting
	}
	return l.addFile(rel, filepath.ToSlash(inside), info, false)
}

// LoadGitRev reads revision rev of the git repository at repoDir through
// `git archive`, under the same limits as the other loaders.
func LoadGitRev(ctx context.Context, repoDir, rev string, lim Limits) (*Tree, error) {
	if strings.HasPrefix(rev, "-") {
		return nil, fmt.Errorf("loading %s at %q: invalid revision", repoDir, rev)
	}
	cmd := exec.CommandContext(ctx, "git", "-C", repoDir, "archive", "--format=tar", rev)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("loading %s at %s: %w", repoDir, rev, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("loading %s at %s: %w", repoDir, rev, err)
	}
	t, readErr := readTar(out, lim, false)
	if readErr != nil {
		// Stop git early: the rest of the archive is not wanted.
		_ = cmd.Process.Kill()
	}
	waitErr := cmd.Wait()
	if readErr != nil {
		// When git itself failed (a missing object, say), the archive ends
		// early and the reader's complaint names an innocent file: git's
		// own message is the reason.
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("loading %s at %s: git archive: %s", repoDir, rev, msg)
		}
		return nil, fmt.Errorf("loading %s at %s: %w", repoDir, rev, readErr)
	}
	if waitErr != nil {
		return nil, fmt.Errorf("loading %s at %s: %w: %s", repoDir, rev, waitErr, strings.TrimSpace(stderr.String()))
	}
	return t, nil
}

// LoadTarGz reads a gzip-compressed tar stream. A single top-level folder
// wrapping everything (as GitHub tarballs have) is removed. Entries with
// absolute or ".." names are refused; devices and fifos are skipped.
// Reading stops as soon as a limit is crossed.
func LoadTarGz(r io.Reader, lim Limits) (*Tree, error) {
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("loading tar.gz: %w", err)
	}
	defer zr.Close()
	t, err := readTar(zr, lim, true)
	if err != nil {
		return nil, fmt.Errorf("loading tar.gz: %w", err)
	}
	return t, nil
}

func readTar(r io.Reader, lim Limits, strip bool) (*Tree, error) {
	tr := tar.NewReader(r)
	b := newBuilder(lim)
	// Directory and skipped entries are bounded too, so an archive of
	// endless empty entries still ends.
	maxEntries := 2*lim.MaxFiles + 64
	var prefix string
	single := true
	for n := 0; ; n++ {
		if lim.MaxFiles > 0 && n > maxEntries {
			return nil, fmt.Errorf("archive holds more than %d entries", maxEntries)
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading archive: %w", err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader || h.Typeflag == tar.TypeXHeader {
			continue
		}
		name := strings.TrimPrefix(h.Name, "./")
		if name == "" || name == "." {
			continue
		}
		p, err := cleanTreePath(name)
		if err != nil {
			return nil, fmt.Errorf("reading entry %q: %w", h.Name, err)
		}
		first, _, nested := strings.Cut(p, "/")
		if !nested && h.Typeflag != tar.TypeDir {
			single = false
		}
		if prefix == "" {
			prefix = first
		} else if prefix != first {
			single = false
		}
		switch h.Typeflag {
		case tar.TypeReg:
			if skip, err := b.skipOversize(p, h.Size); err != nil {
				return nil, err
			} else if skip {
				continue
			}
			if err := b.addReader(p, tr); err != nil {
				return nil, err
			}
		case tar.TypeSymlink:
			b.addLink(p, h.Linkname)
		default:
			// Entries kept out of the tree (sparse, continuation,
			// vendor types) may still carry data the reader decompresses
			// to skip; it counts toward the tree's size, so a small stream
			// cannot make it inflate gigabytes.
			if err := b.countSkipped(p, h.Size); err != nil {
				return nil, err
			}
		}
	}
	if err := b.resolveLinks(); err != nil {
		return nil, err
	}
	if strip && single && prefix != "" {
		b = stripPrefix(b, prefix+"/")
	}
	return b.tree(), nil
}

func stripPrefix(b *builder, prefix string) *builder {
	out := newBuilder(b.lim)
	out.total = b.total
	for p, data := range b.files {
		out.files[strings.TrimPrefix(p, prefix)] = data
	}
	for p, target := range b.outside {
		out.outside[strings.TrimPrefix(p, prefix)] = target
	}
	for p, size := range b.oversize {
		out.oversize[strings.TrimPrefix(p, prefix)] = size
	}
	return out
}
