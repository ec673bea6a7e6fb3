package render

import (
	"bytes"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
)

// Deprecation is one deprecated field a kustomization uses, as kustomize
// warns about it, once per file.
type Deprecation struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// deprecatedField finds the field a kustomize warning names:
// "# Warning: 'bases' is deprecated. Please use 'resources' instead. …".
var deprecatedField = regexp.MustCompile(`'([A-Za-z0-9]+)' is deprecated`)

// Deprecations lists, sorted by file, the deprecated fields used by the
// kustomizations the overlays in dirs read (themselves and everything they
// name, transitively): each distinct warning once, with the file and line
// of the field, instead of once per render on standard error.
func Deprecations(t *Tree, dirs []string) []Deprecation {
	if t == nil || len(dirs) == 0 {
		return nil
	}
	s := newSide(t)
	g := buildGraph(s, parseAll(s))
	seen := map[string]bool{}
	queue := append([]string{}, dirs...)
	var out []Deprecation
	for len(queue) > 0 {
		dir := queue[0]
		queue = queue[1:]
		n, ok := g.roots[dir]
		if !ok || seen[dir] {
			continue
		}
		seen[dir] = true
		queue = append(queue, n.children...)
		b, _ := t.ReadFile(n.file)
		out = append(out, deprecationsOf(n.file, b)...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out
}

func deprecationsOf(file string, b []byte) (out []Deprecation) {
	defer func() {
		if recover() != nil {
			out = nil // the render reports what is wrong with the file
		}
	}()
	var k types.Kustomization
	if k.Unmarshal(b) != nil {
		return nil
	}
	msgs := k.CheckDeprecatedFields()
	if msgs == nil {
		return nil
	}
	for _, m := range *msgs {
		m = strings.TrimSpace(strings.TrimPrefix(m, "# Warning:"))
		line := 0
		if f := deprecatedField.FindStringSubmatch(m); f != nil {
			line = topLevelLine(b, f[1])
		}
		out = append(out, Deprecation{File: file, Line: line, Message: m})
	}
	return out
}

// topLevelLine is the 1-based line of a top-level key in a YAML file, 0
// when not found.
func topLevelLine(b []byte, key string) int {
	for i, l := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(l, []byte(key+":")) {
			return i + 1
		}
	}
	return 0
}
