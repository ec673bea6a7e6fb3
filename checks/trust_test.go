package checks

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// realFiles reads an excerpt of a public repository from
// testdata/real/<name> (see its README), keyed by repository path.
func realFiles(t *testing.T, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for p, b := range loadFiles(t, filepath.Join("testdata", "real", name)) {
		out[p] = string(b)
	}
	return out
}

// edited returns a copy of files with the given paths replaced; an empty
// content removes the file.
func edited(files map[string]string, changes map[string]string) map[string]string {
	out := make(map[string]string, len(files))
	for k, v := range files {
		out[k] = v
	}
	for k, v := range changes {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func reviewFiles(t *testing.T, base, head map[string]string) *Result {
	t.Helper()
	res, err := Review(context.Background(), ReviewInput{
		Base: reviewTree(t, base), Head: reviewTree(t, head), Rules: Default(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// findingsOf returns the findings of rule in state.
func findingsOf(res *Result, rule string, state State) []Finding {
	var out []Finding
	for _, f := range res.Findings {
		if f.Rule == rule && f.State == state {
			out = append(out, f)
		}
	}
	return out
}

// TestReview_removedComponent: microservices-demo, a pull request removing
// the network-policies component from an overlay. No Deployment changes,
// yet each of the 12 is newly open to all ingress: 12 new
// networkpolicy-missing findings, each at the line defining its pod labels.
func TestReview_removedComponent(t *testing.T) {
	base := realFiles(t, "microservices-demo")
	const k = "kustomize/tests/spanner-with-all-components/kustomization.yaml"
	head := edited(base, map[string]string{k: strings.Replace(base[k], "- ../../components/network-policies\n", "", 1)})
	res := reviewFiles(t, base, head)

	got := findingsOf(res, "networkpolicy-missing", New)
	if len(got) != 12 {
		t.Fatalf("new networkpolicy-missing: %d, want 12: %+v", len(got), got)
	}
	for _, f := range got {
		lines := strings.Split(base[f.File], "\n")
		if f.Line < 1 || f.Line > len(lines) || strings.TrimSpace(lines[f.Line-1]) != "labels:" {
			t.Errorf("%s at %s:%d, want the pod template's labels line", f.Object, f.File, f.Line)
			continue
		}
		if !strings.Contains(strings.Join(lines[:f.Line], "\n"), "template:") {
			t.Errorf("%s at %s:%d: a labels line before the pod template", f.Object, f.File, f.Line)
		}
	}
	if res.Summary.Blocking != 0 || res.Summary.Warnings < 12 {
		t.Errorf("summary %+v, want 12 or more new warnings and nothing blocking", res.Summary)
	}
}

const (
	trustWeb = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: app}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/web:1.0
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: 8080}}
        livenessProbe: {httpGet: {path: /, port: 8080}}
        resources: {requests: {cpu: 10m, memory: 10Mi}, limits: {cpu: 100m, memory: 10Mi}}
`
	trustSvc = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`
	trustPolicy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: app}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - ports: [{port: 8080}]
`
)

// TestReview_dependentFindings: a finding on an object the pull request did
// not touch, caused by a change to another object, is new.
func TestReview_dependentFindings(t *testing.T) {
	app := map[string]string{
		"app/kustomization.yaml": "resources: [web.yaml, svc.yaml, policy.yaml]\n",
		"app/web.yaml":           trustWeb,
		"app/svc.yaml":           trustSvc,
		"app/policy.yaml":        trustPolicy,
	}
	tests := []struct {
		name  string
		head  map[string]string
		rule  string
		onObj string
	}{
		{
			name:  "removedNetworkPolicy",
			head:  map[string]string{"app/kustomization.yaml": "resources: [web.yaml, svc.yaml]\n", "app/policy.yaml": ""},
			rule:  "networkpolicy-missing",
			onObj: "Deployment app/web",
		},
		{
			// The policy allowed the Service's target port; with the
			// container's port moved and the Service gone, nothing
			// exposes it any more.
			name: "removedService",
			head: map[string]string{
				"app/kustomization.yaml": "resources: [web.yaml, policy.yaml]\n", "app/svc.yaml": "",
				"app/web.yaml": strings.Replace(trustWeb, "containerPort: 8080", "containerPort: 9090", 1),
			},
			rule:  "networkpolicy-port-mismatch",
			onObj: "NetworkPolicy app/web",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reviewFiles(t, app, edited(app, tt.head))
			var found bool
			for _, f := range findingsOf(res, tt.rule, New) {
				if f.Object.String() == tt.onObj {
					found = true
				}
			}
			if !found {
				t.Errorf("no new %s on %s; findings: %+v", tt.rule, tt.onObj, res.Findings)
			}
		})
	}
}

// TestReview_bindingRetargeted: a RoleBinding that now points at an
// unchanged ClusterRole granting secrets is flagged, though the
// ClusterRole itself did not change.
func TestReview_bindingRetargeted(t *testing.T) {
	const roles = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: viewer}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-reader}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
`
	binding := func(role string) string {
		return `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ` + role + `}
subjects: [{kind: ServiceAccount, name: ci, namespace: app}]
`
	}
	base := map[string]string{
		"app/kustomization.yaml": "resources: [roles.yaml, binding.yaml]\n",
		"app/roles.yaml":         roles,
		"app/binding.yaml":       binding("viewer"),
	}
	res := reviewFiles(t, base, edited(base, map[string]string{"app/binding.yaml": binding("secret-reader")}))
	got := findingsOf(res, "rbac-escalation", New)
	if len(got) != 1 || got[0].Object.Kind != "RoleBinding" || !strings.Contains(got[0].Message, "secrets") {
		t.Errorf("rbac-escalation: %+v, want one on the RoleBinding naming secrets", got)
	}
}

// TestReview_brokenElsewhere: argocd-example-apps keeps
// plugins/kustomized-helm, which never renders (the pre-v5 string form of
// patches, a resource generated outside git). A pull request that does not
// touch it does not review it; one that does finds its render error
// existing, and nothing blocks.
func TestReview_brokenElsewhere(t *testing.T) {
	base := realFiles(t, "argocd-example-apps")
	const broken = "plugins/kustomized-helm"
	tests := []struct {
		name     string
		head     map[string]string
		included bool
	}{
		{name: "readmeEdit", head: map[string]string{"helm-dependency/README.md": "# Helm dependency\n\nEdited.\n"}},
		{name: "imageBump", head: map[string]string{"kustomize-guestbook/web-deployment.yaml": strings.Replace(
			base["kustomize-guestbook/web-deployment.yaml"], "web:v1", "web:v1.1", 1)}},
		{name: "patchEdit", included: true, head: map[string]string{"plugins/kustomized-helm/overlays/web-deployment.yaml": strings.Replace(
			base["plugins/kustomized-helm/overlays/web-deployment.yaml"], "web:v2", "web:v3", 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reviewFiles(t, base, edited(base, tt.head))
			var got *OverlayResult
			for i := range res.Overlays {
				if res.Overlays[i].Path == broken {
					got = &res.Overlays[i]
				}
			}
			if (got != nil) != tt.included {
				t.Fatalf("%s reviewed: %v, want %v (overlays %+v)", broken, got != nil, tt.included, res.Overlays)
			}
			if got != nil && (got.Status != OverlayError || got.BaseError == "") {
				t.Errorf("%s: status %s, base error %q; want error, with the base's error", broken, got.Status, got.BaseError)
			}
			if n := len(findingsOf(res, "render-error", New)); n != 0 {
				t.Errorf("%d new render errors, want none", n)
			}
			if res.Summary.Blocking != 0 {
				t.Errorf("summary %+v, want nothing blocking; findings %+v", res.Summary, res.Findings)
			}
		})
	}
}

// TestReview_repairedOverlay: argocd-example-apps b4ebe004 repairs
// pre-post-sync, which named files of a directory that no longer existed.
// With no base render to compare with, its findings are reported as new
// but block only through rules that need approval.
func TestReview_repairedOverlay(t *testing.T) {
	head := realFiles(t, "argocd-example-apps")
	const k = "pre-post-sync/kustomization.yaml"
	base := edited(head, map[string]string{k: "namePrefix: pre-post-sync-\n\nresources:\n- ../guestbook/web-deployment.yaml\n- pre-sync-job.yaml\n"})
	res := reviewFiles(t, base, head)
	var n, softened int
	for _, f := range res.Findings {
		if f.Overlay != "pre-post-sync" || f.State != New {
			continue
		}
		n++
		if f.Blocking() && !f.Approval {
			t.Errorf("blocking finding %+v on an overlay that did not render at base", f)
		}
		if strings.HasSuffix(f.Message, notBlockingNoBase) {
			softened++
		}
	}
	if softened == 0 {
		t.Errorf("no finding says why it does not block: %+v", res.Findings)
	}
	if n == 0 {
		t.Fatalf("no new findings on the repaired overlay: %+v", res.Findings)
	}
	if res.Summary.Blocking != 0 {
		t.Errorf("summary %+v, want nothing blocking", res.Summary)
	}
}
