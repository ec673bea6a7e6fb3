package render

import (
	"encoding/base64"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// The values scrubbed from render errors are every Secret input of the
// files the failing render can have read (secretsFor): those of its
// kustomizations' directories, and any file its scan parsed; kustomize
// reads nothing else (it loads root-only). They are: literals of
// secretGenerator entries and of builtin SecretGenerator configs, the
// lines and values of their env files, the content and lines of their
// files, and the data, stringData and encryptedData values of every object
// whose kind mentions "secret" (any case), wherever it sits in a document
// (List items included). Each is removed as written, as kustomize may
// print it (Go-quoted, invalid UTF-8 replaced, as decimal bytes) and
// base64-encoded; data values also decoded.

// minSecretLen is the shortest value scrubbed: shorter ones would blank out
// common words of the message and carry little of a secret.
const minSecretLen = 4

const redactedValue = "(redacted)"

// secretsKey caches a tree's secret set among its parsed files; no path
// starts with a NUL byte.
const secretsKey = "\x00secret inputs"

type secretSet struct{ forms []string } // longest first

func (t *Tree) secrets() *secretSet {
	if v, ok := t.parsed.Load(secretsKey); ok {
		return v.(*secretSet)
	}
	v, _ := t.parsed.LoadOrStore(secretsKey, t.collectSecrets(nil))
	return v.(*secretSet)
}

// secretsFor is the secret set of the files a render of the scanned
// closure can read (see closure): an error cannot quote any other file,
// and one overlay's failure in a large repository then costs no parse of
// the whole tree. Without a scan it is the whole tree's set.
func (t *Tree) secretsFor(sr *scanResult) *secretSet {
	under := sr.closure()
	if under == nil {
		return t.secrets()
	}
	return t.collectSecrets(under)
}

// collectSecrets gathers the secret inputs of the files keep accepts
// (every file when keep is nil).
func (t *Tree) collectSecrets(keep func(string) bool) *secretSet {
	c := &secretCollector{t: t, seen: map[string]bool{}}
	for p := range t.eachFile {
		if keep != nil && !keep(p) {
			continue
		}
		if data, ok := t.ReadFile(p); ok && containsFold(data, "secret") {
			c.file(p, data)
		}
	}
	sort.Slice(c.forms, func(i, j int) bool {
		if len(c.forms[i]) != len(c.forms[j]) {
			return len(c.forms[i]) > len(c.forms[j])
		}
		return c.forms[i] < c.forms[j]
	})
	return &secretSet{forms: c.forms}
}

func (s *secretSet) scrub(msg string) string {
	for _, f := range s.forms {
		if strings.Contains(msg, f) {
			msg = strings.ReplaceAll(msg, f, redactedValue)
		}
	}
	return msg
}

type secretCollector struct {
	t     *Tree
	seen  map[string]bool
	forms []string
	// depth bounds nested inline generator configs.
	depth int
}

func (c *secretCollector) file(p string, data []byte) {
	docs, err := parseDocs(data)
	if err != nil {
		// Unparseable but mentions secrets: scrub every line and value.
		c.lines(string(data))
		return
	}
	for _, d := range docs {
		c.walk(d, path.Dir(p))
	}
}

// parseDocs parses secret inputs with the renderer's own bounded parser.
func parseDocs(data []byte) ([]*yaml.Node, error) { return parseYAML("secret input", data) }

// walk visits every node once; aliases are not followed (their anchors
// are visited where they are defined).
func (c *secretCollector) walk(n *yaml.Node, dir string) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, ch := range n.Content {
			c.walk(ch, dir)
		}
	case yaml.MappingNode:
		kind := strings.ToLower(mappingValue(n, "kind"))
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := strings.ToLower(n.Content[i].Value), n.Content[i+1]
			switch {
			case strings.Contains(kind, "secret") && (k == "data" || k == "stringdata" || k == "encrypteddata"):
				c.scalars(v, k == "data")
			case k == "secretgenerator":
				for _, e := range v.Content {
					c.generator(e, dir)
				}
			case k == "generators" && c.depth < 2:
				for _, e := range v.Content {
					if e.Kind == yaml.ScalarNode && strings.Contains(e.Value, "\n") && containsFold([]byte(e.Value), "secret") {
						c.inline(e.Value, dir)
					}
				}
			}
			c.walk(v, dir)
		}
		if kind == "secretgenerator" {
			c.generator(n, dir)
		}
	}
}

func (c *secretCollector) inline(s, dir string) {
	docs, err := parseDocs([]byte(s))
	if err != nil {
		c.lines(s)
		return
	}
	c.depth++
	for _, d := range docs {
		c.walk(d, dir)
	}
	c.depth--
}

