package report

import (
	"fmt"
	"strings"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
)

// fakeRule is a catalog entry for tests; the real catalog lives in checks.
type fakeRule struct {
	id, desc, fix string
	sev           checks.Severity
	approval      bool
}

func (r fakeRule) ID() string                           { return r.id }
func (r fakeRule) Description() string                  { return r.desc }
func (r fakeRule) Remediation() string                  { return r.fix }
func (r fakeRule) Severity() checks.Severity            { return r.sev }
func (r fakeRule) NeedsApproval() bool                  { return r.approval }
func (r fakeRule) Kind() checks.Kind                    { return checks.StateRule }
func (r fakeRule) Check(*checks.Input) []checks.Finding { return nil }

var _ checks.Rule = fakeRule{}

func testRules() []checks.Rule {
	return []checks.Rule{
		fakeRule{"rbac-change", "A Role, ClusterRole or binding is added, removed or changed.", "Have an approver review the permission change.", checks.Warning, true},
		fakeRule{"rbac-escalation", "A granted rule reads secrets, uses *, or escalates.", "Grant only the verbs and resources the workload needs.", checks.Error, true},
		fakeRule{"readiness-probe-missing", "A container has no readinessProbe.", "Add a readinessProbe to the container.", checks.Error, false},
		fakeRule{"liveness-probe-missing", "A container has no livenessProbe.", "Add a livenessProbe to the container.", checks.Error, false},
		fakeRule{"cpu-limit-missing", "A container has no cpu limit.", "Set resources.limits.cpu.", checks.Warning, false},
		fakeRule{"image-registry-untrusted", "An image comes from a registry not on the allow-list.", "Use an image from an allowed registry.", checks.Warning, true},
		fakeRule{"image-tag-mutable", "An image uses :latest or no tag.", "Pin the image to a version tag or digest.", checks.Warning, false},
		fakeRule{"networkpolicy-missing", "No NetworkPolicy selects a workload's pods.", "Add a NetworkPolicy selecting the pods.", checks.Warning, false},
		fakeRule{"service-loadbalancer", "A LoadBalancer Service is added or changed.", "Set loadBalancerSourceRanges.", checks.Warning, false},
		fakeRule{"render-error", "An affected overlay fails to render at head.", "Fix the kustomization so that it builds.", checks.Error, false},
	}
}

