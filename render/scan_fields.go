package render

// The scan reads kustomize's deprecated fields and plugin types on
// purpose: kustomize still acts on them.
//lint:file-ignore SA1019 deprecated kustomize fields and types are still read by kustomize

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/api/builtins"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	sigsyaml "sigs.k8s.io/yaml"
)

// refKind is how kustomize resolves a reference.
type refKind int

const (
	// refFile goes through Loader.Load: fetched when it is a URL, else
	// read from the tree.
	refFile refKind = iota
	// refEntry (resources, bases, generator and transformer paths) is
	// first loaded as a file, then handed to Loader.New: a kustomization
	// directory, or a git clone.
	refEntry
	// refDir (components) goes to Loader.New directly.
	refDir
)

// ref is one path-valued field of a kustomization or a plugin config.
type ref struct {
	field string // as written, e.g. "configMapGenerator[0].envs"
	path  string
	kind  refKind
	yaml  bool // kustomize parses what it loads as YAML
}

// inlineDoc is YAML held in a field rather than named by it: an inline
// patch, or an inline generator/transformer/validator config.
type inlineDoc struct {
	field   string
	content string
	plugin  bool
}

// decodeKustomization decodes a kustomization file with kustomize's own
// type and decoder (KustTarget.Load): sigs.k8s.io/yaml through
// encoding/json, so keys match case-insensitively, unknown keys are
// refused and the last of two spellings of a key wins.
func decodeKustomization(data []byte) (*types.Kustomization, error) {
	var k types.Kustomization
	if err := k.Unmarshal(data); err != nil {
		return nil, err
	}
	return &k, nil
}

// kustRefs lists every reference a kustomization makes, named by the field
// that holds it. It reads the fields as decoded, before FixKustomization
// moves deprecated ones (bases, env, helmChartInflationGenerator) into
// their successors, so that errors name the field the author wrote; every
// field the fix fills from is listed here too.
func kustRefs(k *types.Kustomization, rf *resmap.Factory) ([]ref, []inlineDoc) {
	var refs []ref
	var inl []inlineDoc
	add := func(field string, kind refKind, yaml bool, paths ...string) {
		for _, p := range paths {
			if p != "" {
				refs = append(refs, ref{field: field, path: p, kind: kind, yaml: yaml})
			}
		}
	}
	add("resources", refEntry, true, k.Resources...)
	add("bases", refEntry, true, k.Bases...)
	add("components", refDir, true, k.Components...)
	add("crds", refFile, true, k.Crds...)
	add("configurations", refFile, true, k.Configurations...)
	for key, v := range k.OpenAPI {
		if strings.EqualFold(key, "path") {
			add("openapi.path", refFile, true, v)
		}
	}
	for i, p := range k.Patches {
		add(fmt.Sprintf("patches[%d].path", i), refFile, true, p.Path)
		if p.Patch != "" {
			inl = append(inl, inlineDoc{field: fmt.Sprintf("patches[%d].patch", i), content: p.Patch})
		}
	}
	for i, p := range k.PatchesJson6902 {
		add(fmt.Sprintf("patchesJson6902[%d].path", i), refFile, true, p.Path)
		if p.Patch != "" {
			inl = append(inl, inlineDoc{field: fmt.Sprintf("patchesJson6902[%d].patch", i), content: p.Patch})
		}
	}
	for i, p := range k.PatchesStrategicMerge {
		field := fmt.Sprintf("patchesStrategicMerge[%d]", i)
		r, d := smpEntry(field, string(p), rf)
		refs, inl = append(refs, r...), append(inl, d...)
	}
	for i, g := range k.ConfigMapGenerator {
		refs = append(refs, kvRefs(fmt.Sprintf("configMapGenerator[%d]", i), g.KvPairSources)...)
	}
	for i, g := range k.SecretGenerator {
		refs = append(refs, kvRefs(fmt.Sprintf("secretGenerator[%d]", i), g.KvPairSources)...)
	}
	for i, r := range k.Replacements {
		add(fmt.Sprintf("replacements[%d].path", i), refFile, true, r.Path)
	}
	for _, l := range []struct {
		field string
		list  []string
	}{{"generators", k.Generators}, {"transformers", k.Transformers}, {"validators", k.Validators}} {
		for i, e := range l.list {
			// As KustTarget.configureExternalGenerators: an entry that
			// parses as resources is an inline config, else a path.
			if _, err := rf.NewResMapFromBytes([]byte(e)); err == nil {
				inl = append(inl, inlineDoc{field: fmt.Sprintf("%s[%d]", l.field, i), content: e, plugin: true})
				continue
			}
			add(l.field, refEntry, true, e)
		}
	}
	return refs, inl
}

