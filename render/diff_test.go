package render

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// parseDiffObjects parses a multi-document YAML stream into objects.
func parseDiffObjects(t *testing.T, stream string) []Object {
	t.Helper()
	var out []Object
	for _, doc := range strings.Split(stream, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("parsing %q: %v", doc, err)
		}
		md, _ := m["metadata"].(map[string]any)
		ns, _ := md["namespace"].(string)
		name, _ := md["name"].(string)
		out = append(out, Object{
			ID:     ObjectID{APIVersion: m["apiVersion"].(string), Kind: m["kind"].(string), Namespace: ns, Name: name},
			Fields: m,
		})
	}
	return out
}

type changeSummary struct {
	Key   string
	Type  ChangeType
	Paths []string
}

func summarize(cs []Change) []changeSummary {
	var out []changeSummary
	for _, c := range cs {
		out = append(out, changeSummary{c.ID.Key(), c.Type, c.Paths})
	}
	return out
}

const deployBase = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: prod
  labels: {app: api, tier: web}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: api
        image: ghcr.io/acme/api:1.0
        ports: [{containerPort: 8080}]
      - name: sidecar
        image: ghcr.io/acme/proxy:2.0
`

func TestDiff(t *testing.T) {
	tests := []struct {
		name       string
		base, head string
		want       []changeSummary
	}{
		{
			name: "reformattedAndReorderedIsUnchanged",
			base: deployBase,
			head: `kind: Deployment
apiVersion: apps/v1
metadata:
  labels:
    tier: web
    app: api
  namespace: prod
  name: api
spec:
  template:
    spec:
      containers:
      - image: "ghcr.io/acme/api:1.0"
        name: api
        ports:
        - containerPort: 8080
      - {name: sidecar, image: ghcr.io/acme/proxy:2.0}
  replicas: 2
`,
			want: []changeSummary{{"apps/Deployment/prod/api", Unchanged, nil}},
		},
		{
			name: "containersMatchedByName",
			base: deployBase,
			head: strings.Replace(strings.Replace(deployBase, "api:1.0", "api:1.1", 1), "replicas: 2", "replicas: 3", 1),
			want: []changeSummary{{"apps/Deployment/prod/api", Modified, []string{
				"spec.replicas",
				"spec.template.spec.containers.[name=api].image",
			}}},
		},
		{
			name: "addedAndRemoved",
			base: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\n",
			head: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: new}\n",
			want: []changeSummary{
				{"/ConfigMap//new", Added, nil},
				{"/ConfigMap//old", Removed, nil},
			},
		},
		{
			name: "apiVersionChangeIsTheSameObject",
			base: "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: api}\nspec: {maxReplicas: 3}\n",
			head: "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: api}\nspec: {maxReplicas: 3}\n",
			want: []changeSummary{{"autoscaling/HorizontalPodAutoscaler//api", Modified, []string{"apiVersion"}}},
		},
		{
			name: "generatedNameHashChangeIsAModification",
			base: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config-5fk9hm2bt8}\ndata: {LOG: info}\n",
			head: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config-7c2t8mgd4b}\ndata: {LOG: debug}\n",
			want: []changeSummary{{"/ConfigMap//app-config-7c2t8mgd4b", Modified, []string{"data.LOG", "metadata.name"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(Diff(parseDiffObjects(t, tt.base), parseDiffObjects(t, tt.head)))
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Diff mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestDiffUnified(t *testing.T) {
	head := strings.Replace(deployBase, "api:1.0", "api:1.1", 1)
	cs := Diff(parseDiffObjects(t, deployBase), parseDiffObjects(t, head))
	if len(cs) != 1 {
		t.Fatalf("got %d changes, want 1", len(cs))
	}
	assertGolden(t, "testdata/golden/diff/image-bump.diff", []byte(cs[0].Diff))

	added := Diff(nil, parseDiffObjects(t, "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api, namespace: prod}\n"))
	want := "--- /dev/null\n+++ b/v1/ServiceAccount/prod/api\n@@ -0,0 +1,5 @@\n+apiVersion: v1\n+kind: ServiceAccount\n+metadata:\n+  name: api\n+  namespace: prod\n"
	if d := cmp.Diff(want, added[0].Diff); d != "" {
		t.Errorf("added diff (-want +got):\n%s", d)
	}
}

func TestDiffNeverShowsSecretValues(t *testing.T) {
	base := `apiVersion: v1
kind: Secret
metadata:
  name: db-creds-g8m2t4c6hk
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"aHVudGVyMg=="}}'
type: Opaque
data:
  password: aHVudGVyMg==
  user: YWRtaW4=
stringData:
  token: s3cr3t-token-value
`
	head := `apiVersion: v1
kind: Secret
metadata:
  name: db-creds-b7k5f9m2tt
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"Y29ycmVjdGhvcnNl"}}'
type: Opaque
data:
  password: Y29ycmVjdGhvcnNl
  user: YWRtaW4=
  host: ZGIuaW50ZXJuYWw=
`
	cs := Diff(parseDiffObjects(t, base), parseDiffObjects(t, head))
	if len(cs) != 1 || cs[0].Type != Modified {
		t.Fatalf("want one modified Secret, got %+v", summarize(cs))
	}
	d := cs[0].Diff
	for _, secret := range []string{"aHVudGVyMg==", "Y29ycmVjdGhvcnNl", "YWRtaW4=", "ZGIuaW50ZXJuYWw=", "s3cr3t-token-value", "hunter2", "correcthorse"} {
		if strings.Contains(d, secret) {
			t.Errorf("diff shows secret value %q:\n%s", secret, d)
		}
	}
	for _, want := range []string{"+  password: (redacted, changed)", "+  host: (redacted)", "-  token: (redacted)"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	// Removed and added Secrets are redacted too.
	for _, c := range Diff(parseDiffObjects(t, base), nil) {
		if strings.Contains(c.Diff, "aHVudGVyMg==") || strings.Contains(c.Diff, "s3cr3t") {
			t.Errorf("removed Secret diff shows a value:\n%s", c.Diff)
		}
	}
}

func TestFormatUnifiedHunks(t *testing.T) {
	var a, b []string
	for i := 1; i <= 20; i++ {
		a = append(a, "line"+string(rune('a'+i)))
	}
	b = append(b, a...)
	b[1] = "changed-2"
	b[17] = "changed-18"
	b = append(b[:10], b[11:]...) // drop line 11
	got := formatUnified("a/x", "b/x", a, b, 3)
	assertGolden(t, "testdata/golden/diff/hunks.diff", []byte(got))
	if formatUnified("a", "b", a, a, 3) != "" {
		t.Error("equal inputs must give an empty diff")
	}
}

// TestDiffLabel names cluster-scoped objects without a placeholder segment.
func TestDiffLabel(t *testing.T) {
	for _, tc := range []struct {
		id   ObjectID
		want string
	}{
		{ObjectID{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "prod", Name: "api"}, "apps/v1/Deployment/prod/api"},
		{ObjectID{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "reader"}, "rbac.authorization.k8s.io/v1/ClusterRole/reader"},
	} {
		if got := diffLabel(tc.id); got != tc.want {
			t.Errorf("diffLabel(%v) = %q, want %q", tc.id, got, tc.want)
		}
	}
}
