package checks

import (
	"strings"
	"testing"
)

// promotion is modelled on kostis-codefresh/gitops-environment-promotion
// (layout and kustomizations; the manifests are written for the test): a
// Deployment long without probes and resources, and its Service.
func promotion(envKustomization string) map[string]string {
	return map[string]string{
		"base/kustomization.yml": "resources:\n- deployment.yml\n- service.yml\n",
		"base/deployment.yml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: simple-deployment
spec:
  replicas: 2
  selector:
    matchLabels:
      app: trivial-go-web-app
  template:
    metadata:
      labels:
        app: trivial-go-web-app
    spec:
      containers:
      - name: webserver-simple
        image: registry.example/simple-env-app:1.0
        ports:
        - containerPort: 8080
`,
		"base/service.yml": `apiVersion: v1
kind: Service
metadata:
  name: simple-service
spec:
  selector:
    app: trivial-go-web-app
  ports:
  - port: 80
    targetPort: 8080
`,
		"envs/integration-gpu/kustomization.yml": envKustomization,
	}
}

// TestReview_namePrefixRename: commit "correct prefix" adds a namePrefix to
// one environment. Every object is renamed, none added or removed, and the
// Deployment's old problems stay existing.
func TestReview_namePrefixRename(t *testing.T) {
	const env = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\nnamespace: integration\n%s\nresources:\n- ../../base\n"
	base := promotion(strings.Replace(env, "%s\n", "", 1))
	head := promotion(strings.Replace(env, "%s", "namePrefix: integration-gpu-", 1))
	res := reviewFiles(t, base, head)
	if len(res.Overlays) != 1 {
		t.Fatalf("overlays %+v, want envs/integration-gpu", res.Overlays)
	}
	o := res.Overlays[0]
	if o.Objects.Added != 0 || o.Objects.Removed != 0 || o.Objects.Changed != 2 {
		t.Errorf("objects %+v, want 2 changed (renamed), none added or removed", o.Objects)
	}
	if !strings.Contains(o.Diff, "--- a/apps/v1/Deployment/integration/simple-deployment\n+++ b/apps/v1/Deployment/integration/integration-gpu-simple-deployment") {
		t.Errorf("diff does not show the Deployment renamed:\n%s", o.Diff)
	}
	for _, f := range res.Findings {
		if f.State == New || f.State == Resolved {
			t.Errorf("%s finding after a rename: %+v", f.State, f)
		}
	}
	if res.Summary.Blocking != 0 {
		t.Errorf("summary %+v, want nothing blocking", res.Summary)
	}
}

// overlaid returns base with the files of over replacing or adding to it.
func overlaid(base, over map[string]string) map[string]string {
	out := edited(base, nil)
	for k, v := range over {
		out[k] = v
	}
	return out
}

// TestReview_metricsServerMove: metrics-server 9bb47bb6 moves
// manifests/release to manifests/overlays/release (and the others under
// overlays/, with components). The moved overlay is compared with its old
// path: it shows as moved, and the objects already deployed bring no new
// findings.
func TestReview_metricsServerMove(t *testing.T) {
	base := realFiles(t, "metrics-server-9bb47bb6/base")
	head := realFiles(t, "metrics-server-9bb47bb6/head")
	res := reviewFiles(t, base, head)
	var moved *OverlayResult
	for i, o := range res.Overlays {
		if o.Path == "manifests/overlays/release" {
			moved = &res.Overlays[i]
		}
		if o.Path == "manifests/release" {
			t.Errorf("the old path is reviewed on its own: %+v", o)
		}
	}
	if moved == nil {
		t.Fatalf("manifests/overlays/release not reviewed: %+v", res.Overlays)
	}
	if moved.MovedFrom != "manifests/release" || moved.Status == OverlayAdded || moved.Objects.Added != 0 {
		t.Errorf("manifests/overlays/release: moved from %q, status %s, objects %+v; want moved from manifests/release, nothing added",
			moved.MovedFrom, moved.Status, moved.Objects)
	}
	for _, f := range res.Findings {
		if f.Overlay == "manifests/overlays/release" && f.State == New {
			t.Errorf("new finding on the moved overlay: %+v", f)
		}
	}
}

// TestReview_metricsServerRequests: metrics-server be1d149d adds cpu and
// memory requests. The container still has no memory limit: the narrowed
// problem stays existing, with the message saying what remains, and
// nothing is new.
func TestReview_metricsServerRequests(t *testing.T) {
	base := realFiles(t, "metrics-server-be1d149d/base")
	head := overlaid(base, realFiles(t, "metrics-server-be1d149d/head"))
	res := reviewFiles(t, base, head)
	var existing []Finding
	for _, f := range res.Findings {
		if f.Rule != "resources-missing" {
			continue
		}
		switch f.State {
		case New:
			t.Errorf("new finding: %+v", f)
		case Resolved:
			t.Errorf("resolved, though only narrowed: %+v", f)
		case Existing:
			existing = append(existing, f)
		}
	}
	if len(existing) == 0 {
		t.Fatalf("no existing resources-missing finding: %+v", res.Findings)
	}
	for _, f := range existing {
		if !strings.Contains(f.Message, "memory limit") || strings.Contains(f.Message, "cpu request") {
			t.Errorf("message %q, want it to name only what remains (the memory limit)", f.Message)
		}
	}
	if res.Summary.Blocking != 0 {
		t.Errorf("summary %+v, want nothing blocking", res.Summary)
	}
}
