package render

import (
	"strconv"
	"strings"
)

// Field paths in SourceOf syntax: map keys and list selectors joined by
// ".", a list item selected by name ("[name=api]") when it has one, else
// by index ("[2]").

// flatten lists every field path of an object (SourceOf syntax) with its
// value; list items are selected by name when they have one.
func flatten(fields map[string]any) map[string]any {
	out := map[string]any{}
	var walk func(v any, prefix string)
	walk = func(v any, prefix string) {
		if prefix != "" {
			out[prefix] = v
		}
		join := func(seg string) string {
			if prefix == "" {
				return seg
			}
			return prefix + "." + seg
		}
		switch c := v.(type) {
		case map[string]any:
			for k, sub := range c {
				walk(sub, join(k))
			}
		case []any:
			for i, item := range c {
				walk(item, join(itemSelector(item, i)))
			}
		}
	}
	walk(fields, "")
	return out
}

func itemSelector(item any, i int) string {
	if m, ok := item.(map[string]any); ok {
		if name, ok := m["name"].(string); ok && name != "" {
			return "[name=" + name + "]"
		}
	}
	return "[" + strconv.Itoa(i) + "]"
}

// canonicalPath rewrites a replacement's field path into SourceOf syntax
// for the object: "spec.template.spec.containers.0.image" and
// "containers[name=app]" both become "containers.[name=app]" items as the
// object's lists name them. Parts the object lacks stay as written.
func canonicalPath(fields map[string]any, fp string) string {
	var segs []string
	for _, part := range splitFieldPath(fp) {
		if i := strings.IndexByte(part, '['); i > 0 {
			segs = append(segs, part[:i], part[i:])
			continue
		}
		segs = append(segs, part)
	}
	var cur any = fields
	for i, seg := range segs {
		list, ok := cur.([]any)
		if !ok {
			if m, ok := cur.(map[string]any); ok {
				cur = m[seg]
			} else {
				cur = nil
			}
			continue
		}
		idx := -1
		if n, err := strconv.Atoi(strings.Trim(seg, "[]")); err == nil {
			idx = n
		} else if k, v, ok := strings.Cut(strings.Trim(seg, "[]"), "="); ok {
			for j, item := range list {
				if m, ok := item.(map[string]any); ok && m[k] == v {
					idx = j
					break
				}
			}
		}
		if idx < 0 || idx >= len(list) {
			cur = nil
			continue
		}
		segs[i] = itemSelector(list[idx], idx)
		cur = list[idx]
	}
	return strings.Join(segs, ".")
}

// splitFieldPath splits at dots outside brackets.
func splitFieldPath(fp string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range fp {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
		case '.':
			if depth == 0 {
				out = append(out, fp[start:i])
				start = i + 1
			}
		}
	}
	return append(out, fp[start:])
}
