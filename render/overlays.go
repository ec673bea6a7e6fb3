package render

import (
	"bytes"
	"maps"
	"slices"
	"sort"
)

// Overlays returns the kustomization roots worth rendering, sorted: the
// directories matching include (path globs, "**" allowed) or, when include
// is empty, every kustomization no other one refers to and every one an
// Argo CD Application or ApplicationSet or a Flux Kustomization of the
// tree deploys; minus those matching ignore. Components are never
// overlays. A directory holding more than one kustomization file, or a
// malformed glob, is an error.
func Overlays(t *Tree, include, ignore []string) ([]string, error) {
	s := newSide(t)
	g := buildGraph(s, parseAll(s))
	set, err := g.overlays(include, ignore, g.deployedRoots(deployers(t)))
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(set)), nil
}

// Selected is an overlay chosen for review, and why.
type Selected struct {
	Dir string
	// Reason says, for people, why the directory is an overlay root and
	// which change reaches it: "not used by another kustomization;
	// apps/api/deployment.yaml changed".
	Reason string
}

// Affected returns, sorted, the overlays of base or head whose inputs (the
// transitive closure of files their kustomizations name) contain one of the
// changed paths on either side. When a reference cannot be resolved
// statically it errs towards selecting the overlay. Renamed files are
// passed as both their old and new paths. Either tree may be nil (no
// kustomizations on that side).
func Affected(base, head *Tree, include, ignore []string, changed []string) ([]string, error) {
	sel, err := AffectedWhy(base, head, include, ignore, changed)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(sel))
	for i, s := range sel {
		out[i] = s.Dir
	}
	return out, nil
}

// AffectedWhy is Affected with the reason each overlay was selected. A
// directory that is a Component on either side is never selected: it is
// reviewed through the overlays that use it.
func AffectedWhy(base, head *Tree, include, ignore []string, changed []string) ([]Selected, error) {
	sides := []side{newSide(base), newSide(head)}
	cache := parseAll(sides...)
	reasons := map[string]string{}
	components := map[string]bool{}
	for _, s := range sides {
		g := buildGraph(s, cache)
		want, err := g.overlays(include, ignore, g.deployedRoots(deployers(s.tree)))
		if err != nil {
			return nil, err
		}
		reached := map[string]string{}
		g.reach(changed, want, reached)
		for dir, via := range reached {
			if reasons[dir] == "" {
				reasons[dir] = want[dir] + "; " + via
			}
		}
		for dir, n := range g.roots {
			if n.component {
				components[dir] = true
			}
		}
	}
	out := make([]Selected, 0, len(reasons))
	for dir, why := range reasons {
		if !components[dir] {
			out = append(out, Selected{Dir: dir, Reason: why})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, nil
}

// overlays picks the roots of g to render, each with why it is a root.
// deployed maps the roots a GitOps object deploys to that object.
func (g *graph) overlays(include, ignore []string, deployed map[string]string) (map[string]string, error) {
	if err := g.duplicateError(); err != nil {
		return nil, err
	}
	if err := validGlobs(include); err != nil {
		return nil, err
	}
	if err := validGlobs(ignore); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for dir, n := range g.roots {
		if n.component {
			continue
		}
		var why string
		switch {
		case len(include) > 0:
			if ok, _ := matchAny(include, dir); !ok {
				continue
			}
			why = "matches the configured overlays"
		case deployed[dir] != "":
			why = "deployed by " + deployed[dir]
		case g.referred[dir]:
			continue
		default:
			why = "not used by another kustomization"
		}
		if ok, _ := matchAny(ignore, dir); ok {
			continue
		}
		out[dir] = why
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
			if head == nil || !head.has(p) || head.fileSize(p) != base.fileSize(p) {
				out = append(out, p) // told apart without reading either
				continue
			}
			bb, _ := base.ReadFile(p)
			hb, _ := head.ReadFile(p)
			if !bytes.Equal(hb, bb) {
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
