package render

import (
	"strings"

	"sigs.k8s.io/yaml"
)

// kustomizationNames are the file names kustomize recognises as a
// kustomization, in the order it looks for them.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// isKustomizationName reports whether base is one of kustomizationNames.
func isKustomizationName(base string) bool {
	for _, n := range kustomizationNames {
		if base == n {
			return true
		}
	}
	return false
}

// kustomization holds the fields of a kustomization file that name other
// files. Everything else is ignored: the graph is built statically, without
// kustomize, so that selecting overlays stays cheap.
type kustomization struct {
	Kind                  string            `json:"kind"`
	Resources             []string          `json:"resources"`
	Bases                 []string          `json:"bases"`
	Components            []string          `json:"components"`
	Crds                  []string          `json:"crds"`
	Configurations        []string          `json:"configurations"`
	OpenAPI               map[string]string `json:"openapi"`
	Patches               []pathRef         `json:"patches"`
	PatchesStrategicMerge []string          `json:"patchesStrategicMerge"`
	PatchesJSON6902       []pathRef         `json:"patchesJson6902"`
	ConfigMapGenerator    []generatorArgs   `json:"configMapGenerator"`
	SecretGenerator       []generatorArgs   `json:"secretGenerator"`
	Replacements          []pathRef         `json:"replacements"`
	Generators            []string          `json:"generators"`
	Transformers          []string          `json:"transformers"`
	Validators            []string          `json:"validators"`
	HelmCharts            []helmChart       `json:"helmCharts"`
	HelmGlobals           *helmGlobals      `json:"helmGlobals"`

	// unknown is set when a field naming files could not be decoded.
	unknown bool
}

type pathRef struct {
	Path string `json:"path"`
}

type generatorArgs struct {
	Files []string `json:"files"`
	Envs  []string `json:"envs"`
	Env   string   `json:"env"`
}

type helmChart struct {
	ValuesFile            string   `json:"valuesFile"`
	AdditionalValuesFiles []string `json:"additionalValuesFiles"`
}

type helmGlobals struct {
	ChartHome string `json:"chartHome"`
}

// parseKustomization decodes a kustomization file. The error is kept by the
// caller, which then treats the kustomization as depending on everything.
//
// A kustomization that is YAML but not of the shape kustomize expects (the
// pre-v5 string form of patches, a typo'd field type) is decoded field by
// field, so that its references are still known: it does not render, and
// it should not be pulled into pull requests that touch nothing it names.
func parseKustomization(b []byte) (*kustomization, error) {
	var k kustomization
	err := yaml.Unmarshal(b, &k)
	if err == nil {
		return &k, nil
	}
	var fields map[string]any
	if yaml.Unmarshal(b, &fields) != nil || fields == nil {
		return nil, err
	}
	return parseLeniently(fields), nil
}

// parseLeniently decodes each field on its own, reading path-or-object
// lists (patches) whose entries are plain strings as paths. A field that
// still does not decode makes the kustomization depend on everything.
func parseLeniently(fields map[string]any) *kustomization {
	k := &kustomization{}
	for key, v := range fields {
		if list, ok := v.([]any); ok {
			switch key {
			case "patches", "patchesJson6902", "replacements":
				v = pathsAsRefs(list)
			}
		}
		one, err := yaml.Marshal(map[string]any{key: v})
		if err == nil {
			var part kustomization
			if err = yaml.Unmarshal(one, &part); err == nil {
				err = yaml.Unmarshal(one, k)
			}
		}
		if err != nil {
			k.unknown = true
		}
	}
	return k
}

// pathsAsRefs turns the string entries of a list into {path: entry}.
func pathsAsRefs(list []any) []any {
	out := make([]any, len(list))
	for i, it := range list {
		if s, ok := it.(string); ok {
			it = map[string]any{"path": s}
		}
		out[i] = it
	}
	return out
}

// refs lists the entries of k that may name a file or directory, as
// written. Entries that are inline content (patches, generator configs)
// are left out: they live in the kustomization file itself.
func (k *kustomization) refs() []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && !isInline(s) {
			out = append(out, s)
		}
	}
	for _, list := range [][]string{k.Resources, k.Bases, k.Components, k.Crds, k.Configurations,
		k.PatchesStrategicMerge, k.Generators, k.Transformers, k.Validators} {
		for _, s := range list {
			add(s)
		}
	}
	add(k.OpenAPI["path"])
	for _, list := range [][]pathRef{k.Patches, k.PatchesJSON6902, k.Replacements} {
		for _, r := range list {
			add(r.Path)
		}
	}
	for _, list := range [][]generatorArgs{k.ConfigMapGenerator, k.SecretGenerator} {
		for _, g := range list {
			for _, f := range g.Files {
				// "key=path" names the data key; the file is after the first "=".
				if i := strings.Index(f, "="); i >= 0 {
					f = f[i+1:]
				}
				add(f)
			}
			for _, e := range g.Envs {
				add(e)
			}
			add(g.Env)
		}
	}
	for _, h := range k.HelmCharts {
		add(h.ValuesFile)
		for _, v := range h.AdditionalValuesFiles {
			add(v)
		}
	}
	if len(k.HelmCharts) > 0 {
		home := "charts"
		if k.HelmGlobals != nil && k.HelmGlobals.ChartHome != "" {
			home = k.HelmGlobals.ChartHome
		}
		add(home)
	}
	return out
}

// isInline reports whether a list entry is YAML or JSON content rather
// than a path (patchesStrategicMerge, generators and transformers allow
// both).
func isInline(s string) bool {
	return strings.Contains(s, "\n") || strings.HasPrefix(s, "{") || strings.Contains(s, ": ")
}
