package render

import (
	"bytes"
	"sort"
)

// Overlays returns the kustomization roots worth rendering, sorted: the
// directories matching include (path globs, "**" allowed) or, when include
// is empty, every kustomization no other one refers to; minus those
// matching ignore. Components are never overlays. A directory holding more
// than one kustomization file, or a malformed glob, is an error.
func Overlays(t *Tree, include, ignore []string) ([]string, error) {
	s := newSide(t)
	g := buildGraph(s, parseAll(s))
	set, err := g.overlays(include, ignore)
	if err != nil {
		return nil, err
	}
	return sortedKeys(set), nil
}

// Affected returns, sorted, the overlays of base or head whose inputs (the
// transitive closure of files their kustomizations name) contain one of the
// changed paths on either side. When a reference cannot be resolved
// statically it errs towards selecting the overlay. Renamed files are
// passed as both their old and new paths. Either tree may be nil (no
// kustomizations on that side).
func Affected(base, head *Tree, include, ignore []string, changed []string) ([]string, error) {
	sides := []side{newSide(base), newSide(head)}
	cache := parseAll(sides...)
	out := map[string]bool{}
	for _, s := range sides {
		g := buildGraph(s, cache)
		want, err := g.overlays(include, ignore)
		if err != nil {
			return nil, err
		}
		g.reach(changed, want, out)
	}
	return sortedKeys(out), nil
}

// overlays picks the roots of g to render.
func (g *graph) overlays(include, ignore []string) (map[string]bool, error) {
	if err := g.duplicateError(); err != nil {
		return nil, err
	}
	if err := validGlobs(include); err != nil {
		return nil, err
	}
	if err := validGlobs(ignore); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for dir, n := range g.roots {
		if n.component {
			continue
		}
		if len(include) > 0 {
			if ok, _ := matchAny(include, dir); !ok {
				continue
			}
		} else if g.referred[dir] {
			continue
		}
		if ok, _ := matchAny(ignore, dir); ok {
			continue
		}
		out[dir] = true
	}
	return out, nil
}

// ChangedFiles lists, sorted, the paths whose content differs between two
// trees, including files present on one side only. Either tree may be nil.
func ChangedFiles(base, head *Tree) []string {
	seen := map[string]bool{}
	var out []string
	if base != nil {
		for _, p := range base.Files() {
			seen[p] = true
			bb, _ := base.ReadFile(p)
			var hb []byte
			ok := false
			if head != nil {
				hb, ok = head.ReadFile(p)
			}
			if !ok || !bytes.Equal(hb, bb) {
				out = append(out, p)
			}
		}
	}
	if head != nil {
		for _, p := range head.Files() {
			if !seen[p] {
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
