package render

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// spellings are the ways encoding/json, and so kustomize, accepts a key:
// any case, and the Unicode letters it folds (ſ for s, K for k).
func spellings(key string) []string {
	out := []string{key, strings.ToUpper(key[:1]) + key[1:], strings.ToUpper(key)}
	if strings.ContainsAny(key, "sk") {
		out = append(out, strings.NewReplacer("s", "ſ", "k", "\u212a").Replace(key))
	}
	return out
}

// shape writes one path-bearing field of a kustomization: key spelled
// as given, v the path.
type shape struct {
	name string
	key  string
	doc  func(key, v string) string
}

func list(key, v string) string { return key + ": [" + quote(v) + "]\n" }

func quote(v string) string { return fmt.Sprintf("%q", v) }

func inlinePlugin(kind, field string, asList bool) func(key, v string) string {
	return func(key, v string) string {
		val := quote(v)
		if asList {
			val = "[" + val + "]"
		}
		cfg := "apiVersion: builtin\nkind: " + kind + "\nmetadata: {name: p}\n" + field + ": " + val + "\n"
		if kind == "PatchJson6902Transformer" {
			cfg += "target: {kind: ConfigMap, name: local}\n"
		}
		return key + ": [" + quote(cfg) + "]\nresources: [cm.yaml]\n"
	}
}

var shapes = []shape{
	{"resources", "resources", list},
	{"bases", "bases", list},
	{"components", "components", func(k, v string) string { return "resources: [cm.yaml]\n" + list(k, v) }},
	{"crds", "crds", func(k, v string) string { return "resources: [cm.yaml]\n" + list(k, v) }},
	{"configurations", "configurations", func(k, v string) string { return "resources: [cm.yaml]\n" + list(k, v) }},
	{"openapi", "openapi", func(k, v string) string { return "resources: [cm.yaml]\n" + k + ": {Path: " + quote(v) + "}\n" }},
	{"patches", "patches", func(k, v string) string {
		return "resources: [cm.yaml]\n" + k + ": [{path: " + quote(v) + ", target: {kind: ConfigMap}}]\n"
	}},
	{"patchesJson6902", "patchesJson6902", func(k, v string) string {
		return "resources: [cm.yaml]\n" + k + ": [{PATH: " + quote(v) + ", target: {version: v1, kind: ConfigMap, name: local}}]\n"
	}},
	{"patchesStrategicMerge", "patchesStrategicMerge", func(k, v string) string { return "resources: [cm.yaml]\n" + list(k, v) }},
	{"configMapGenerator.envs", "configMapGenerator", func(k, v string) string { return k + ": [{name: g, Envs: [" + quote(v) + "]}]\n" }},
	{"configMapGenerator.files", "configMapGenerator", func(k, v string) string { return k + ": [{name: g, files: [" + quote("k="+v) + "]}]\n" }},
	{"secretGenerator.env", "secretGenerator", func(k, v string) string { return k + ": [{name: g, ENV: " + quote(v) + "}]\n" }},
	{"secretGenerator.files", "secretGenerator", func(k, v string) string { return k + ": [{name: g, Files: [" + quote(v) + "]}]\n" }},
	{"replacements", "replacements", func(k, v string) string { return "resources: [cm.yaml]\n" + k + ": [{Path: " + quote(v) + "}]\n" }},
	{"generators", "generators", list},
	{"transformers", "transformers", func(k, v string) string { return "resources: [cm.yaml]\n" + list(k, v) }},
	{"validators", "validators", func(k, v string) string { return "resources: [cm.yaml]\n" + list(k, v) }},
	{"inline ConfigMapGenerator envs", "generators", inlinePlugin("ConfigMapGenerator", "Envs", true)},
	{"inline SecretGenerator files", "generators", inlinePlugin("SecretGenerator", "FILES", true)},
	{"inline PatchTransformer path", "transformers", inlinePlugin("PatchTransformer", "Path", false)},
	{"inline PatchJson6902Transformer path", "transformers", inlinePlugin("PatchJson6902Transformer", "path", false)},
	{"inline PatchStrategicMergeTransformer paths", "transformers", inlinePlugin("PatchStrategicMergeTransformer", "Paths", true)},
	{"inline ValueAddTransformer targetFilePath", "transformers", inlinePlugin("ValueAddTransformer", "TargetFilePath", false)},
}

// TestScan_differential renders generated kustomizations with keys in
// many spellings and references of every kind in every path-bearing
// field. Whenever the scan lets one through, kustomize must neither send
// a request to the loopback listener nor run git; every reference that is
// not local must be refused.
func TestScan_differential(t *testing.T) {
	tr := newTrap(t)
	host := strings.TrimPrefix(tr.url, "http://")
	remote := []string{
		tr.url + "/x.yaml", "HTTP://" + host + "/x.yaml", "https://" + host + "/x.yaml", tr.url + "/org/repo.git",
		"/etc/hostname", "GitHub.com/org/repo", "u@host:org/repo", "GIT::github.com/org/repo",
		"git::" + tr.url + "/org/repo", "ssh://git@" + host + "/org/repo", "file:///tmp", host + "/org/repo//dir?ref=main",
	}
	local := []string{"local.yaml", "k.env", "../app/local.yaml", "GitHub.com/org/repo/local.yaml", "http:" + host + "/x", " " + tr.url + "/x"}
	files := []string{
		"app/cm.yaml", localCM,
		"app/local.yaml", localCM,
		"app/k.env", "K=v\n",
		"app/GitHub.com/org/repo/kustomization.yaml", "resources: [cm.yaml]\n",
		"app/GitHub.com/org/repo/cm.yaml", localCM,
		"app/GitHub.com/org/repo/local.yaml", localCM,
	}
	var renders, refused int
	for _, sh := range shapes {
		for _, key := range spellings(sh.key) {
			for _, v := range append(append([]string{}, remote...), local...) {
				kust := sh.doc(key, v)
				tree := treeOf(t, append([]string{"app/kustomization.yaml", kust}, files...)...)
				_, scanErr := tree.scan("app", true)
				isRemote := classify(strings.TrimSpace(v)) != refLocal && !strings.HasPrefix(v, " ")
				if isRemote && scanErr == nil {
					t.Errorf("%s %q = %q: the scan let a remote reference through", sh.name, key, v)
				}
				if scanErr != nil {
					refused++
					continue
				}
				renders++
				_, _ = tree.Render(context.Background(), "app")
				tr.sprung(t, fmt.Sprintf("%s %q = %q", sh.name, key, v))
			}
		}
	}
	t.Logf("%d kustomizations rendered after the scan allowed them, %d refused", renders, refused)
	if renders == 0 {
		t.Error("no generated kustomization passed the scan: the test proves nothing")
	}
}
