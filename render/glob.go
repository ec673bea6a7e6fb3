package render

import (
	"fmt"
	"path"
	"strings"
)

// matchGlob reports whether the repository path name matches pattern.
// Patterns are "/"-separated; in a segment, "*", "?" and "[...]" work as in
// path.Match (never crossing "/"), and a segment "**" matches any number of
// segments, none included: "clusters/*/apps/*", "**/examples/**".
func matchGlob(pattern, name string) (bool, error) {
	pat := segments(pattern)
	segs := segments(name)
	for _, p := range pat {
		if _, err := path.Match(p, ""); err != nil {
			return false, fmt.Errorf("matching %q: %w", pattern, err)
		}
	}
	// next[j] holds whether pat[i+1:] matches segs[j:]; dynamic programming
	// keeps patterns with many "**" linear in the path length.
	next := make([]bool, len(segs)+1)
	cur := make([]bool, len(segs)+1)
	next[len(segs)] = true
	for i := len(pat) - 1; i >= 0; i-- {
		for j := len(segs); j >= 0; j-- {
			if pat[i] == "**" {
				cur[j] = next[j] || (j < len(segs) && cur[j+1])
				continue
			}
			cur[j] = false
			if j < len(segs) && next[j+1] {
				ok, _ := path.Match(pat[i], segs[j])
				cur[j] = ok
			}
		}
		next, cur = cur, next
	}
	return next[0], nil
}

// matchAny reports whether name matches one of the patterns.
func matchAny(patterns []string, name string) (bool, error) {
	for _, p := range patterns {
		ok, err := matchGlob(p, name)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// validGlobs checks every pattern's syntax up front, so that a bad
// configuration fails even when no path would reach the bad part.
func validGlobs(patterns []string) error {
	for _, p := range patterns {
		if _, err := matchGlob(p, "."); err != nil {
			return err
		}
	}
	return nil
}

// segments splits a cleaned repository path; the root has none.
func segments(p string) []string {
	p = cleanRel(p)
	if p == "." {
		return nil
	}
	return strings.Split(p, "/")
}
