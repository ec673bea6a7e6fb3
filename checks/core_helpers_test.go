package checks

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kustoguard/kustoguard/render"
)

// coreObjects parses a YAML stream as the renderer would emit it from file:
// each document becomes an Object whose Source is the document's first
// line, with a Patch naming the line of every field path of the document
// (what the renderer records for the declaring file).
func coreObjects(t testing.TB, file, stream string) []render.Object {
	t.Helper()
	var out []render.Object
	dec := yaml.NewDecoder(strings.NewReader(stream))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("parsing test YAML: %v", err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		b, err := yaml.Marshal(doc.Content[0])
		if err != nil {
			t.Fatal(err)
		}
		var fields map[string]any
		if err := sigsyaml.Unmarshal(b, &fields); err != nil {
			t.Fatal(err)
		}
		if fields == nil {
			continue
		}
		o := render.Object{Fields: fields, Source: render.Source{File: file, Line: doc.Content[0].Line}}
		o.ID.APIVersion, _ = fields["apiVersion"].(string)
		o.ID.Kind, _ = fields["kind"].(string)
		if md, ok := fields["metadata"].(map[string]any); ok {
			o.ID.Name, _ = md["name"].(string)
			o.ID.Namespace, _ = md["namespace"].(string)
		}
		lines := map[string]int{}
		fieldLines(doc.Content[0], "", lines)
		o.Patches = []render.Patch{{File: file, Fields: lines}}
		out = append(out, o)
	}
	return out
}

func fieldLines(n *yaml.Node, prefix string, out map[string]int) {
	join := func(seg string) string {
		if prefix == "" {
			return seg
		}
		return prefix + "." + seg
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := join(n.Content[i].Value)
			out[p] = n.Content[i].Line
			fieldLines(n.Content[i+1], p, out)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			p := join("[" + strconv.Itoa(i) + "]")
			out[p] = item.Line
			fieldLines(item, p, out)
			for j := 0; item.Kind == yaml.MappingNode && j+1 < len(item.Content); j += 2 {
				if item.Content[j].Value == "name" {
					np := join("[name=" + item.Content[j+1].Value + "]")
					out[np] = item.Line
					fieldLines(item, np, out)
				}
			}
		}
	}
}

// coreDiff compares two renders by object key, as render.Diff does.
func coreDiff(base, head []render.Object) []render.Change {
	idx := map[string]*render.Change{}
	for i := range base {
		o := &base[i]
		idx[o.ID.Key()] = &render.Change{ID: o.ID, Type: render.Removed, Base: o}
	}
	for i := range head {
		o := &head[i]
		c, ok := idx[o.ID.Key()]
		if !ok {
			idx[o.ID.Key()] = &render.Change{ID: o.ID, Type: render.Added, Head: o}
			continue
		}
		c.Head, c.ID, c.Type = o, o.ID, render.Unchanged
		if !reflect.DeepEqual(c.Base.Fields, o.Fields) {
			c.Type = render.Modified
		}
	}
	out := make([]render.Change, 0, len(idx))
	for _, c := range idx {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID.Key() < out[j].ID.Key() })
	return out
}

// coreInput builds the Input of an overlay whose base and head renders
// come from the given YAML streams (each file: stream).
func coreInput(t testing.TB, base, head string) *Input {
	t.Helper()
	b := coreObjects(t, "base.yaml", base)
	h := coreObjects(t, "head.yaml", head)
	return &Input{Overlay: "overlays/prod", Base: b, Head: h, Changes: coreDiff(b, h), Config: DefaultConfig()}
}

// brief is the part of a finding a rule decides, for comparisons.
type brief struct {
	Object  string
	Line    int
	Message string
}

func briefs(fs []Finding) []brief {
	var out []brief
	for _, f := range sortFindings(append([]Finding(nil), fs...)) {
		out = append(out, brief{f.Object.String(), f.Line, f.Message})
	}
	return out
}
