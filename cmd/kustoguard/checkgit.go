package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
)

// loadGitSides reads two revisions of the work tree at opt.repo (the head
// may be the working tree itself) and lists the paths that differ, both
// sides of a rename included. The two sides and the list are read
// concurrently: each is mostly waiting on git.
func loadGitSides(ctx context.Context, opt checkOptions, deps checkDeps, lim render.Limits) (checks.ReviewInput, error) {
	in := checks.ReviewInput{BaseName: opt.base, HeadName: opt.head}
	baseRev := opt.base
	if baseRev == "" {
		branch, err := defaultBranch(ctx, opt.repo)
		if err != nil {
			if _, terr := resolve(ctx, opt.repo); terr != nil {
				return in, terr
			}
			return in, err
		}
		mb, err := git(ctx, opt.repo, "merge-base", "HEAD", branch)
		if err != nil {
			return in, fmt.Errorf("finding the merge-base of HEAD and %s: %w", branch, err)
		}
		baseRev, in.BaseName = strings.TrimSpace(mb), branch
	}
	top, err := resolve(ctx, opt.repo, baseRev, opt.head)
	if err != nil {
		return in, err
	}

	var wg sync.WaitGroup
	var baseErr, headErr, changedErr error
	wg.Go(func() {
		if in.Base, baseErr = deps.loadRev(ctx, top, baseRev, lim); baseErr != nil {
			baseErr = fmt.Errorf("reading %s: %w", in.BaseName, baseErr)
		}
	})
	wg.Go(func() {
		if opt.head == "" {
			in.HeadName = worktreeName
			if in.Head, headErr = loadWorktree(ctx, top, lim); headErr != nil {
				headErr = fmt.Errorf("reading the working tree %s: %w", top, headErr)
			}
			return
		}
		if in.Head, headErr = deps.loadRev(ctx, top, opt.head, lim); headErr != nil {
			headErr = fmt.Errorf("reading %s: %w", opt.head, headErr)
		}
	})
	wg.Go(func() { in.Changed, changedErr = gitChanged(ctx, top, baseRev, opt.head) })
	wg.Wait()
	return in, errors.Join(baseErr, headErr, changedErr)
}

// resolve returns the top of the work tree holding dir and checks that
// each non-empty rev names a commit, in one git call when all is well.
func resolve(ctx context.Context, dir string, revs ...string) (string, error) {
	args := []string{"rev-parse", "--show-toplevel"}
	for _, rev := range revs {
		if strings.HasPrefix(rev, "-") {
			return "", fmt.Errorf("invalid revision %q", rev)
		}
		if rev != "" {
			args = append(args, rev+"^{commit}")
		}
	}
	out, err := git(ctx, dir, args...)
	if err == nil {
		return strings.TrimSpace(strings.SplitN(out, "\n", 2)[0]), nil
	}
	if _, terr := git(ctx, dir, "rev-parse", "--show-toplevel"); terr != nil {
		return "", fmt.Errorf("finding the git work tree of %s: %w", dir, terr)
	}
	for _, rev := range revs {
		if rev == "" {
			continue
		}
		if _, rerr := git(ctx, dir, "rev-parse", "--verify", "--quiet", rev+"^{commit}"); rerr != nil {
			return "", fmt.Errorf("unknown revision %q in %s", rev, dir)
		}
	}
	return "", fmt.Errorf("resolving revisions: %w", err)
}

