package bot

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"sort"
	"strings"

	"github.com/kustoguard/kustoguard/render"
)

// tarGz builds a gzip-compressed tar with GitHub's single top folder.
func tarGz(top string, files map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		hdr := &tar.Header{Name: top + "/" + p, Mode: 0o644, Size: int64(len(files[p])), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(files[p]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// loadTarGz is render.LoadTarGz, or a plain reader of the fake's tarballs
// while the renderer's loader is not available.
func loadTarGz(r io.Reader, lim render.Limits) (*render.Tree, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	t, err := render.LoadTarGz(bytes.NewReader(data), lim)
	if err == nil || !strings.Contains(err.Error(), "not implemented") {
		return t, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		_, rest, _ := strings.Cut(hdr.Name, "/")
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		files[rest] = b
	}
	return render.FromFiles(files, lim)
}
