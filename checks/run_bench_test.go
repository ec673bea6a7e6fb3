package checks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/render"
)

// largeRender is a render of n objects shaped like a real monorepo: per
// app a Deployment, Service, ConfigMap, ServiceAccount, Role and
// RoleBinding. With changed set, every tenth app has a new image, a new
// verb in its Role and a toleration.
func largeRender(tb testing.TB, n int, changed bool) string {
	var b strings.Builder
	for app := 0; app*6 < n; app++ {
		ns := fmt.Sprintf("team-%d", app%40)
		image, verbs, tol := "1.0", "[get, list]", ""
		if changed && app%10 == 0 {
			image, verbs = "1.1", "[get, list, watch]"
			tol = "      tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists}]\n"
		}
		fmt.Fprintf(&b, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-%[1]d, namespace: %[2]s, labels: {app: app-%[1]d}}
spec:
  replicas: 2
  selector: {matchLabels: {app: app-%[1]d}}
  template:
    metadata: {labels: {app: app-%[1]d}}
    spec:
      serviceAccountName: app-%[1]d
%[5]s      containers:
        - name: app
          image: ghcr.io/acme/app-%[1]d:%[3]s
          ports: [{name: http, containerPort: 8080}]
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: app-%[1]d, namespace: %[2]s}
spec:
  selector: {app: app-%[1]d}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-%[1]d, namespace: %[2]s}
data: {LOG_LEVEL: info}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app-%[1]d, namespace: %[2]s}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: app-%[1]d, namespace: %[2]s}
rules:
  - {apiGroups: [""], resources: [configmaps], verbs: %[4]s}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app-%[1]d, namespace: %[2]s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: app-%[1]d}
subjects: [{kind: ServiceAccount, name: app-%[1]d}]
---`, app, ns, image, verbs, tol)
	}
	return b.String()
}

// BenchmarkRun runs the catalog over base and head renders of 6,000
// objects each (diff precomputed) and reports objects per second, counting
// the objects of both sides.
func BenchmarkRun(b *testing.B) {
	const n = 6000
	in := coreInput(b, largeRender(b, n, false), largeRender(b, n, true))
	rules := Default()
	objects := len(in.Base) + len(in.Head)
	b.ReportAllocs()
	b.ResetTimer()
	var findings int
	for b.Loop() {
		fresh := *in
		fresh.cache = nil
		findings = len(Run(&fresh, rules))
	}
	b.ReportMetric(float64(objects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(float64(findings), "findings")
}

// BenchmarkDiffAndRun is the review engine after rendering: diff a base
// and a head render of about 6,900 objects each, then run the whole
// catalog. objects/s counts the head render once (as a linter judging one
// set of objects would), so the figure compares with single-set linters.
func BenchmarkDiffAndRun(b *testing.B) {
	const n = 6900
	in := coreInput(b, largeRender(b, n, false), largeRender(b, n, true))
	rules := Default()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		fresh := Input{Overlay: in.Overlay, Base: in.Base, Head: in.Head, Config: in.Config}
		fresh.Changes = render.Diff(in.Base, in.Head)
		Run(&fresh, rules)
	}
	b.ReportMetric(float64(len(in.Head))*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}
