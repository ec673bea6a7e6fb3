package render

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// ChangeType says how an object differs between base and head.
type ChangeType string

// The change types, spelled as the JSON report spells overlay statuses.
const (
	Added     ChangeType = "added"
	Removed   ChangeType = "removed"
	Modified  ChangeType = "changed"
	Unchanged ChangeType = "unchanged"
)

// Change is one object compared between base and head.
type Change struct {
	ID   ObjectID
	Type ChangeType
	// Base and Head are nil when the object is absent on that side.
	Base, Head *Object
	// Paths lists the changed field paths (SourceOf syntax, joined by "."),
	// sorted; empty unless Type is Modified.
	Paths []string
	// Diff is a unified diff of the object's YAML ("--- a/<id>" / "+++ b/<id>")
	// with Secret values redacted; empty when Type is Unchanged.
	Diff string
}

// Diff matches objects by ID.Key and returns one Change per object of
// either side, sorted by key. Objects are compared as data, so reformatting
// and reordering keys change nothing. A generated ConfigMap or Secret whose
// content hash suffix changed is paired with its predecessor as a
// modification rather than reported as removed and added; so is an object
// renamed (a new namePrefix, nameSuffix or namespace, or the same content
// under a new name), see pairRenamed. A paired change has the head's ID,
// and its Base keeps the old one. It is pure and never fails.
func Diff(base, head []Object) []Change {
	byKey := make(map[string]*Object, len(base))
	for i := range base {
		byKey[base[i].ID.Key()] = &base[i]
	}
	changes := make([]Change, 0, len(head)+len(base)/8)
	matched := make(map[string]bool, len(base))
	var added []*Object
	for i := range head {
		h := &head[i]
		b, ok := byKey[h.ID.Key()]
		if !ok {
			added = append(added, h)
			continue
		}
		matched[h.ID.Key()] = true
		changes = append(changes, compare(b, h))
	}
	var removed []*Object
	for i := range base {
		if !matched[base[i].ID.Key()] {
			removed = append(removed, &base[i])
		}
	}
	added, removed, paired := pairGenerated(added, removed)
	changes = append(changes, paired...)
	added, removed, paired = pairRenamed(added, removed)
	changes = append(changes, paired...)
	for _, h := range added {
		changes = append(changes, Change{ID: h.ID, Type: Added, Head: h, Diff: unifiedDiff(h.ID, nil, h)})
	}
	for _, b := range removed {
		changes = append(changes, Change{ID: b.ID, Type: Removed, Base: b, Diff: unifiedDiff(b.ID, b, nil)})
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].ID.Key() < changes[j].ID.Key() })
	return changes
}

func compare(b, h *Object) Change {
	c := Change{ID: h.ID, Base: b, Head: h, Type: Unchanged}
	if reflect.DeepEqual(b.Fields, h.Fields) {
		return c
	}
	c.Type = Modified
	c.Paths = changedPaths(nil, b.Fields, h.Fields, nil)
	sort.Strings(c.Paths)
	c.Diff = unifiedDiff(h.ID, b, h)
	return c
}

// hashSuffix is the content hash kustomize appends to generated names.
var hashSuffix = regexp.MustCompile(`-[a-z0-9]{10}$`)

