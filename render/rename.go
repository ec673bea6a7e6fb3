package render

import (
	"reflect"
	"sort"
	"strings"
)

// pairRenamed matches added and removed objects that are one object
// renamed: the same group and kind, and either the same content apart from
// metadata.name and metadata.namespace, or names that differ only by a
// prefix or suffix (a namePrefix or nameSuffix change) or only by
// namespace. Only unambiguous pairs are made, one to one; identical
// content wins over related names. The pair is a modification whose paths
// include metadata.name or metadata.namespace, so that a reviewer sees a
// rename rather than a removal and an addition.
func pairRenamed(added, removed []*Object) (restAdded, restRemoved []*Object, paired []Change) {
	if len(added) == 0 || len(removed) == 0 {
		return added, removed, nil
	}
	byKind := map[string][]*Object{}
	for _, b := range removed {
		k := b.ID.Group() + "/" + b.ID.Kind
		byKind[k] = append(byKind[k], b)
	}
	// Candidates per added object, best relation first.
	best := make(map[*Object]*Object, len(added))
	claims := map[*Object]int{}
	for _, h := range added {
		var same, related []*Object
		for _, b := range byKind[h.ID.Group()+"/"+h.ID.Kind] {
			switch {
			case sameContent(b, h):
				same = append(same, b)
			case relatedNames(b.ID, h.ID):
				related = append(related, b)
			}
		}
		var pick *Object
		switch {
		case len(same) == 1:
			pick = same[0]
		case len(same) == 0 && len(related) == 1:
			pick = related[0]
		}
		if pick != nil {
			best[h] = pick
			claims[pick]++
		}
	}
	used := map[*Object]bool{}
	for _, h := range added {
		b := best[h]
		if b == nil || claims[b] != 1 {
			restAdded = append(restAdded, h)
			continue
		}
		used[b] = true
		c := compare(b, h)
		c.Type = Modified
		c.Paths = renamedPaths(b.ID, h.ID, c.Paths)
		c.Diff = unifiedDiff(h.ID, b, h)
		paired = append(paired, c)
	}
	for _, b := range removed {
		if !used[b] {
			restRemoved = append(restRemoved, b)
		}
	}
	return restAdded, restRemoved, paired
}

// sameContent reports whether two objects are equal apart from their name
// and namespace, and have content beyond their metadata: two empty
// ServiceAccounts are not one renamed.
func sameContent(a, b *Object) bool {
	hasBody := false
	for k := range a.Fields {
		if k != "apiVersion" && k != "kind" && k != "metadata" {
			hasBody = true
		}
	}
	return hasBody && reflect.DeepEqual(withoutIdentity(a.Fields), withoutIdentity(b.Fields))
}

func withoutIdentity(f map[string]any) map[string]any {
	out := make(map[string]any, len(f))
	for k, v := range f {
		out[k] = v
	}
	if md, ok := f["metadata"].(map[string]any); ok {
		m := make(map[string]any, len(md))
		for k, v := range md {
			if k != "name" && k != "namespace" {
				m[k] = v
			}
		}
		out["metadata"] = m
	}
	return out
}

// relatedNames reports whether two names could be one object's before and
// after a namePrefix, nameSuffix or namespace change: the same name in
// another namespace, or one name extending the other at either end, or
// names sharing all but a leading or trailing part that is at most half
// of the longer one.
func relatedNames(a, b ObjectID) bool {
	x, y := a.Name, b.Name
	if x == y {
		return a.Namespace != b.Namespace
	}
	if strings.HasSuffix(x, y) || strings.HasSuffix(y, x) || strings.HasPrefix(x, y) || strings.HasPrefix(y, x) {
		return true
	}
	longer := max(len(x), len(y))
	return 2*commonSuffix(x, y) >= longer || 2*commonPrefix(x, y) >= longer
}

func commonSuffix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// renamedPaths adds the identity fields a rename changed to paths.
func renamedPaths(from, to ObjectID, paths []string) []string {
	has := map[string]bool{}
	for _, p := range paths {
		has[p] = true
	}
	var out []string
	if from.Name != to.Name && !has["metadata.name"] {
		out = append(out, "metadata.name")
	}
	if from.Namespace != to.Namespace && !has["metadata.namespace"] {
		out = append(out, "metadata.namespace")
	}
	out = append(out, paths...)
	sort.Strings(out)
	return out
}
