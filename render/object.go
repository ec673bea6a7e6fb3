package render

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ObjectID names a rendered object the way the API server does.
type ObjectID struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

// Group is the API group of the object ("" for the core group).
func (id ObjectID) Group() string {
	if i := strings.LastIndex(id.APIVersion, "/"); i >= 0 {
		return id.APIVersion[:i]
	}
	return ""
}

// Key identifies the object across API versions: group, kind, namespace and
// name. Base and head renders are matched by Key.
func (id ObjectID) Key() string {
	return id.Group() + "/" + id.Kind + "/" + id.Namespace + "/" + id.Name
}

// String is the short form people read: "Deployment prod/api".
func (id ObjectID) String() string {
	if id.Namespace == "" {
		return id.Kind + " " + id.Name
	}
	return id.Kind + " " + id.Namespace + "/" + id.Name
}

// Source is a place in the repository a person can edit. File is relative
// to the repository root with "/" separators; Line is 1-based, 0 when unknown.
type Source struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// Object is one rendered Kubernetes object.
type Object struct {
	ID ObjectID
	// Fields is the object exactly as `kustomize build` emits it, with the
	// renderer's origin bookkeeping removed.
	Fields map[string]any
	// Source is where the object is declared: its resource file and the line
	// its document starts at (or the generator entry that produced it).
	Source Source
	// Patches are the patch files that changed the object, in the order
	// kustomize applied them; SourceOf prefers them for the fields they set.
	Patches []Patch
	// Lines maps the field paths of the declaring document (in Source.File)
	// to their lines, nil for generated objects; see SourceOf.
	Lines map[string]int
}

// Patch is a patch file applied to an object and, for each field path it
// sets (see SourceOf for the path syntax), the line that sets it.
type Patch struct {
	File   string
	Fields map[string]int
}

// SourceOf returns the place a person should edit to change the field at
// path. A path is a list of map keys and list selectors: "[name=api]"
// selects the list item whose name is api, "[2]" the third item. The most
// specific known place wins: the last patch that set the field itself, or
// set a whole value enclosing it (a scalar, a replaced list, a JSON patch
// operation's value), else the line of the deepest part of the path the
// declaring file has, else the object's declaration.
func (o *Object) SourceOf(path ...string) Source {
	key := strings.Join(path, ".")
	for i := len(o.Patches) - 1; i >= 0; i-- {
		p := o.Patches[i]
		if line, ok := p.Fields[key]; ok {
			return Source{File: p.File, Line: line}
		}
		for n := len(path) - 1; n > 0; n-- {
			enclosing := strings.Join(path[:n], ".")
			if line, ok := p.Fields[enclosing]; ok && p.setsWhole(enclosing) {
				return Source{File: p.File, Line: line}
			}
		}
	}
	for n := len(path); n > 0; n-- {
		if line, ok := o.Lines[strings.Join(path[:n], ".")]; ok {
			return Source{File: o.Source.File, Line: line}
		}
	}
	return o.Source
}

// setsWhole reports whether the patch sets the value at key as a whole
// rather than merging into it, that is, records nothing below it.
func (p Patch) setsWhole(key string) bool {
	prefix := key + "."
	for k := range p.Fields {
		if strings.HasPrefix(k, prefix) {
			return false
		}
	}
	return true
}

// Get returns the value at path (same syntax as SourceOf) and whether it exists.
func (o *Object) Get(path ...string) (any, bool) {
	var cur any = o.Fields
	for _, seg := range path {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[seg]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			v, ok := selectItem(c, seg)
			if !ok {
				return nil, false
			}
			cur = v
		default:
			return nil, false
		}
	}
	return cur, true
}

func selectItem(list []any, seg string) (any, bool) {
	if !strings.HasPrefix(seg, "[") || !strings.HasSuffix(seg, "]") {
		return nil, false
	}
	inner := seg[1 : len(seg)-1]
	if k, v, ok := strings.Cut(inner, "="); ok {
		for _, item := range list {
			if m, ok := item.(map[string]any); ok && fmt.Sprint(m[k]) == v {
				return item, true
			}
		}
		return nil, false
	}
	var idx int
	if _, err := fmt.Sscanf(inner, "%d", &idx); err != nil || idx < 0 || idx >= len(list) {
		return nil, false
	}
	return list[idx], true
}

// Decode converts the object into a typed value, such as an appsv1.Deployment.
func (o *Object) Decode(v any) error {
	b, err := json.Marshal(o.Fields)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", o.ID, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding %s: %w", o.ID, err)
	}
	return nil
}