// loadWorktree reads the files git sees in the working tree: tracked ones
// as they are on disk (deleted ones left out) and untracked ones .gitignore
// does not exclude. These are the files the changed paths come from, and
// build output or other ignored files can neither bloat nor break the
// review. Symlinks are followed only within the work tree.
func loadWorktree(ctx context.Context, top string, lim render.Limits) (*render.Tree, error) {
	out, err := git(ctx, top, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	if err != nil {
		return nil, fmt.Errorf("listing the working tree: %w", err)
	}
	realTop, err := filepath.EvalSymlinks(top)
	if err != nil {
		return nil, fmt.Errorf("reading the working tree: %w", err)
	}
	files := map[string][]byte{}
	var total int64
	for _, rel := range strings.Split(out, "\x00") {
		if _, seen := files[rel]; rel == "" || seen {
			continue
		}
		full, fi, err := worktreeFile(realTop, rel)
		if err != nil {
			return nil, err
		}
		if fi == nil {
			continue
		}
		if fi.Size() > lim.MaxFileSize {
			return nil, fmt.Errorf("reading %s: over the size limit of %d bytes", rel, lim.MaxFileSize)
		}
		if total += fi.Size(); total > lim.MaxBytes {
			return nil, fmt.Errorf("reading the working tree: over the size limit of %d bytes at %s", lim.MaxBytes, rel)
		}
		b, err := os.ReadFile(full)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", rel, err)
		}
		files[rel] = b
	}
	return render.FromFiles(files, lim)
}

// worktreeFile finds the regular file behind rel; a nil FileInfo means
// there is none to read (deleted, a submodule, a dangling link or one
// leading out of the tree).
func worktreeFile(realTop, rel string) (string, fs.FileInfo, error) {
	full := filepath.Join(realTop, filepath.FromSlash(rel))
	fi, err := os.Lstat(full)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("reading %s: %w", rel, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(full)
		if err != nil {
			return "", nil, nil
		}
		if r, err := filepath.Rel(realTop, target); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return "", nil, nil
		}
		if fi, err = os.Stat(target); err != nil {
			return "", nil, nil
		}
		full = target
	}
	if !fi.Mode().IsRegular() {
		return "", nil, nil
	}
	return full, fi, nil
}

// defaultBranch is origin's HEAD when the clone knows it, else main, else
// master.
func defaultBranch(ctx context.Context, dir string) (string, error) {
	if ref, err := git(ctx, dir, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"); err == nil {
		if ref = strings.TrimSpace(ref); ref != "" {
			return ref, nil
		}
	}
	for _, b := range []string{"main", "master"} {
		if _, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", "refs/heads/"+b); err == nil {
			return b, nil
		}
	}
	return "", errors.New("finding the default branch: no origin/HEAD, main or master; pass --base")
}

// gitChanged lists the paths that differ between base and head (the working
// tree, untracked files included, when head is empty), sorted.
func gitChanged(ctx context.Context, top, base, head string) ([]string, error) {
	args := []string{"diff", "--name-status", "-z", "-M", base}
	if head != "" {
		args = append(args, head)
	}
	out, err := git(ctx, top, args...)
	if err != nil {
		return nil, fmt.Errorf("listing changed files: %w", err)
	}
	set := map[string]bool{}
	fields := strings.Split(strings.TrimSuffix(out, "\x00"), "\x00")
	for i := 0; i < len(fields); {
		status := fields[i]
		if status == "" {
			i++
			continue
		}
		// Renames and copies name two paths, every other status one.
		n := 1
		if status[0] == 'R' || status[0] == 'C' {
			n = 2
		}
		for j := 1; j <= n && i+j < len(fields); j++ {
			set[fields[i+j]] = true
		}
		i += n + 1
	}
	if head == "" {
		untracked, err := git(ctx, top, "ls-files", "-z", "--others", "--exclude-standard")
		if err != nil {
			return nil, fmt.Errorf("listing untracked files: %w", err)
		}
		for _, p := range strings.Split(untracked, "\x00") {
			if p != "" {
				set[p] = true
			}
		}
	}
	paths := make([]string, 0, len(set))
	for p := range set {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths, nil
}

// git runs git in dir and returns its stdout; the error carries git's
// first line of complaint.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := firstLine(stderr.String()); msg != "" {
			return "", fmt.Errorf("git %s: %s", args[0], msg)
		}
		return "", fmt.Errorf("git %s: %w", args[0], err)
	}
	return stdout.String(), nil
}