// pairGenerated matches added and removed ConfigMaps and Secrets that
// differ only in their generated hash suffix.
func pairGenerated(added, removed []*Object) (restAdded, restRemoved []*Object, paired []Change) {
	stem := func(o *Object) string {
		if o.ID.Group() != "" || (o.ID.Kind != "ConfigMap" && o.ID.Kind != "Secret") || !hashSuffix.MatchString(o.ID.Name) {
			return ""
		}
		return o.ID.Kind + "/" + o.ID.Namespace + "/" + hashSuffix.ReplaceAllString(o.ID.Name, "")
	}
	gone := map[string][]*Object{}
	for _, b := range removed {
		if s := stem(b); s != "" {
			gone[s] = append(gone[s], b)
		}
	}
	used := map[*Object]bool{}
	for _, h := range added {
		s := stem(h)
		if s == "" || len(gone[s]) != 1 || used[gone[s][0]] {
			restAdded = append(restAdded, h)
			continue
		}
		b := gone[s][0]
		used[b] = true
		c := compare(b, h)
		if c.Type == Unchanged {
			// Same content under a new name: still a change the cluster sees.
			c.Type = Modified
			c.Paths = []string{"metadata.name"}
			c.Diff = unifiedDiff(h.ID, b, h)
		}
		paired = append(paired, c)
	}
	for _, b := range removed {
		if !used[b] {
			restRemoved = append(restRemoved, b)
		}
	}
	return restAdded, restRemoved, paired
}

// changedPaths lists the leaf paths at which a and b differ. Lists of maps
// that all carry a name are matched by name, other lists by index.
func changedPaths(prefix []string, a, b any, out []string) []string {
	if reflect.DeepEqual(a, b) {
		return out
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(av)+len(bv))
		for k := range av {
			keys = append(keys, k)
		}
		for k := range bv {
			if _, dup := av[k]; !dup {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			out = changedPaths(append(prefix, k), av[k], bv[k], out)
		}
		return out
	case []any:
		bv, ok := b.([]any)
		if !ok {
			break
		}
		an, bn := namedItems(av), namedItems(bv)
		if an != nil && bn != nil {
			names := make([]string, 0, len(an)+len(bn))
			for n := range an {
				names = append(names, n)
			}
			for n := range bn {
				if _, dup := an[n]; !dup {
					names = append(names, n)
				}
			}
			for _, n := range names {
				out = changedPaths(append(prefix, "[name="+n+"]"), an[n], bn[n], out)
			}
			return out
		}
		for i := 0; i < len(av) || i < len(bv); i++ {
			var x, y any
			if i < len(av) {
				x = av[i]
			}
			if i < len(bv) {
				y = bv[i]
			}
			out = changedPaths(append(prefix, fmt.Sprintf("[%d]", i)), x, y, out)
		}
		return out
	}
	return append(out, strings.Join(prefix, "."))
}

// namedItems indexes a list of maps by their name field; nil when any item
// lacks a unique string name.
func namedItems(list []any) map[string]any {
	if len(list) == 0 {
		return map[string]any{}
	}
	out := make(map[string]any, len(list))
	for _, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return nil
		}
		n, ok := m["name"].(string)
		if !ok {
			return nil
		}
		if _, dup := out[n]; dup {
			return nil
		}
		out[n] = it
	}
	return out
}

// diffLabel names an object in diff headers: group/version/kind/namespace/name,
// or group/version/kind/name for an object without a namespace.
func diffLabel(id ObjectID) string {
	if id.Namespace == "" {
		return id.APIVersion + "/" + id.Kind + "/" + id.Name
	}
	return id.APIVersion + "/" + id.Kind + "/" + id.Namespace + "/" + id.Name
}

func unifiedDiff(id ObjectID, b, h *Object) string {
	var bl, hl []string
	bs, hs := b, h
	if b != nil && h != nil && isSecret(b) && isSecret(h) {
		bs, hs = redactPair(b, h)
	} else {
		if b != nil && isSecret(b) {
			bs = redactPair1(b)
		}
		if h != nil && isSecret(h) {
			hs = redactPair1(h)
		}
	}
	from, to := "/dev/null", "/dev/null"
	if bs != nil {
		bl = yamlLines(bs)
		from = "a/" + diffLabel(b.ID)
	}
	if hs != nil {
		hl = yamlLines(hs)
		to = "b/" + diffLabel(h.ID)
	}
	return formatUnified(from, to, bl, hl, 3)
}

func yamlLines(o *Object) []string {
	out, err := yaml.Marshal(o.Fields)
	if err != nil {
		return []string{fmt.Sprintf("# %s cannot be shown: %v", o.ID, err)}
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}
