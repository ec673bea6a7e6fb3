package render

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// sourcer finds, for rendered objects, the lines a person should edit. It
// caches parsed files for the duration of one render.
type sourcer struct {
	t     *Tree
	dir   string
	sr    *scanResult
	docs  map[string][]*yaml.Node
	lines map[Source]map[string]int
	// owners maps transformer configuration files to the kustomization
	// listing them (built on first use).
	owners map[string]*kustDoc
}

func newSourcer(t *Tree, dir string, sr *scanResult) *sourcer {
	return &sourcer{t: t, dir: dir, sr: sr, docs: map[string][]*yaml.Node{}, lines: map[Source]map[string]int{}}
}

// declLines maps the field paths of the document declared at src to their
// lines; objects declared by the same document share the (read-only) map.
func (s *sourcer) declLines(src Source) map[string]int {
	if src.Line == 0 {
		return nil
	}
	if l, ok := s.lines[src]; ok {
		return l
	}
	var out map[string]int
	for _, d := range s.parsed(src.File) {
		if m := docMapping(d); m != nil && m.Line == src.Line {
			out = map[string]int{}
			walkFields(m, nil, out, true)
			break
		}
	}
	s.lines[src] = out
	return out
}

func (s *sourcer) object(res *resource.Resource, added []string) (Object, error) {
	origin, err := res.GetOrigin()
	if err != nil {
		return Object{}, fmt.Errorf("reading origin of %s: %w", res.CurId(), err)
	}
	trans, err := res.GetTransformations()
	if err != nil {
		return Object{}, fmt.Errorf("reading transformations of %s: %w", res.CurId(), err)
	}
	if err := stripBookkeeping(res, added); err != nil {
		return Object{}, fmt.Errorf("cleaning %s: %w", res.CurId(), err)
	}
	fields, err := res.Map()
	if err != nil {
		return Object{}, fmt.Errorf("converting %s: %w", res.CurId(), err)
	}
	o := Object{
		ID: ObjectID{
			APIVersion: res.GetApiVersion(),
			Kind:       res.GetKind(),
			Namespace:  res.GetNamespace(),
			Name:       res.GetName(),
		},
		Fields: fields,
	}
	var declared string
	o.Source, declared = s.declaration(origin, o.ID)
	o.Lines = s.declLines(o.Source)
	o.Patches = s.patches(trans, &o, declared)
	return o, nil
}

func (s *sourcer) parsed(file string) []*yaml.Node {
	if d, ok := s.docs[file]; ok {
		return d
	}
	var docs []*yaml.Node
	if s.t.has(file) {
		docs, _ = s.t.parse(file) // already checked by the pre-scan
	}
	s.docs[file] = docs
	return docs
}

// declaration locates the document that declared the object (matching kind
// and the name as declared, before prefixes and suffixes) or, for generated
// objects, the generator entry; it also returns the declared name.
func (s *sourcer) declaration(origin *resource.Origin, id ObjectID) (Source, string) {
	if origin == nil || origin.Repo != "" {
		return Source{}, id.Name
	}
	if origin.ConfiguredIn != "" {
		file := path.Join(s.dir, origin.ConfiguredIn)
		return s.generatorEntry(file, origin.ConfiguredBy.Kind, id)
	}
	file := path.Join(s.dir, origin.Path)
	best, bestName := 0, id.Name
	for _, d := range s.parsed(file) {
		m := docMapping(d)
		if m == nil || scalarAt(m, "kind") != id.Kind {
			continue
		}
		name := scalarAt(m, "metadata", "name")
		if name == id.Name {
			return Source{File: file, Line: m.Line}, name
		}
		if best == 0 || (name != "" && strings.Contains(id.Name, name) && len(name) > len(bestName)) {
			best, bestName = m.Line, name
		}
	}
	if best == 0 {
		return Source{File: file}, id.Name
	}
	return Source{File: file, Line: best}, bestName
}

func (s *sourcer) generatorEntry(file, kind string, id ObjectID) (Source, string) {
	field := map[string]string{"ConfigMapGenerator": "configMapGenerator", "SecretGenerator": "secretGenerator"}[kind]
	docs := s.parsed(file)
	if field == "" || len(docs) == 0 {
		return Source{File: file}, id.Name
	}
	seq := nodeAt(docMapping(docs[0]), field)
	best, bestName := Source{File: file}, id.Name
	if seq == nil {
		return best, bestName
	}
	for _, item := range seq.Content {
		name := scalarAt(item, "name")
		if name != "" && strings.Contains(id.Name, name) && (best.Line == 0 || len(name) > len(bestName)) {
			best, bestName = Source{File: file, Line: item.Line}, name
		}
	}
	return best, bestName
}

func docMapping(d *yaml.Node) *yaml.Node {
	if d != nil && d.Kind == yaml.DocumentNode && len(d.Content) > 0 {
		d = d.Content[0]
	}
	if d == nil || d.Kind != yaml.MappingNode {
		return nil
	}
	return d
}

// nodeAt follows map keys from n.
func nodeAt(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	return n
}

