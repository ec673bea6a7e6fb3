package render

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKustomizationRefs(t *testing.T) {
	k, err := parseKustomization([]byte(`
resources: [deploy.yaml, ../base]
bases: [../legacy]
components: [../../components/x]
crds: [crd.yaml]
configurations: [config.yaml]
openapi: {path: schema.json}
patches:
- path: patch.yaml
- patch: |-
    kind: Deployment
patchesStrategicMerge:
- smp.yaml
- |-
  kind: Service
patchesJson6902:
- path: ops.json
  target: {kind: Deployment, name: x}
configMapGenerator:
- name: a
  files: [a.properties, key=b.json]
  envs: [a.env]
  literals: [K=V]
secretGenerator:
- name: s
  env: s.env
replacements:
- path: repl.yaml
- source: {kind: ConfigMap}
generators: [gen.yaml]
transformers: [../transformers]
validators: [val.yaml]
helmCharts:
- name: c
  valuesFile: values.yaml
  additionalValuesFiles: [more.yaml]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"deploy.yaml", "../base", "../legacy", "../../components/x", "crd.yaml", "config.yaml",
		"smp.yaml", "gen.yaml", "../transformers", "val.yaml", "schema.json", "patch.yaml",
		"ops.json", "repl.yaml", "a.properties", "b.json", "a.env", "s.env",
		"values.yaml", "more.yaml", "charts",
	}
	if d := cmp.Diff(want, k.refs()); d != "" {
		t.Errorf("refs (-want +got):\n%s", d)
	}
}

func TestGraph_resolve(t *testing.T) {
	tr := mustTree(t, map[string][]byte{
		"o/kustomization.yaml": []byte("resources: [../b, cm.yaml, missing.yaml, ../../out, dir]\npatchesStrategicMerge: ['p/*.yaml']\n"),
		"o/cm.yaml":            []byte("kind: ConfigMap\n"),
		"o/dir/x.yaml":         []byte("kind: ConfigMap\n"),
		"b/Kustomization":      []byte("kind: Component\n"),
	})
	s := newSide(tr)
	g := buildGraph(s, parseAll(s))
	n := g.roots["o"]
	got := map[string][]string{"children": n.children, "files": n.files, "prefixes": n.prefixes}
	want := map[string][]string{
		"children": {"b"},
		"files":    {"o/kustomization.yaml", "o/cm.yaml"},
		"prefixes": {"o/missing.yaml", ".", "o/dir", "o/p"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("resolved node (-want +got):\n%s", d)
	}
	if !g.roots["b"].component || !g.referred["b"] {
		t.Errorf("b: component=%v referred=%v, want both", g.roots["b"].component, g.referred["b"])
	}
}

// TestParseKustomization_aliasBomb shows a hostile kustomization file ends
// as unparseable (selected by any change) instead of exhausting memory.
func TestParseKustomization_aliasBomb(t *testing.T) {
	bomb := `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
resources: *i
`
	tr := mustTree(t, map[string][]byte{"app/kustomization.yaml": []byte(bomb)})
	got, err := Affected(tr, tr, nil, nil, []string{"README.md"})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"app"}, got); d != "" {
		t.Errorf("affected overlays (-want +got):\n%s", d)
	}
}
