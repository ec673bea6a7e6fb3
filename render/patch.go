package render

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// jsonPatch records the field paths of JSON6902 operations; list indexes
// become [name=x] selectors when the rendered item has a name.
func jsonPatch(file string, doc *yaml.Node, o *Object) Patch {
	p := Patch{File: file, Fields: map[string]int{}}
	seq := doc
	if seq.Kind == yaml.DocumentNode && len(seq.Content) > 0 {
		seq = seq.Content[0]
	}
	for _, op := range seq.Content {
		ptr := scalarAt(op, "path")
		if ptr == "" {
			continue
		}
		var segs []string
		var cur any = o.Fields
		for _, raw := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
			seg := strings.ReplaceAll(strings.ReplaceAll(raw, "~1", "/"), "~0", "~")
			if list, ok := cur.([]any); ok {
				idx, err := strconv.Atoi(seg)
				if err != nil || idx < 0 || idx >= len(list) {
					break // "-" appends: the parent is as precise as it gets
				}
				seg = "[" + seg + "]"
				if m, ok := list[idx].(map[string]any); ok {
					if name, ok := m["name"].(string); ok {
						seg = "[name=" + name + "]"
					}
				}
				cur = list[idx]
			} else if m, ok := cur.(map[string]any); ok {
				cur = m[seg]
			} else {
				cur = nil
			}
			segs = append(segs, seg)
		}
		if len(segs) == 0 {
			continue
		}
		// The operation sets the whole value at its path: one line answers
		// for everything below it.
		p.Fields[strings.Join(segs, ".")] = op.Line
	}
	return p
}

// targetMatches approximates kustomize's patch target selection: kind,
// name (a regular expression) and equality-based label selectors.
func targetMatches(target *yaml.Node, o *Object, declared string) bool {
	if k := scalarAt(target, "kind"); k != "" && k != o.ID.Kind {
		return false
	}
	if n := scalarAt(target, "name"); n != "" {
		re, err := regexp.Compile("^(?:" + n + ")$")
		if err != nil || !(re.MatchString(declared) || re.MatchString(o.ID.Name)) {
			return false
		}
	}
	if sel := scalarAt(target, "labelSelector"); sel != "" {
		labels, _ := o.Get("metadata", "labels")
		lm, _ := labels.(map[string]any)
		for _, term := range strings.Split(sel, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(term), "=")
			if !ok {
				continue // set-based selectors: assume a match
			}
			if fmt.Sprint(lm[k]) != strings.TrimPrefix(v, "=") {
				return false
			}
		}
	}
	return true
}
