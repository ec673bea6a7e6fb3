package checks

import (
	"context"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/render"
)

const promTree = "testdata/schema/prometheus"

// loadFiles reads a testdata tree into a file map, paths relative to root.
func loadFiles(t *testing.T, root string) map[string][]byte {
	t.Helper()
	tree, err := render.LoadDir(root, render.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, p := range tree.Files() {
		files[p], _ = tree.ReadFile(p)
	}
	return files
}

// edit replaces old with new in one file, failing when old is absent, so
// that a case cannot silently test the unedited tree.
func edit(t *testing.T, files map[string][]byte, file, old, new string) {
	t.Helper()
	s := string(files[file])
	if !strings.Contains(s, old) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	files[file] = []byte(strings.Replace(s, old, new, 1))
}

func schemaFindings(t *testing.T, files map[string][]byte, overlay string, withRepo bool) []Finding {
	t.Helper()
	tree, err := render.FromFiles(files, render.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	objs, err := tree.Render(context.Background(), overlay)
	if err != nil {
		t.Fatalf("rendering %s: %v", overlay, err)
	}
	in := &Input{Overlay: overlay, Objects: objs}
	if withRepo {
		in.Repo = tree
	}
	return newSchemaInvalid().Check(in)
}

func TestSchemaInvalid(t *testing.T) {
	const app = "apps/example-app"
	tests := []struct {
		name            string
		file, old, new  string
		want            string // the message; "" for no finding
		wantFile        string
		wantLine        int
		withoutRepoCRDs bool
	}{
		{name: "valid tree: int-or-string ports, quantities, preserve-unknown-fields, two CRD versions"},
		{name: "typo'd field", file: app + "/deployment.yaml", old: "  replicas: 3", new: "  replica: 3",
			want: "Deployment monitoring-demo/example-app: spec.replica: unknown field", wantFile: app + "/deployment.yaml", wantLine: 6},
		{name: "string for an integer", file: app + "/deployment.yaml", old: "replicas: 3", new: `replicas: "3"`,
			want: `Deployment monitoring-demo/example-app: spec.replicas: must be an integer, not the string "3"`, wantFile: app + "/deployment.yaml", wantLine: 6},
		{name: "container port as a string", file: app + "/deployment.yaml", old: "containerPort: 8080", new: `containerPort: "8080"`,
			want: `Deployment monitoring-demo/example-app: spec.template.spec.containers[name=example-app].ports[name=web].containerPort: must be an integer, not the string "8080"`, wantFile: app + "/deployment.yaml", wantLine: 26},
		{name: "malformed quantity", file: app + "/deployment.yaml", old: `memory: "128Mi"`, new: `memory: "128MB"`,
			want: `Deployment monitoring-demo/example-app: spec.template.spec.containers[name=example-app].resources.limits.memory: "128MB" is not a quantity (like 500m, 128Mi or 2)`, wantFile: app + "/deployment.yaml", wantLine: 34},
		{name: "int-or-string given a boolean", file: app + "/deployment.yaml", old: "maxUnavailable: 1", new: "maxUnavailable: true",
			want: "Deployment monitoring-demo/example-app: spec.strategy.rollingUpdate.maxUnavailable: must be an integer or a string, not the boolean true", wantFile: app + "/deployment.yaml", wantLine: 14},
		{name: "enum value", file: app + "/deployment.yaml", old: "imagePullPolicy: IfNotPresent", new: "imagePullPolicy: Sometimes",
			want: `Deployment monitoring-demo/example-app: spec.template.spec.containers[name=example-app].imagePullPolicy: unsupported value "Sometimes": must be Always, IfNotPresent or Never`, wantFile: app + "/deployment.yaml", wantLine: 23},
		{name: "Service type casing", file: app + "/service.yaml", old: "type: ClusterIP", new: "type: Loadbalancer",
			want: `Service monitoring-demo/example-app: spec.type: unsupported value "Loadbalancer": must be ClusterIP, NodePort, LoadBalancer or ExternalName`, wantFile: app + "/service.yaml", wantLine: 8},
		{name: "list where an object belongs", file: app + "/service.yaml", old: "  selector:\n    app: example-app", new: "  selector:\n    - app: example-app",
			want: "Service monitoring-demo/example-app: spec.selector: must be an object, not a list", wantFile: app + "/service.yaml", wantLine: 9},
		{name: "unknown field in a custom resource", file: app + "/servicemonitor.yaml", old: "    interval: 30s", new: "    intervall: 30s",
			want: "ServiceMonitor monitoring-demo/example-app: spec.endpoints[0].intervall: unknown field", wantFile: app + "/servicemonitor.yaml", wantLine: 13},
		{name: "wrong type in a custom resource", file: app + "/rules.yaml", old: "  - name: ./example.rules", new: "  - name: ./example.rules\n    interval: 30",
			want: "PrometheusRule monitoring-demo/prometheus-example-rules: spec.groups[name=./example.rules].interval: must be a string, not the number 30", wantFile: app + "/rules.yaml", wantLine: 12},
		{name: "int-or-string in a custom resource given a list", file: app + "/rules.yaml", old: "expr: 1", new: "expr: [1]",
			want: "PrometheusRule monitoring-demo/prometheus-example-rules: spec.groups[name=./example.rules].rules[1].expr: must be an integer or a string, not a list", wantFile: app + "/rules.yaml", wantLine: 16},
		{name: "v1alpha1-only field in the v1beta1 version", file: app + "/alertmanagerconfig.yaml", old: `      matchType: "="`, new: "      regex: true",
			want: "AlertmanagerConfig monitoring-demo/config-example-beta: spec.route.matchers[name=severity].regex: unknown field", wantFile: app + "/alertmanagerconfig.yaml", wantLine: 37},
		{name: "enum of a custom resource", file: app + "/alertmanagerconfig.yaml", old: `matchType: "="`, new: `matchType: "=="`,
			want: `AlertmanagerConfig monitoring-demo/config-example-beta: spec.route.matchers[name=severity].matchType: unsupported value the string "==": must be "!=", "=", "=~" or "!~"`, wantFile: app + "/alertmanagerconfig.yaml", wantLine: 37},
		{name: "missing required field of a custom resource", file: app + "/alertmanagerconfig.yaml", old: "  - name: 'webhook'\n    webhookConfigs:\n    - url: 'http://example.com/'\n---", new: "  - webhookConfigs:\n    - url: 'http://example.com/'\n---",
			want: `AlertmanagerConfig monitoring-demo/config-example: spec.receivers[0]: missing required field "name"`, wantFile: app + "/alertmanagerconfig.yaml", wantLine: 22},
		{name: "a custom resource without its CRD is skipped", file: app + "/servicemonitor.yaml", old: "    interval: 30s", new: "    intervall: 30s",
			withoutRepoCRDs: true},
		{name: "an apiVersion k8s.io/api does not know is skipped", file: app + "/service.yaml", old: "apiVersion: v1\n", new: "apiVersion: v9\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := loadFiles(t, promTree)
			if tt.file != "" {
				edit(t, files, tt.file, tt.old, tt.new)
			}
			got := schemaFindings(t, files, app, !tt.withoutRepoCRDs)
			if tt.want == "" {
				for _, f := range got {
					t.Errorf("unexpected finding %q at %s:%d", f.Message, f.File, f.Line)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d findings %+v, want one", len(got), got)
			}
			f := got[0]
			if f.Message != tt.want || f.File != tt.wantFile || f.Line != tt.wantLine {
				t.Errorf("got %q at %s:%d\nwant %q at %s:%d", f.Message, f.File, f.Line, tt.want, tt.wantFile, tt.wantLine)
			}
		})
	}
}

// A CRD rendered in the same overlay as its resources is used without the
// repository's copy.
func TestSchemaInvalid_crdInTheSameOverlay(t *testing.T) {
	files := loadFiles(t, promTree)
	files["together/kustomization.yaml"] = []byte("resources:\n  - ../crds\n  - ../apps/example-app\n")
	edit(t, files, "apps/example-app/servicemonitor.yaml", "    interval: 30s", "    intervall: 30s")
	got := schemaFindings(t, files, "together", false)
	if len(got) != 1 || !strings.Contains(got[0].Message, "spec.endpoints[0].intervall: unknown field") {
		t.Fatalf("got %+v, want the unknown field of the ServiceMonitor", got)
	}
}

// Many problems in one object are reported as the first few by path.
func TestSchemaInvalid_boundedPerObject(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
	for i := 0; i < 30; i++ {
		b.WriteString("extra" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + ": 1\n")
	}
	objs := coreObjects(t, "cm.yaml", b.String())
	got := newSchemaInvalid().Check(&Input{Objects: objs})
	if len(got) != maxProblems {
		t.Fatalf("got %d findings, want %d", len(got), maxProblems)
	}
	if !strings.Contains(got[0].Message, ": extraa: unknown field") {
		t.Errorf("first finding %q, want extraa first", got[0].Message)
	}
}