var (
	roleAPI   = render.ObjectID{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role", Namespace: "prod", Name: "api"}
	deployAPI = render.ObjectID{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "prod", Name: "api"}
	svcAPI    = render.ObjectID{APIVersion: "v1", Kind: "Service", Namespace: "prod", Name: "api-public"}
	deployWkr = render.ObjectID{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "prod", Name: "worker"}
	deployStg = render.ObjectID{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "staging", Name: "api"}
)

const prodAPIDiff = `--- a/rbac.authorization.k8s.io/Role/prod/api
+++ b/rbac.authorization.k8s.io/Role/prod/api
@@ -7,4 +7,11 @@
 rules:
 - apiGroups:
   - ""
   resources:
   - configmaps
   verbs:
   - get
+- apiGroups:
+  - ""
+  resources:
+  - secrets
+  verbs:
+  - get
+  - list
--- a/apps/Deployment/prod/api
+++ b/apps/Deployment/prod/api
@@ -30,6 +30,10 @@
         readinessProbe:
           httpGet:
             path: /ready
             port: http
+      - name: metrics-sidecar
+        image: docker.io/library/busybox:latest
+        ports:
+        - containerPort: 9102
--- a/Secret/prod/api-env-7g2k9h8c5d
+++ b/Secret/prod/api-env-b5c8f2d9mt
@@ -1,3 +1,3 @@
 data:
-  DB_PASSWORD: (redacted)
+  DB_PASSWORD: (redacted, changed)
   DB_USER: (redacted)
--- /dev/null
+++ b/Service/prod/api-public
@@ -0,0 +1,12 @@
+apiVersion: v1
+kind: Service
+metadata:
+  name: api-public
+  namespace: prod
+spec:
+  type: LoadBalancer
+  ports:
+  - port: 443
+    targetPort: http
+  selector:
+    app: api
`

const stagingAPIDiff = `--- a/apps/Deployment/staging/api
+++ b/apps/Deployment/staging/api
@@ -30,6 +30,10 @@
         readinessProbe:
           httpGet:
             path: /ready
             port: http
+      - name: metrics-sidecar
+        image: docker.io/library/busybox:latest
`

// testResult is a review like the demo's: several overlays, findings of
// each severity and state, approval needed, and a render error.
func testResult() *checks.Result {
	return &checks.Result{
		Base: "main",
		Head: "WORKTREE",
		Overlays: []checks.OverlayResult{
			{Path: "clusters/dev/apps/api", Status: checks.OverlayError,
				Error: "accumulating resources: accumulation err='accumulating resources from '../../../../bases/api-v2': must build at directory: not a valid directory'"},
			{Path: "clusters/prod/apps/api", Status: checks.OverlayChanged,
				Objects: checks.Counts{Added: 1, Changed: 3, Unchanged: 6}, Diff: prodAPIDiff},
			{Path: "clusters/prod/apps/worker", Status: checks.OverlayUnchanged,
				Objects: checks.Counts{Unchanged: 4}},
			{Path: "clusters/staging/apps/api", Status: checks.OverlayChanged,
				Objects: checks.Counts{Changed: 1, Unchanged: 9}, Diff: stagingAPIDiff},
		},
		Findings: []checks.Finding{
			{Rule: "render-error", Severity: checks.Error, State: checks.New, Overlay: "clusters/dev/apps/api",
				Object: render.ObjectID{Kind: "Kustomization", Name: "clusters/dev/apps/api"}, File: "clusters/dev/apps/api/kustomization.yaml",
				Message: "clusters/dev/apps/api no longer renders: accumulating resources from '../../../../bases/api-v2': not a valid directory"},
			{Rule: "rbac-change", Severity: checks.Warning, Approval: true, State: checks.New, Overlay: "clusters/prod/apps/api",
				Object: roleAPI, File: "bases/api/rbac.yaml", Line: 8, Message: "Role prod/api changed: now grants get, list on secrets"},
			{Rule: "rbac-escalation", Severity: checks.Error, Approval: true, State: checks.New, Overlay: "clusters/prod/apps/api",
				Object: roleAPI, File: "bases/api/rbac.yaml", Line: 14, Message: "ServiceAccount prod/api can read secrets in prod (get, list on secrets)"},
			{Rule: "readiness-probe-missing", Severity: checks.Error, State: checks.New, Overlay: "clusters/prod/apps/api",
				Object: deployAPI, File: "clusters/prod/apps/api/sidecar-patch.yaml", Line: 9, Message: "container metrics-sidecar has no readinessProbe"},
			{Rule: "image-registry-untrusted", Severity: checks.Warning, Approval: true, State: checks.New, Overlay: "clusters/prod/apps/api",
				Object: deployAPI, File: "clusters/prod/apps/api/sidecar-patch.yaml", Line: 10, Message: "image docker.io/library/busybox:latest is not from an allowed registry (ghcr.io/acme/)"},
			{Rule: "image-tag-mutable", Severity: checks.Warning, State: checks.New, Overlay: "clusters/prod/apps/api",
				Object: deployAPI, File: "clusters/prod/apps/api/sidecar-patch.yaml", Line: 10, Message: "image docker.io/library/busybox:latest uses the mutable tag latest"},
			{Rule: "service-loadbalancer", Severity: checks.Warning, State: checks.New, Overlay: "clusters/prod/apps/api",
				Object: svcAPI, File: "clusters/prod/apps/api/service-public.yaml", Message: "Service api-public of type LoadBalancer has no loadBalancerSourceRanges | open to the internet"},
			{Rule: "liveness-probe-missing", Severity: checks.Error, State: checks.Existing, Overlay: "clusters/prod/apps/worker",
				Object: deployWkr, File: "bases/worker/deployment.yaml", Line: 17, Message: "container worker has no livenessProbe"},
			{Rule: "cpu-limit-missing", Severity: checks.Warning, State: checks.Resolved, Overlay: "clusters/staging/apps/api",
				Object: deployStg, File: "bases/api/deployment.yaml", Line: 40, Message: "container api has no cpu limit"},
			{Rule: "networkpolicy-missing", Severity: checks.Notice, State: checks.New, Overlay: "clusters/staging/apps/api",
				Object: deployStg, Message: "no NetworkPolicy selects the pods of Deployment staging/api"},
		},
		Summary: checks.Summary{OverlaysAffected: 4, Blocking: 5, Warnings: 2, Notices: 1},
	}
}

// bigResult is a review too large for GitHub: many overlays with long diffs
// and many findings.
func bigResult(overlays, findingsPer int) *checks.Result {
	r := &checks.Result{Base: "main", Head: "feature"}
	for i := range overlays {
		path := fmt.Sprintf("clusters/c%03d/apps/api", i)
		var d strings.Builder
		d.WriteString("--- a/apps/Deployment/prod/api\n+++ b/apps/Deployment/prod/api\n@@ -1,200 +1,200 @@\n")
		for j := range 200 {
			fmt.Fprintf(&d, "-        value: old-%d-%d\n+        value: new-%d-%d\n", i, j, i, j)
		}
		r.Overlays = append(r.Overlays, checks.OverlayResult{Path: path, Status: checks.OverlayChanged,
			Objects: checks.Counts{Changed: 1}, Diff: d.String()})
		for j := range findingsPer {
			r.Findings = append(r.Findings, checks.Finding{Rule: "image-tag-mutable", Severity: checks.Warning, State: checks.New,
				Overlay: path, Object: deployAPI, File: path + "/patch.yaml", Line: j + 1,
				Message: fmt.Sprintf("image ghcr.io/acme/api:latest of container c%d uses the mutable tag latest; "+strings.Repeat("x", 100), j)})
		}
	}
	return r
}
