package render

import (
	"context"
	"strings"
	"testing"
)

// TestRender_issue9 holds the reproductions of the renderer holes in
// issue 9 (items 1 to 3): each names a remote or absolute input in a way
// the older pre-scan missed. The render must be refused with the file and
// the field named, the listener must see no request and git must not run.
func TestRender_issue9(t *testing.T) {
	tr := newTrap(t)
	u := tr.url
	tests := []struct {
		name string
		kust string
		more []string
		want string
	}{
		// 1: keys in other spellings (encoding/json matches them).
		{"Resources", "Resources: [" + u + "/r.yaml]\n", nil, `app/kustomization.yaml: resources: remote reference "` + u + `/r.yaml"`},
		{"RESOURCES", "RESOURCES: [" + u + "/r.yaml]\n", nil, `resources: remote reference`},
		{"PatchesStrategicMerge", "resources: [cm.yaml]\nPatchesStrategicMerge: [" + u + "/p.yaml]\n", nil, `patchesStrategicMerge[0]: remote reference`},
		{"ConfigMapGenerator envs", "ConfigMapGenerator: [{name: x, envs: [" + u + "/e.env]}]\n", nil, `configMapGenerator[0].envs: remote reference`},
		{"Crds", "resources: [cm.yaml]\nCrds: [" + u + "/crd.yaml]\n", nil, `crds: remote reference`},
		{"OpenAPI", "resources: [cm.yaml]\nOpenAPI: {path: " + u + "/schema.json}\n", nil, `openapi.path: remote reference`},
		{"OpenAPI Path", "resources: [cm.yaml]\nopenapi: {Path: " + u + "/schema.json}\n", nil, `openapi.path: remote reference`},
		{"Bases", "Bases: [" + u + "/base]\n", nil, `bases: remote reference`},
		{"Components", "resources: [cm.yaml]\nComponents: [" + u + "/c]\n", nil, `components: remote reference`},
		{"HTTP scheme", "resources: [HTTP://" + strings.TrimPrefix(u, "http://") + "/r.yaml]\n", nil, `resources: remote reference`},
		{"SecretGenerator env", "SecretGenerator: [{name: s, env: " + u + "/e.env}]\n", nil, `secretGenerator[0].env: remote reference`},
		{"Replacements path", "resources: [cm.yaml]\nReplacements: [{path: " + u + "/r.yaml}]\n", nil, `replacements[0].path: remote reference`},
		// 2: built-in generator and transformer configs.
		{"generator file ConfigMapGenerator envs", "generators: [gen.yaml]\n",
			[]string{"app/gen.yaml", "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: g}\nenvs: [" + u + "/e.env]\n"},
			`app/gen.yaml: ConfigMapGenerator.envs: remote reference`},
		{"inline SecretGenerator files /etc", "generators:\n- |\n  apiVersion: builtin\n  kind: SecretGenerator\n  metadata: {name: s}\n  files: [/etc/hostname]\n", nil,
			`app/kustomization.yaml: SecretGenerator.files: absolute path "/etc/hostname"`},
		{"transformer file PatchTransformer path", "resources: [cm.yaml]\ntransformers: [pt.yaml]\n",
			[]string{"app/pt.yaml", "apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\npath: " + u + "/p.yaml\n"},
			`app/pt.yaml: PatchTransformer.path: remote reference`},
		{"inline PatchTransformer Path", "resources: [cm.yaml]\ntransformers:\n- |\n  apiVersion: builtin\n  kind: PatchTransformer\n  metadata: {name: p}\n  Path: " + u + "/p.yaml\n", nil,
			`PatchTransformer.path: remote reference`},
		{"transformer directory ReplacementTransformer", "resources: [cm.yaml]\ntransformers: [fns]\n",
			[]string{"app/fns/kustomization.yaml", "resources: [r.yaml]\n", "app/fns/r.yaml", "apiVersion: builtin\nkind: ReplacementTransformer\nmetadata: {name: r}\nreplacements: [{path: " + u + "/r.yaml}]\n"},
			`app/fns/r.yaml: ReplacementTransformer.replacements[0].path: remote reference`},
		{"PatchStrategicMergeTransformer paths", "resources: [cm.yaml]\ntransformers: [smp.yaml]\n",
			[]string{"app/smp.yaml", "apiVersion: builtin\nkind: PatchStrategicMergeTransformer\nmetadata: {name: p}\npaths: [" + u + "/p.yaml]\n"},
			`PatchStrategicMergeTransformer.paths[0]: remote reference`},
		{"PatchJson6902Transformer path", "resources: [cm.yaml]\ntransformers: [j.yaml]\n",
			[]string{"app/j.yaml", "apiVersion: builtin\nkind: PatchJson6902Transformer\nmetadata: {name: p}\ntarget: {kind: ConfigMap, name: local}\npath: " + u + "/p.json\n"},
			`PatchJson6902Transformer.path: remote reference`},
		{"kind List of configs", "generators: [list.yaml]\n",
			[]string{"app/list.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: builtin\n  kind: ConfigMapGenerator\n  metadata: {name: g}\n  files: [k=" + u + "/f]\n"},
			`ConfigMapGenerator.files: remote reference`},
		// 3: local directories named like repositories.
		{"GitHub.com directory", "resources: [GitHub.com/org/repo]\n", repoLikeFiles(), `resources: remote reference "GitHub.com/org/repo"`},
		{"scp-like directory", "resources: [u@host:org/repo]\n", repoLikeFiles(), `resources: remote reference "u@host:org/repo"`},
		{"GIT:: directory", "resources: [GIT::github.com/org/repo]\n", repoLikeFiles(), `resources: remote reference "GIT::github.com/org/repo"`},
		{"github.com: component", "resources: [cm.yaml]\ncomponents: [github.com:org/repo]\n", repoLikeFiles(), `components: remote reference "github.com:org/repo"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kv := append([]string{"app/kustomization.yaml", tt.kust, "app/cm.yaml", localCM}, tt.more...)
			_, err := treeOf(t, kv...).Render(context.Background(), "app")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
			tr.sprung(t, tt.name)
		})
	}
}

// TestRender_sandboxWithoutScan bypasses the static scan and renders
// remote references in every kind of field: the transport and the
// filesystem guard must still keep the network and git out of reach.
func TestRender_sandboxWithoutScan(t *testing.T) {
	tr := newTrap(t)
	saved := scanClosure
	t.Cleanup(func() { scanClosure = saved })
	scanClosure = func(t *Tree, dir string, _ bool) (*scanResult, error) {
		k, err := t.parsedKust(t.KustomizationFile(dir))
		if err != nil {
			return nil, err
		}
		return &scanResult{top: k, kusts: map[string]*kustDoc{k.file: k}}, nil
	}
	u := tr.url
	for name, kust := range map[string]string{
		"resources":        "resources: [" + u + "/r.yaml]\n",
		"Resources":        "Resources: [" + u + "/r.yaml]\n",
		"patches":          "resources: [cm.yaml]\npatches: [{path: " + u + "/p.yaml}]\n",
		"envs":             "configMapGenerator: [{name: x, envs: [" + u + "/e.env]}]\n",
		"openapi":          "resources: [cm.yaml]\nopenapi: {path: " + u + "/s.json}\n",
		"inline generator": "generators:\n- |\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n  metadata: {name: g}\n  envs: [" + u + "/e.env]\n",
		"git resource":     "resources: [GitHub.com/org/repo]\n",
		"git ssh":          "resources: [\"ssh://git@" + strings.TrimPrefix(u, "http://") + "/org/repo\"]\n",
		"git http":         "resources: [\"" + u + "/org/repo.git\"]\n",
		"git component":    "resources: [cm.yaml]\ncomponents: [u@host:org/repo]\n",
		"git transformer":  "resources: [cm.yaml]\ntransformers: [GIT::github.com/org/repo]\n",
		"nested git":       "resources: [nested]\n",
	} {
		t.Run(name, func(t *testing.T) {
			// The repository-like directories exist, each with a valid
			// kustomization: kustomize would still clone instead.
			kv := append([]string{"app/kustomization.yaml", kust, "app/cm.yaml", localCM,
				"app/nested/kustomization.yaml", "resources: [GitHub.com/org/repo]\n"}, repoLikeFiles()...)
			objs, err := treeOf(t, kv...).Render(context.Background(), "app")
			for _, o := range objs {
				if o.ID.Name == "leaked" {
					t.Error("rendered the listener's answer")
				}
			}
			if err == nil && name != "nested git" {
				t.Errorf("rendered without error")
			}
			tr.sprung(t, name)
		})
	}
}
