package render

import "sort"

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
// either side, sorted by key. It is pure and never fails.
//
// STUB: replaced by the real diff.
func Diff(base, head []Object) []Change {
	idx := map[string]*Change{}
	for i := range base {
		o := &base[i]
		idx[o.ID.Key()] = &Change{ID: o.ID, Type: Removed, Base: o}
	}
	for i := range head {
		o := &head[i]
		if c, ok := idx[o.ID.Key()]; ok {
			c.Head, c.ID, c.Type = o, o.ID, Unchanged
			continue
		}
		idx[o.ID.Key()] = &Change{ID: o.ID, Type: Added, Head: o}
	}
	out := make([]Change, 0, len(idx))
	for _, c := range idx {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID.Key() < out[j].ID.Key() })
	return out
}