func mappingValue(n *yaml.Node, key string) string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if strings.EqualFold(n.Content[i].Value, key) && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// generator collects a secretGenerator entry's literals, env files and files.
func (c *secretCollector) generator(e *yaml.Node, dir string) {
	if e.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(e.Content); i += 2 {
		k, v := strings.ToLower(e.Content[i].Value), e.Content[i+1]
		var items []*yaml.Node
		if v.Kind == yaml.SequenceNode {
			items = v.Content
		} else if v.Kind == yaml.ScalarNode {
			items = []*yaml.Node{v}
		}
		for _, it := range items {
			if it.Kind != yaml.ScalarNode {
				continue
			}
			switch k {
			case "literals":
				c.add(it.Value)
				if _, val, ok := strings.Cut(it.Value, "="); ok {
					c.add(val)
					c.add(unquote(val))
				}
			case "envs", "env":
				if data, ok := c.resolve(dir, it.Value); ok {
					c.lines(string(data))
				}
			case "files":
				ref := it.Value
				if _, p, ok := strings.Cut(ref, "="); ok {
					ref = p
				}
				if data, ok := c.resolve(dir, ref); ok {
					c.add(string(data))
					c.lines(string(data))
				}
			}
		}
	}
}

// resolve reads p relative to dir or, for builtin configs whose paths are
// relative to the kustomization using them, to one of dir's parents.
func (c *secretCollector) resolve(dir, p string) ([]byte, bool) {
	for d := dir; ; d = path.Dir(d) {
		if data, ok := c.t.ReadFile(path.Join(d, p)); ok {
			return data, true
		}
		if d == "." || d == "/" || d == "" {
			return nil, false
		}
	}
}

// lines collects each line of text, and its value after "=" or ":".
func (c *secretCollector) lines(text string) {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		c.add(l)
		if i := strings.IndexAny(l, "=:"); i >= 0 {
			v := strings.TrimSpace(l[i+1:])
			c.add(v)
			c.add(unquote(v))
		}
	}
}

func (c *secretCollector) scalars(n *yaml.Node, encoded bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		c.add(n.Value)
		if encoded {
			if b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(n.Value), "")); err == nil {
				c.add(string(b))
				c.lines(string(b))
			}
		} else {
			c.lines(n.Value)
		}
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			c.scalars(n.Content[i], encoded)
		}
	case yaml.SequenceNode:
		for _, ch := range n.Content {
			c.scalars(ch, encoded)
		}
	}
}

// add records v in every form a message may carry it.
func (c *secretCollector) add(v string) {
	if len(strings.TrimSpace(v)) < minSecretLen {
		return
	}
	forms := []string{v, strings.TrimSpace(v), strings.ToValidUTF8(v, "\uFFFD"),
		strings.Trim(strconv.Quote(v), `"`), base64.StdEncoding.EncodeToString([]byte(v))}
	dec := fmt.Sprint([]byte(v))
	forms = append(forms, dec[1:len(dec)-1])
	for _, f := range forms {
		if len(f) >= minSecretLen && !c.seen[f] {
			c.seen[f] = true
			c.forms = append(c.forms, f)
		}
	}
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// containsFold reports whether data contains the lower-case ASCII word in
// any case.
func containsFold(data []byte, word string) bool {
	n := len(word)
outer:
	for i := 0; i+n <= len(data); i++ {
		for j := 0; j < n; j++ {
			b := data[i+j]
			if 'A' <= b && b <= 'Z' {
				b += 'a' - 'A'
			}
			if b != word[j] {
				continue outer
			}
		}
		return true
	}
	return false
}

// fieldAtLine names the field of a YAML file declared at line, such as
// "patches[0]", or "" when none is.
func fieldAtLine(data []byte, line int) string {
	docs, err := parseDocs(data)
	if err != nil {
		return ""
	}
	for _, d := range docs {
		if f := fieldIn(d, line, ""); f != "" {
			return f
		}
	}
	return ""
}

func fieldIn(n *yaml.Node, line int, at string) string {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, ch := range n.Content {
			if f := fieldIn(ch, line, at); f != "" {
				return f
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if at != "" {
				p = at + "." + k.Value
			}
			if k.Line == line {
				return p
			}
			if f := fieldIn(v, line, p); f != "" {
				return f
			}
		}
	case yaml.SequenceNode:
		for i, ch := range n.Content {
			p := fmt.Sprintf("%s[%d]", at, i)
			if f := fieldIn(ch, line, p); f != "" {
				return f
			}
		}
	case yaml.ScalarNode:
		if n.Line == line {
			return at
		}
	}
	return ""
}
