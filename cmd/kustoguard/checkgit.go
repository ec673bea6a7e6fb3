package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
)

// loadGitSides reads two revisions of the work tree at opt.repo (the head
// may be the working tree itself) and lists the paths that differ, both
// sides of a rename included.
func loadGitSides(ctx context.Context, opt checkOptions, deps checkDeps, lim render.Limits) (checks.ReviewInput, error) {
	var in checks.ReviewInput
	top, err := git(ctx, opt.repo, "rev-parse", "--show-toplevel")
	if err != nil {
		return in, fmt.Errorf("finding the git work tree of %s: %w", opt.repo, err)
	}
	top = strings.TrimSpace(top)

	baseRev, baseName := opt.base, opt.base
	if baseRev == "" {
		branch, err := defaultBranch(ctx, top)
		if err != nil {
			return in, err
		}
		mb, err := git(ctx, top, "merge-base", "HEAD", branch)
		if err != nil {
			return in, fmt.Errorf("finding the merge-base of HEAD and %s: %w", branch, err)
		}
		baseRev, baseName = strings.TrimSpace(mb), branch
	}
	for _, rev := range []string{baseRev, opt.head} {
		if rev == "" {
			continue
		}
		if _, err := git(ctx, top, "rev-parse", "--verify", "--quiet", rev+"^{commit}"); err != nil {
			return in, fmt.Errorf("unknown revision %q in %s", rev, top)
		}
	}

	in.BaseName = baseName
	if in.Base, err = deps.loadRev(ctx, top, baseRev, lim); err != nil {
		return in, fmt.Errorf("reading %s: %w", baseName, err)
	}
	if opt.head == "" {
		in.HeadName = worktreeName
		if in.Head, err = deps.loadDir(top, lim); err != nil {
			return in, fmt.Errorf("reading the working tree %s: %w", top, err)
		}
	} else {
		in.HeadName = opt.head
		if in.Head, err = deps.loadRev(ctx, top, opt.head, lim); err != nil {
			return in, fmt.Errorf("reading %s: %w", opt.head, err)
		}
	}
	in.Changed, err = gitChanged(ctx, top, baseRev, opt.head)
	return in, err
}

// defaultBranch is origin's HEAD when the clone knows it, else main, else
// master.
func defaultBranch(ctx context.Context, top string) (string, error) {
	if ref, err := git(ctx, top, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"); err == nil {
		if ref = strings.TrimSpace(ref); ref != "" {
			return ref, nil
		}
	}
	for _, b := range []string{"main", "master"} {
		if _, err := git(ctx, top, "rev-parse", "--verify", "--quiet", "refs/heads/"+b); err == nil {
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
