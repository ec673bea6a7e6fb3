package render

import (
	"path"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// transformerKinds are kustomize's builtin transformers, besides patches,
// whose effect on an object is attributed to the kustomization entry that
// configured them (see kustTransformers).
var transformerKinds = map[string]bool{
	"NamespaceTransformer":    true,
	"PrefixTransformer":       true,
	"SuffixTransformer":       true,
	"LabelTransformer":        true,
	"AnnotationsTransformer":  true,
	"ReplicaCountTransformer": true,
	"ImageTagTransformer":     true,
	"ReplacementTransformer":  true,
}

// configuredTransformers attributes the labels and annotations that the
// builtin LabelTransformer and AnnotationsTransformer configurations listed
// under transformers: add, to the lines of the configuration (a file of its
// own, or inline in the kustomization).
func (s *sourcer) configuredTransformers(k *kustDoc, root *yaml.Node, fields func() map[string]any) []Patch {
	seq := nodeAt(root, "transformers")
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil
	}
	var out []Patch
	for _, item := range seq.Content {
		if item.Kind != yaml.ScalarNode {
			continue
		}
		file, docs := path.Join(path.Dir(k.file), item.Value), []*yaml.Node(nil)
		if s.t.has(file) {
			docs = s.parsed(file)
		} else {
			file, docs = k.file, inlineDocs(k.file, item)
		}
		p := Patch{File: file, Fields: map[string]int{}}
		for _, d := range docs {
			m := docMapping(d)
			if m == nil || scalarAt(m, "apiVersion") != "builtin" {
				continue
			}
			switch scalarAt(m, "kind") {
			case "LabelTransformer":
				var sel, tmpl bool
				if specs := nodeAt(m, "fieldSpecs"); specs != nil {
					for _, fs := range specs.Content {
						fp := scalarAt(fs, "path")
						sel = sel || strings.Contains(fp, "selector")
						tmpl = tmpl || strings.Contains(fp, "template")
					}
				}
				labelFields(nodeAt(m, "labels"), sel, tmpl, fields, p.Fields)
			case "AnnotationsTransformer":
				annotationFields(nodeAt(m, "annotations"), fields, p.Fields)
			}
		}
		out = append(out, p)
	}
	return out
}

// transformerOwner finds the kustomization that lists file under
// transformers: (nil when none does), for kustomize's records of external
// transformers, which name their configuration file.
func (s *sourcer) transformerOwner(file string) *kustDoc {
	if s.owners == nil {
		s.owners = map[string]*kustDoc{}
		for _, k := range s.sr.kusts {
			for _, t := range k.k.Transformers {
				s.owners[path.Join(path.Dir(k.file), t)] = k
			}
		}
	}
	return s.owners[file]
}

// kustTransformers records, as Patches on the kustomization file (and on
// the files replacements and transformer configurations are kept in), the
// fields of o that the kustomization's transformers set, each at the line
// of the entry that sets it: namespace, namePrefix, nameSuffix,
// commonLabels, labels, commonAnnotations, replicas, images, replacements,
// and builtin label and annotation configurations under transformers:. It
// reads the rendered object, so it names only fields the object has, with
// the value the entry gives. They come in kustomize's order, so where two
// set the same field the later one keeps it (SourceOf reads patches from
// the last).
func (s *sourcer) kustTransformers(k *kustDoc, o *Object, declared string) []Patch {
	p := Patch{File: k.file, Fields: map[string]int{}}
	root := docMapping(k.doc)
	if root == nil {
		return nil
	}
	if v := nodeAt(root, "namespace"); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" && v.Value == o.ID.Namespace {
		p.Fields["metadata.namespace"] = v.Line
	}
	if v := nodeAt(root, "namePrefix"); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" && strings.HasPrefix(o.ID.Name, v.Value) {
		p.Fields["metadata.name"] = v.Line
	}
	if v := nodeAt(root, "nameSuffix"); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" && strings.Contains(o.ID.Name, v.Value) {
		p.Fields["metadata.name"] = v.Line
	}
	var flat map[string]any
	fields := func() map[string]any {
		if flat == nil {
			flat = flatten(o.Fields)
		}
		return flat
	}
	labelFields(nodeAt(root, "commonLabels"), true, true, fields, p.Fields)
	if seq := nodeAt(root, "labels"); seq != nil && seq.Kind == yaml.SequenceNode {
		for _, item := range seq.Content {
			sel, tmpl := scalarAt(item, "includeSelectors") == "true", scalarAt(item, "includeTemplates") == "true"
			labelFields(nodeAt(item, "pairs"), sel, tmpl || sel, fields, p.Fields)
		}
	}
	annotationFields(nodeAt(root, "commonAnnotations"), fields, p.Fields)
	if seq := nodeAt(root, "replicas"); seq != nil && seq.Kind == yaml.SequenceNode {
		for _, item := range seq.Content {
			if name := scalarAt(item, "name"); name != "" && (name == o.ID.Name || name == declared) {
				if _, ok := o.Get("spec", "replicas"); ok {
					p.Fields["spec.replicas"] = item.Line
				}
			}
		}
	}
	if seq := nodeAt(root, "images"); seq != nil && seq.Kind == yaml.SequenceNode {
		for _, item := range seq.Content {
			imageFields(item, fields, p.Fields)
		}
	}
	out := []Patch{p}
	if seq := nodeAt(root, "replacements"); seq != nil && seq.Kind == yaml.SequenceNode {
		for _, item := range seq.Content {
			file := scalarAt(item, "path")
			if file == "" {
				s.replacementFields(item, o, declared, p.Fields)
				continue
			}
			// A replacement kept in its own file is attributed to that file.
			fp := Patch{File: path.Join(path.Dir(k.file), file), Fields: map[string]int{}}
			for _, d := range s.parsed(fp.File) {
				s.replacementFields(d, o, declared, fp.Fields)
			}
			out = append(out, fp)
		}
	}
	// Configurations listed under transformers: run after the builtin fields.
	out = append(out, s.configuredTransformers(k, root, fields)...)
	kept := out[:0]
	for _, q := range out {
		if len(q.Fields) > 0 {
			kept = append(kept, q)
		}
	}
	return kept
}

