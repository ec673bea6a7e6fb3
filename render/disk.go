package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// diskFiles is the part of a tree LoadDir left on disk: the walk recorded
// each file's name, size and identity, and its content is read only when
// a render, a diff or a rule asks for it, then dropped. A render of one
// overlay in a large repository reads what `kustomize build` reads.
type diskFiles struct {
	// root is the directory as an os.Root: no read through it resolves
	// outside the directory, whatever is renamed or linked meanwhile.
	root    *os.Root
	entries map[string]diskFile
	maxSize int64
}

// diskFile is one file of the walk. For a symlink inside the tree, open
// names its target.
type diskFile struct {
	open  string
	size  int64
	id    [2]uint64
	hasID bool
}

// openDiskFile opens a file for a lazy read; tests replace it.
var openDiskFile = openInRoot

// errChanged reports a file replaced since the walk recorded it.
var errChanged = errors.New("the file changed while the tree was being reviewed")

// read returns the content of the file recorded as f. It must still be
// the file the walk met (same device and inode, regular, within the size
// limit): a name swapped for another file, or for a link to one outside
// the tree, is refused rather than read.
func (d *diskFiles) read(f diskFile) ([]byte, error) {
	fh, err := openDiskFile(d.root, f.open)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, errChanged
	}
	if id, _, ok := fileID(info); f.hasID && (!ok || id != f.id) {
		return nil, errChanged
	}
	var r io.Reader = fh
	if d.maxSize > 0 {
		r = io.LimitReader(fh, d.maxSize+1)
	}
	// Sized from the file so that a big manifest is read without the
	// copies growing a buffer would make.
	buf := bytes.NewBuffer(make([]byte, 0, max(info.Size(), 0)+bytes.MinRead))
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if d.maxSize > 0 && int64(len(data)) > d.maxSize {
		return nil, fmt.Errorf("%w: it grew over the file size limit of %d bytes", errChanged, d.maxSize)
	}
	return data, nil
}

// readError is how a lazy read failure is told: the path, without the
// absolute directory the os error carries.
func readError(p string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("reading %s: %w", p, err)
}