// smpEntry splits a patchesStrategicMerge entry as kustomize's
// PatchStrategicMergeTransformer does: content if it parses as resources,
// else a file path.
func smpEntry(field, e string, rf *resmap.Factory) ([]ref, []inlineDoc) {
	if _, err := rf.RF().SliceFromBytes([]byte(e)); err == nil {
		return nil, []inlineDoc{{field: field, content: e}}
	}
	return []ref{{field: field, path: e, kind: refFile, yaml: true}}, nil
}

// kvRefs lists the files a configMap/secret generator reads: envs, the
// deprecated env, and files as "[key=]path" (kustomize's ParseFileSource).
// A files entry kustomize would reject is checked whole, which refuses it.
func kvRefs(field string, kv types.KvPairSources) []ref {
	var refs []ref
	for _, e := range kv.EnvSources {
		refs = append(refs, ref{field: field + ".envs", path: e, kind: refFile})
	}
	if kv.EnvSource != "" {
		refs = append(refs, ref{field: field + ".env", path: kv.EnvSource, kind: refFile})
	}
	for _, f := range kv.FileSources {
		p := f
		if strings.Count(f, "=") == 1 {
			_, p, _ = strings.Cut(f, "=")
		}
		if p == "" {
			continue
		}
		refs = append(refs, ref{field: field + ".files", path: p, kind: refFile})
	}
	return refs
}

// newResmapFactory is the resource factory kustomize's default build uses.
func newResmapFactory() *resmap.Factory {
	return resmap.NewFactory(provider.NewDefaultDepProvider().GetResourceFactory())
}

// pluginRefs lists the files a built-in generator or transformer config
// makes kustomize load, decoding the config with the plugin's own type and
// decoder (each builtin's Config is sigs.k8s.io/yaml.Unmarshal). Paths in
// a plugin config resolve against the kustomization that lists it.
func pluginRefs(res *resource.Resource, rf *resmap.Factory) ([]ref, []inlineDoc, error) {
	y, err := res.AsYAML()
	if err != nil {
		return nil, nil, err
	}
	kind := res.GetKind()
	var refs []ref
	var inl []inlineDoc
	file := func(field, p string, yaml bool) {
		if p != "" {
			refs = append(refs, ref{field: kind + "." + field, path: p, kind: refFile, yaml: yaml})
		}
	}
	switch kind {
	case "ConfigMapGenerator":
		var p builtins.ConfigMapGeneratorPlugin
		if err := sigsyaml.Unmarshal(y, &p); err != nil {
			return nil, nil, err
		}
		refs = kvRefs(kind, p.KvPairSources)
	case "SecretGenerator":
		var p builtins.SecretGeneratorPlugin
		if err := sigsyaml.Unmarshal(y, &p); err != nil {
			return nil, nil, err
		}
		refs = kvRefs(kind, p.KvPairSources)
	case "PatchTransformer":
		var p builtins.PatchTransformerPlugin
		if err := sigsyaml.Unmarshal(y, &p); err != nil {
			return nil, nil, err
		}
		file("path", p.Path, true)
		if p.Patch != "" {
			inl = append(inl, inlineDoc{field: kind + ".patch", content: p.Patch})
		}
	case "PatchJson6902Transformer":
		var p builtins.PatchJson6902TransformerPlugin
		if err := sigsyaml.Unmarshal(y, &p); err != nil {
			return nil, nil, err
		}
		file("path", p.Path, true)
	case "PatchStrategicMergeTransformer":
		var p builtins.PatchStrategicMergeTransformerPlugin
		if err := sigsyaml.Unmarshal(y, &p); err != nil {
			return nil, nil, err
		}
		for i, e := range p.Paths {
			r, d := smpEntry(fmt.Sprintf("%s.paths[%d]", kind, i), string(e), rf)
			refs, inl = append(refs, r...), append(inl, d...)
		}
		if p.Patches != "" {
			inl = append(inl, inlineDoc{field: kind + ".patches", content: p.Patches})
		}
	case "ReplacementTransformer":
		var p builtins.ReplacementTransformerPlugin
		if err := sigsyaml.Unmarshal(y, &p); err != nil {
			return nil, nil, err
		}
		for i, r := range p.ReplacementList {
			file(fmt.Sprintf("replacements[%d].path", i), r.Path, true)
		}
	case "ValueAddTransformer":
		var p builtins.ValueAddTransformerPlugin
		if err := sigsyaml.Unmarshal(y, &p); err != nil {
			return nil, nil, err
		}
		file("targetFilePath", p.TargetFilePath, true)
	}
	return refs, inl, nil
}