// labelFields attributes the labels of pairs (a mapping) wherever the
// object carries them with that value: its own labels always, selectors
// and pod template labels when the entry reaches them.
func labelFields(pairs *yaml.Node, selectors, templates bool, fields func() map[string]any, out map[string]int) {
	if pairs == nil || pairs.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(pairs.Content); i += 2 {
		key, val := pairs.Content[i], pairs.Content[i+1]
		for p, v := range fields() {
			s, ok := v.(string)
			if !ok || s != val.Value || !strings.HasSuffix(p, "."+key.Value) {
				continue
			}
			parent := strings.TrimSuffix(p, "."+key.Value)
			switch {
			case parent == "metadata.labels":
			case strings.HasSuffix(parent, "template.metadata.labels"):
				if !templates {
					continue
				}
			case strings.HasSuffix(parent, ".matchLabels") || parent == "spec.selector":
				if !selectors {
					continue
				}
			default:
				continue
			}
			out[p] = key.Line
		}
	}
}

// annotationFields attributes commonAnnotations to the object's and its
// pod template's annotations that carry them.
func annotationFields(pairs *yaml.Node, fields func() map[string]any, out map[string]int) {
	if pairs == nil || pairs.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(pairs.Content); i += 2 {
		key, val := pairs.Content[i], pairs.Content[i+1]
		for p, v := range fields() {
			if s, ok := v.(string); ok && s == val.Value && strings.HasSuffix(p, "metadata.annotations."+key.Value) {
				out[p] = key.Line
			}
		}
	}
}

// imageFields attributes the container images an images: entry set: those
// whose repository is the entry's new name, or its name when it keeps it.
func imageFields(item *yaml.Node, fields func() map[string]any, out map[string]int) {
	want := scalarAt(item, "newName")
	if want == "" {
		want = scalarAt(item, "name")
	}
	if want == "" {
		return
	}
	for p, v := range fields() {
		s, ok := v.(string)
		if !ok || !strings.HasSuffix(p, ".image") || !isContainerPath(p) {
			continue
		}
		if imageRepository(s) == want {
			out[p] = item.Line
		}
	}
}

// isContainerPath reports whether p is the image of a container, init or
// ephemeral container, at any depth (pod, template, job template).
func isContainerPath(p string) bool {
	segs := strings.Split(strings.TrimSuffix(p, ".image"), ".")
	if len(segs) < 2 {
		return false
	}
	switch segs[len(segs)-2] {
	case "containers", "initContainers", "ephemeralContainers":
		return strings.HasPrefix(segs[len(segs)-1], "[")
	}
	return false
}

// imageRepository is an image reference without its tag and digest.
func imageRepository(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	return ref
}

// replacementFields attributes the field paths of a replacement's targets
// that select o to the lines naming them.
func (s *sourcer) replacementFields(n *yaml.Node, o *Object, declared string, out map[string]int) {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 && n.Content[0].Kind == yaml.SequenceNode {
		for _, item := range n.Content[0].Content {
			s.replacementFields(item, o, declared, out)
		}
		return
	}
	targets := nodeAt(docMapping(n), "targets")
	if targets == nil || targets.Kind != yaml.SequenceNode {
		return
	}
	for _, t := range targets.Content {
		if !selects(nodeAt(t, "select"), o, declared) || rejects(nodeAt(t, "reject"), o, declared) {
			continue
		}
		paths := nodeAt(t, "fieldPaths")
		if paths == nil || paths.Kind != yaml.SequenceNode {
			continue
		}
		for _, fp := range paths.Content {
			if fp.Kind == yaml.ScalarNode && fp.Value != "" {
				out[canonicalPath(o.Fields, fp.Value)] = fp.Line
			}
		}
	}
}

// selects reports whether a replacement's select (kind, name, namespace,
// group, version; a label or annotation selector is not followed) picks o.
func selects(sel *yaml.Node, o *Object, declared string) bool {
	if sel == nil || sel.Kind != yaml.MappingNode {
		return false
	}
	if nodeAt(sel, "labelSelector") != nil || nodeAt(sel, "annotationSelector") != nil {
		return false
	}
	return matchesID(sel, o, declared)
}

func rejects(list *yaml.Node, o *Object, declared string) bool {
	if list == nil || list.Kind != yaml.SequenceNode {
		return false
	}
	for _, r := range list.Content {
		if r.Kind == yaml.MappingNode && matchesID(r, o, declared) {
			return true
		}
	}
	return false
}

func matchesID(sel *yaml.Node, o *Object, declared string) bool {
	if v := scalarAt(sel, "kind"); v != "" && v != o.ID.Kind {
		return false
	}
	if v := scalarAt(sel, "name"); v != "" && v != o.ID.Name && v != declared {
		return false
	}
	if v := scalarAt(sel, "namespace"); v != "" && v != o.ID.Namespace {
		return false
	}
	if v := scalarAt(sel, "group"); v != "" && v != o.ID.Group() {
		return false
	}
	return true
}
