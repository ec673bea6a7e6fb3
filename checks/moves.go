package checks

import (
	"context"
	"path"
	"reflect"
	"sort"

	"github.com/kustoguard/kustoguard/render"
)

// minMoveOverlap is how much of two renders must name the same objects for
// an overlay that disappeared and one that appeared to count as one moved:
// the share of their object keys in common, of all keys of either.
const minMoveOverlap = 0.5

// pairMoves joins an overlay only at base and an overlay only at head that
// render mostly the same objects into one overlay that moved: it is
// compared against its old render, so that objects already in the cluster
// are not reported as removed and added again. Pairs are made best overlap
// first, one to one; both renders must succeed.
func pairMoves(sides []overlaySides) []overlaySides {
	var gone, came []int
	for i, s := range sides {
		switch {
		case s.AtBase && !s.AtHead && s.BaseErr == nil && len(s.Base) > 0:
			gone = append(gone, i)
		case s.AtHead && !s.AtBase && s.HeadErr == nil && len(s.Head) > 0:
			came = append(came, i)
		}
	}
	if len(gone) == 0 || len(came) == 0 {
		return sides
	}
	type pair struct {
		g, c      int
		overlap   float64
		identical int  // objects equal on both sides
		sameName  bool // the same last path element
	}
	var pairs []pair
	for _, g := range gone {
		keys := objectKeys(sides[g].Base)
		for _, c := range came {
			if o := overlap(keys, objectKeys(sides[c].Head)); o >= minMoveOverlap {
				pairs = append(pairs, pair{g, c, o, identicalObjects(sides[g].Base, sides[c].Head),
					path.Base(sides[g].BaseDir) == path.Base(sides[c].HeadDir)})
			}
		}
	}
	// Overlays built from one base name the same objects: what they render
	// breaks the tie, then the directory's name.
	sort.SliceStable(pairs, func(i, j int) bool {
		a, b := pairs[i], pairs[j]
		if a.overlap != b.overlap {
			return a.overlap > b.overlap
		}
		if a.identical != b.identical {
			return a.identical > b.identical
		}
		return a.sameName && !b.sameName
	})
	used := map[int]bool{}
	for _, p := range pairs {
		if used[p.g] || used[p.c] {
			continue
		}
		used[p.g], used[p.c] = true, true
		old, moved := sides[p.g], &sides[p.c]
		moved.BaseDir, moved.AtBase, moved.Base, moved.BaseErr = old.BaseDir, true, old.Base, nil
		moved.Reason = "moved from " + old.BaseDir + "; " + moved.Reason
	}
	out := sides[:0:0]
	for i, s := range sides {
		if used[i] && !s.AtHead || s.Candidate {
			continue // the old path, now part of its moved overlay
		}
		out = append(out, s)
	}
	return out
}

// identicalObjects counts the objects of a that b has unchanged.
func identicalObjects(a, b []render.Object) int {
	byKey := make(map[string]*render.Object, len(b))
	for i := range b {
		byKey[b[i].ID.Key()] = &b[i]
	}
	n := 0
	for i := range a {
		if o, ok := byKey[a[i].ID.Key()]; ok && reflect.DeepEqual(a[i].Fields, o.Fields) {
			n++
		}
	}
	return n
}

// movedCandidates renders, at base, the kustomizations the pull request
// deletes that were not selected, when an overlay appeared: a move can
// turn a kustomization another one used (manifests/release, used by
// manifests/high-availability) into an overlay of its own elsewhere
// (manifests/overlays/release).
func movedCandidates(ctx context.Context, in ReviewInput, selected []render.Selected, sides []overlaySides) []overlaySides {
	appeared := false
	for _, s := range sides {
		appeared = appeared || (s.AtHead && !s.AtBase)
	}
	if !appeared || in.Base == nil {
		return nil
	}
	have := map[string]bool{}
	for _, s := range selected {
		have[s.Dir] = true
	}
	var dirs []string
	for _, p := range in.Base.Files() {
		dir := path.Dir(p)
		if have[dir] || in.Base.KustomizationFile(dir) != p || in.Head.KustomizationFile(dir) != "" {
			continue
		}
		have[dir] = true
		dirs = append(dirs, dir)
	}
	out := make([]overlaySides, len(dirs))
	forEach(in.Workers, len(dirs), func(i int) {
		out[i] = overlaySides{BaseDir: dirs[i], HeadDir: dirs[i], AtBase: true, Candidate: true}
		out[i].Base, out[i].BaseErr = in.Base.Render(ctx, dirs[i])
	})
	return out
}

func objectKeys(objs []render.Object) map[string]bool {
	out := make(map[string]bool, len(objs))
	for _, o := range objs {
		out[o.ID.Key()] = true
	}
	return out
}

// overlap is |a ∩ b| / |a ∪ b|.
func overlap(a, b map[string]bool) float64 {
	common := 0
	for k := range a {
		if b[k] {
			common++
		}
	}
	union := len(a) + len(b) - common
	if union == 0 {
		return 0
	}
	return float64(common) / float64(union)
}