func scalarAt(n *yaml.Node, keys ...string) string {
	if v := nodeAt(n, keys...); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

var patchKinds = map[string]bool{
	"PatchTransformer":               true,
	"PatchStrategicMergeTransformer": true,
	"PatchJson6902Transformer":       true,
}

// patches finds the patch files of the kustomizations that patched or
// transformed the object and keeps those whose target matches it, each
// kustomization's patches followed by its transformers (kustomize's
// order), in application order.
func (s *sourcer) patches(trans resource.Transformations, o *Object, declared string) []Patch {
	seen := map[string]bool{}
	var out []Patch
	for _, tr := range trans {
		if tr == nil || tr.Repo != "" || !patchKinds[tr.ConfiguredBy.Kind] && !transformerKinds[tr.ConfiguredBy.Kind] {
			continue
		}
		k := s.sr.kusts[path.Join(s.dir, tr.ConfiguredIn)]
		if k == nil {
			k = s.transformerOwner(path.Join(s.dir, tr.ConfiguredIn))
		}
		if k == nil || k.doc == nil || seen[k.file] {
			continue
		}
		seen[k.file] = true
		out = append(out, s.kustPatches(k, o, declared)...)
		out = append(out, s.kustTransformers(k, o, declared)...)
	}
	return out
}

// kustPatches lists the patches of one kustomization that apply to o, in
// the order kustomize applies them.
func (s *sourcer) kustPatches(k *kustDoc, o *Object, declared string) []Patch {
	dir := path.Dir(k.file)
	root := docMapping(k.doc)
	var out []Patch
	add := func(p Patch) {
		if len(p.Fields) > 0 {
			out = append(out, p)
		}
	}
	if seq := nodeAt(root, "patchesStrategicMerge"); seq != nil {
		for _, item := range seq.Content {
			if !s.t.has(path.Join(dir, item.Value)) {
				add(s.smpPatch(k.file, inlineDocs(k.file, item), o, declared))
			} else {
				f := path.Join(dir, item.Value)
				add(s.smpPatch(f, s.parsed(f), o, declared))
			}
		}
	}
	for _, field := range []string{"patches", "patchesJson6902"} {
		seq := nodeAt(root, field)
		if seq == nil {
			continue
		}
		for _, item := range seq.Content {
			file, docs := k.file, []*yaml.Node(nil)
			if p := scalarAt(item, "path"); p != "" {
				file = path.Join(dir, p)
				docs = s.parsed(file)
			} else if v := nodeAt(item, "patch"); v != nil {
				docs = inlineDocs(k.file, v)
			}
			target := nodeAt(item, "target")
			if target != nil && !targetMatches(target, o, declared) {
				continue
			}
			switch {
			case isJSONPatch(docs):
				add(jsonPatch(file, docs[0], o))
			case target != nil:
				add(s.smpPatch(file, docs, o, "")) // the target chose the object
			default:
				add(s.smpPatch(file, docs, o, declared))
			}
		}
	}
	return out
}

// inlineDocs parses a patch written inline in a kustomization, shifting
// lines so they point into the kustomization file.
func inlineDocs(file string, v *yaml.Node) []*yaml.Node {
	docs, err := parseYAML(file, []byte(v.Value))
	if err != nil {
		return nil
	}
	offset := v.Line - 1
	if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		offset = v.Line
	}
	for _, d := range docs {
		shiftLines(d, offset)
	}
	return docs
}

func shiftLines(n *yaml.Node, by int) {
	n.Line += by
	for _, c := range n.Content {
		shiftLines(c, by)
	}
}

func isJSONPatch(docs []*yaml.Node) bool {
	if len(docs) != 1 {
		return false
	}
	d := docs[0]
	if d.Kind == yaml.DocumentNode && len(d.Content) > 0 {
		d = d.Content[0]
	}
	return d.Kind == yaml.SequenceNode
}

// smpPatch records the fields of the strategic merge patch documents that
// address o; an empty declared name means a target selected o already.
func (s *sourcer) smpPatch(file string, docs []*yaml.Node, o *Object, declared string) Patch {
	p := Patch{File: file, Fields: map[string]int{}}
	for _, d := range docs {
		m := docMapping(d)
		if m == nil || scalarAt(m, "kind") != o.ID.Kind {
			continue
		}
		if declared != "" {
			if name := scalarAt(m, "metadata", "name"); name != declared && name != o.ID.Name && !strings.Contains(o.ID.Name, name) {
				continue
			}
		}
		walkFields(m, nil, p.Fields, true)
	}
	return p
}

// walkFields records the line of every field path a patch sets.
func walkFields(n *yaml.Node, prefix []string, out map[string]int, top bool) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			if strings.HasPrefix(key.Value, "$") {
				continue
			}
			if top && (key.Value == "apiVersion" || key.Value == "kind") {
				continue
			}
			segs := append(append([]string{}, prefix...), key.Value)
			if top && key.Value == "metadata" {
				walkMetadata(val, segs, out)
				continue
			}
			out[strings.Join(segs, ".")] = key.Line
			walkFields(val, segs, out, false)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			sel := "[" + strconv.Itoa(i) + "]"
			if name := scalarAt(item, "name"); name != "" {
				sel = "[name=" + name + "]"
			}
			segs := append(append([]string{}, prefix...), sel)
			out[strings.Join(segs, ".")] = item.Line
			walkFields(item, segs, out, false)
		}
	}
}

func walkMetadata(m *yaml.Node, prefix []string, out map[string]int) {
	if m.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		key := m.Content[i].Value
		if key == "name" || key == "namespace" {
			continue // identify the target, set nothing
		}
		segs := append(append([]string{}, prefix...), key)
		out[strings.Join(segs, ".")] = m.Content[i].Line
		walkFields(m.Content[i+1], segs, out, false)
	}
}
