package render

//lint:file-ignore SA1019 the oracle reads the deprecated fields kustomize still acts on

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	sigsyaml "sigs.k8s.io/yaml"
)

// FuzzScan holds the pre-scan to kustomize's own reading of a
// kustomization: whenever kustomize's decoder (with its deprecated-field
// fixes) yields a path-bearing field that kustomize would fetch, clone or
// read from the machine, the scan must refuse the kustomization.
func FuzzScan(f *testing.F) {
	for _, seed := range []string{
		"Resources: [http://127.0.0.1:18999/r.yaml]\n",
		"RESOURCES: [http://127.0.0.1:18999/r.yaml]\n",
		"resources: [cm.yaml]\nPatchesStrategicMerge: [http://127.0.0.1:18999/p.yaml]\n",
		"ConfigMapGenerator: [{name: x, envs: [http://127.0.0.1:18999/e]}]\n",
		"resources: [cm.yaml]\nCrds: [http://127.0.0.1:18999/c.yaml]\n",
		"resources: [cm.yaml]\nOpenAPI: {path: http://127.0.0.1:18999/s.json}\n",
		"generators:\n- |\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n  metadata: {name: g}\n  envs: [http://127.0.0.1:18999/e]\n",
		"generators:\n- |\n  apiVersion: builtin\n  kind: SecretGenerator\n  metadata: {name: s}\n  files: [/etc/hostname]\n",
		"resources: [cm.yaml]\ntransformers:\n- |\n  apiVersion: builtin\n  kind: PatchTransformer\n  metadata: {name: p}\n  path: http://127.0.0.1:18999/p.yaml\n",
		"resources: [GitHub.com/org/repo]\n",
		"resources: [u@host:org/repo]\n",
		"resources: [GIT::github.com/org/repo]\n",
		"bases: [../x]\nsecretGenerator: [{name: s, env: HTTPS://h/e}]\n",
		"resources: [cm.yaml]\nreplacements: [{path: /etc/r.yaml}]\n",
		"resources: [cm.yaml]\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		bad := kustomizeOutsideRef(data)
		if bad == "" {
			return
		}
		tree, err := FromFiles(map[string][]byte{
			"app/kustomization.yaml": data,
			"app/cm.yaml":            []byte(localCM),
		}, DefaultLimits())
		if err != nil {
			return
		}
		if _, err := tree.scan("app", true); err == nil {
			t.Fatalf("the scan allowed %q, which kustomize reads as %q", data, bad)
		}
	})
}

// kustomizeOutsideRef decodes a kustomization as KustTarget.Load does and
// returns the first path-bearing value kustomize would fetch over HTTP,
// clone with git or read as an absolute path, or "" when there is none.
// It is written apart from the scan, from kustomize's sources.
func kustomizeOutsideRef(data []byte) string {
	var k types.Kustomization
	if err := k.Unmarshal(data); err != nil {
		return ""
	}
	k.FixKustomization()
	var paths []string
	paths = append(paths, k.Resources...)
	paths = append(paths, k.Components...)
	paths = append(paths, k.Crds...)
	paths = append(paths, k.Configurations...)
	for key, v := range k.OpenAPI {
		if strings.EqualFold(key, "path") {
			paths = append(paths, v)
		}
	}
	for _, p := range append(k.Patches, k.PatchesJson6902...) {
		paths = append(paths, p.Path)
	}
	for _, p := range k.PatchesStrategicMerge {
		paths = append(paths, string(p))
	}
	for _, g := range k.ConfigMapGenerator {
		paths = append(paths, kvPaths(g.KvPairSources)...)
	}
	for _, g := range k.SecretGenerator {
		paths = append(paths, kvPaths(g.KvPairSources)...)
	}
	for _, r := range k.Replacements {
		paths = append(paths, r.Path)
	}
	rf := newResmapFactory()
	for _, e := range append(append(append([]string{}, k.Generators...), k.Transformers...), k.Validators...) {
		rm, err := rf.NewResMapFromBytes([]byte(e))
		if err != nil {
			paths = append(paths, e)
			continue
		}
		for _, res := range rm.Resources() {
			paths = append(paths, builtinConfigPaths(res)...)
		}
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		u, err := url.Parse(p)
		if err == nil && (u.Scheme == "http" || u.Scheme == "https") ||
			filepath.IsAbs(p) || (&resource.Origin{}).Append(p).Repo != "" {
			return p
		}
	}
	return ""
}

func kvPaths(kv types.KvPairSources) []string {
	out := append([]string{}, kv.EnvSources...)
	for _, f := range kv.FileSources {
		if strings.Count(f, "=") == 1 {
			_, f, _ = strings.Cut(f, "=")
		}
		out = append(out, f)
	}
	return out
}

// builtinConfigPaths lists the files the builtin plugins that load files
// would load, decoding the config as their Config methods do.
func builtinConfigPaths(res *resource.Resource) []string {
	if res.GetGvk().Group != "" || res.GetGvk().Version != "builtin" {
		return nil
	}
	y, err := res.AsYAML()
	if err != nil {
		return nil
	}
	var c struct {
		types.KvPairSources
		Path           string
		Paths          []string
		TargetFilePath string
		Replacements   []struct{ Path string }
	}
	if sigsyaml.Unmarshal(y, &c) != nil {
		return nil
	}
	switch res.GetKind() {
	case "ConfigMapGenerator", "SecretGenerator":
		return kvPaths(c.KvPairSources)
	case "PatchTransformer", "PatchJson6902Transformer":
		return []string{c.Path}
	case "PatchStrategicMergeTransformer":
		return c.Paths
	case "ReplacementTransformer":
		var out []string
		for _, r := range c.Replacements {
			out = append(out, r.Path)
		}
		return out
	case "ValueAddTransformer":
		return []string{c.TargetFilePath}
	}
	return nil
}
