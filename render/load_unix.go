//go:build unix

package render

import (
	"io/fs"
	"os"
	"syscall"
)

// fileID identifies a file across its names; links counts those names.
func fileID(info fs.FileInfo) (id [2]uint64, links uint64, ok bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return id, 0, false
	}
	return [2]uint64{uint64(st.Dev), uint64(st.Ino)}, uint64(st.Nlink), true //nolint:unconvert // widths differ by platform
}

// openInRoot opens name below root for a lazy read. The root never
// resolves a name outside itself; O_NOFOLLOW keeps the last element from
// being a link anywhere else either.
func openInRoot(root *os.Root, name string) (*os.File, error) {
	return root.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
}
