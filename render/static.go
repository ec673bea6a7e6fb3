package render

import (
	"path"

	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// candidate is a place that declares an object: a document in a resource
// file, or a generator entry, with the name it gets after the prefixes and
// suffixes of the kustomizations above it.
type candidate struct {
	kind, name, declared string
	src                  Source
	generated            bool
	// levels are the kustomizations whose patches can reach the object,
	// innermost first, each preceded by the Components it includes.
	levels []*kustDoc
}

// staticIndex lists every declaration the kustomization closure holds,
// keyed by kind and final name, by walking it from the top as kustomize
// accumulates it.
func (s *sourcer) staticIndex() map[string][]candidate {
	idx := map[string][]candidate{}
	var walk func(k *kustDoc, prefix, suffix string, outer []*kustDoc, depth int)
	walk = func(k *kustDoc, prefix, suffix string, outer []*kustDoc, depth int) {
		if depth > 64 {
			return // cycles were refused by the pre-scan; this is a guard
		}
		prefix += k.k.NamePrefix
		suffix = k.k.NameSuffix + suffix
		levels := append(s.componentsOf(k), k)
		levels = append(levels, outer...)
		dir := path.Dir(k.file)
		for _, list := range [][]string{k.k.Resources, k.k.Bases, k.k.Components} {
			for _, e := range list {
				p := path.Join(dir, e)
				if sub := s.sr.kusts[s.t.KustomizationFile(p)]; sub != nil {
					walk(sub, prefix, suffix, levels, depth+1)
					continue
				}
				docs, _ := s.t.parse(p)
				for _, d := range docs {
					m := docMapping(d)
					if m == nil {
						continue
					}
					kind, name := scalarAt(m, "kind"), scalarAt(m, "metadata", "name")
					key := kind + "/" + prefix + name + suffix
					idx[key] = append(idx[key], candidate{kind: kind, name: prefix + name + suffix, declared: name,
						src: Source{File: p, Line: m.Line}, levels: levels})
				}
			}
		}
		root := docMapping(k.doc)
		for field, kind := range map[string]string{"configMapGenerator": "ConfigMap", "secretGenerator": "Secret"} {
			seq := nodeAt(root, field)
			if seq == nil || seq.Kind != yaml.SequenceNode {
				continue
			}
			for _, item := range seq.Content {
				name := scalarAt(item, "name")
				if scalarAt(item, "behavior") == "merge" || scalarAt(item, "behavior") == "replace" {
					continue // changes a generator declared further in
				}
				key := kind + "/" + prefix + name + suffix
				idx[key] = append(idx[key], candidate{kind: kind, name: prefix + name + suffix, declared: name,
					src: Source{File: k.file, Line: item.Line}, generated: true, levels: levels})
			}
		}
	}
	walk(s.sr.top, "", "", nil, 0)
	return idx
}

// componentsOf lists the Components k includes, whose patches apply to
// everything k accumulates before its own.
func (s *sourcer) componentsOf(k *kustDoc) []*kustDoc {
	var out []*kustDoc
	for _, e := range k.k.Components {
		if c := s.sr.kusts[s.t.KustomizationFile(path.Join(path.Dir(k.file), e))]; c != nil {
			out = append(out, c)
		}
	}
	return out
}

// staticObjects converts an untracked render, attributing every object to
// exactly one declaration; it reports false when some object matches none
// or several, and the caller then renders again with origin tracking.
func (s *sourcer) staticObjects(m resmap.ResMap) ([]Object, bool) {
	idx := s.staticIndex()
	objs := make([]Object, 0, m.Size())
	for _, res := range m.Resources() {
		fields, err := res.Map()
		if err != nil {
			return nil, false
		}
		o := Object{
			ID:     ObjectID{APIVersion: res.GetApiVersion(), Kind: res.GetKind(), Namespace: res.GetNamespace(), Name: res.GetName()},
			Fields: fields,
		}
		c, ok := matchCandidate(idx, o.ID.Kind, o.ID.Name)
		if !ok {
			return nil, false
		}
		o.Source = c.src
		o.Lines = s.declLines(c.src)
		seen := map[string]bool{}
		for _, k := range c.levels {
			if !seen[k.file] {
				seen[k.file] = true
				o.Patches = append(o.Patches, s.kustPatches(k, &o, c.declared)...)
				o.Patches = append(o.Patches, s.kustTransformers(k, &o, c.declared)...)
			}
		}
		objs = append(objs, o)
	}
	return objs, true
}

// matchCandidate finds the one declaration whose final name is name
// (generated names may carry kustomize's 10-character hash suffix).
func matchCandidate(idx map[string][]candidate, kind, name string) (candidate, bool) {
	found := append([]candidate(nil), idx[kind+"/"+name]...)
	if n := len(name) - 11; n > 0 && name[n] == '-' {
		for _, c := range idx[kind+"/"+name[:n]] {
			if c.generated {
				found = append(found, c)
			}
		}
	}
	if len(found) == 0 {
		return candidate{}, false
	}
	for _, c := range found[1:] {
		if c.src != found[0].src {
			return candidate{}, false
		}
	}
	return found[0], true
}
