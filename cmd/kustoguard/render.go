package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kustoguard/kustoguard/render"
)

// runRender renders one kustomization like `kustomize build DIR`, reading
// nothing outside ROOT.
func runRender(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "", "the tree the renderer may read (default: the git work tree holding DIR, else the current directory)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: kustoguard render [--root ROOT] DIR")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	} else if err != nil {
		return exitUsage
	}
	if len(pos) != 1 {
		return fail(stderr, "usage: kustoguard render [--root ROOT] DIR")
	}
	dir := pos[0]
	if fi, err := os.Stat(dir); err != nil {
		return fail(stderr, "render: %s: no such directory", dir)
	} else if !fi.IsDir() {
		return fail(stderr, "render: %s is not a directory: name the directory holding the kustomization", dir)
	}
	hint := ""
	if *root == "" {
		*root = defaultRoot(ctx, dir)
		hint = " (the default root; --root names a wider one)"
	}
	rel, err := relativeTo(*root, dir)
	if err != nil {
		return fail(stderr, "render: %v%s", err, hint)
	}
	tree, err := render.LoadDir(*root, render.DefaultLimits())
	if err != nil {
		return fail(stderr, "render: %v", err)
	}
	// Streamed: a big overlay's stream is never held whole in memory.
	out := bufio.NewWriterSize(stdout, 64<<10)
	err = tree.RenderYAMLTo(ctx, rel, out)
	if rerr := (*render.Error)(nil); errors.As(err, &rerr) {
		msg := oneLine(err.Error())
		if hint != "" && strings.Contains(msg, "leaves the tree") {
			msg += fmt.Sprintf("; the renderer reads only %s%s", *root, hint)
		}
		return fail(stderr, "render: %s", msg)
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return fail(stderr, "render: writing output: %v", err)
	}
	return exitOK
}

// defaultRoot is the git work tree holding dir, else the current directory.
func defaultRoot(ctx context.Context, dir string) string {
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--show-toplevel")
	if out, err := cmd.Output(); err == nil {
		if top := strings.TrimSpace(string(out)); top != "" {
			return top
		}
	}
	if wd, err := os.Getwd(); err == nil {
		return wd
	}
	return "."
}

// relativeTo expresses dir relative to root, resolving symlinks on both so
// that /tmp and /private/tmp style aliases agree.
func relativeTo(root, dir string) (string, error) {
	absRoot, err := realAbs(root)
	if err != nil {
		return "", err
	}
	absDir, err := realAbs(dir)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absRoot, absDir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", &outsideError{dir: dir, root: root}
	}
	return filepath.ToSlash(rel), nil
}

type outsideError struct{ dir, root string }

func (e *outsideError) Error() string { return e.dir + " is outside the root " + e.root }

func realAbs(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
