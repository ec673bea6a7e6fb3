package checks

import (
	"strconv"
	"strings"
	"testing"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"

	"github.com/kustoguard/kustoguard/render"
)

// parseObjects builds rendered objects from a multi-document YAML stream
// declared in "test.yaml". Source.Line is the line a document starts at.
// Like the renderer's line map, each object's SourceOf answers with the
// line of the deepest field of a path the document has, so tests see which
// field a finding points at.
func parseObjects(t testing.TB, stream string) []render.Object {
	t.Helper()
	var out []render.Object
	lines := strings.Split(stream, "\n")
	start := 0
	flush := func(end int) {
		doc := strings.Join(lines[start:end], "\n")
		first := firstContentLine(lines[start:end])
		if first < 0 {
			return
		}
		var fields map[string]any
		if err := yaml.Unmarshal([]byte(doc), &fields); err != nil {
			t.Fatalf("parsing document at line %d: %v", start+1, err)
		}
		var node kyaml.Node
		if err := kyaml.Unmarshal([]byte(doc), &node); err != nil {
			t.Fatalf("parsing document at line %d: %v", start+1, err)
		}
		lineOf := map[string]int{}
		if len(node.Content) > 0 {
			mapLines(node.Content[0], "", start, lineOf)
		}
		meta, _ := fields["metadata"].(map[string]any)
		apiVersion, _ := fields["apiVersion"].(string)
		kind, _ := fields["kind"].(string)
		ns, _ := meta["namespace"].(string)
		name, _ := meta["name"].(string)
		out = append(out, render.Object{
			ID:      render.ObjectID{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name},
			Fields:  fields,
			Source:  render.Source{File: "test.yaml", Line: start + first + 1},
			Patches: []render.Patch{{File: "test.yaml", Fields: lineOf}},
		})
	}
	for i, l := range lines {
		if strings.HasPrefix(l, "---") {
			flush(i)
			start = i + 1
		}
	}
	flush(len(lines))
	return out
}

func firstContentLine(lines []string) int {
	for i, l := range lines {
		if s := strings.TrimSpace(l); s != "" && !strings.HasPrefix(s, "#") {
			return i
		}
	}
	return -1
}

// mapLines records the line of every field path under n (SourceOf syntax),
// list items both by index and, when they have one, by name.
func mapLines(n *kyaml.Node, prefix string, offset int, lineOf map[string]int) {
	join := func(seg string) string {
		if prefix == "" {
			return seg
		}
		return prefix + "." + seg
	}
	switch n.Kind {
	case kyaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(k.Value)
			lineOf[p] = k.Line + offset
			mapLines(v, p, offset, lineOf)
		}
	case kyaml.SequenceNode:
		for i, item := range n.Content {
			paths := []string{join("[" + strconv.Itoa(i) + "]")}
			if item.Kind == kyaml.MappingNode {
				for j := 0; j+1 < len(item.Content); j += 2 {
					if item.Content[j].Value == "name" {
						paths = append(paths, join("[name="+item.Content[j+1].Value+"]"))
					}
				}
			}
			for _, p := range paths {
				lineOf[p] = item.Line + offset
				mapLines(item, p, offset, lineOf)
			}
		}
	}
}

// ruleInput is the Input a state rule sees for objs.
func ruleInput(objs []render.Object, cfg *Config) *Input {
	if cfg == nil {
		cfg = &Config{}
	}
	return &Input{Overlay: "overlays/test", Objects: objs, Head: objs, Config: cfg}
}

// finding is the part of a Finding a state rule fills.
// (Rule is checked by checkRule itself.)
type finding struct {
	Object, File string
	Line         int
	Message      string
}

// checkRule runs rule over the YAML stream and returns what it found.
func checkRule(t *testing.T, rule Rule, stream string, cfg *Config) []finding {
	t.Helper()
	var out []finding
	for _, f := range rule.Check(ruleInput(parseObjects(t, stream), cfg)) {
		if f.Rule != rule.ID() {
			t.Errorf("finding of rule %q from rule %q", f.Rule, rule.ID())
		}
		out = append(out, finding{Object: f.Object.String(), File: f.File, Line: f.Line, Message: f.Message})
	}
	return out
}
