package checks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kustoguard/kustoguard/render"
)

func TestStateRules(t *testing.T) {
	want := []string{
		"readiness-probe-missing", "liveness-probe-missing", "resources-missing", "cpu-limit-missing",
		"image-registry-untrusted", "image-tag-mutable", "networkpolicy-missing",
		"networkpolicy-port-mismatch", "service-loadbalancer", "service-selector-mismatch",
	}
	var got []string
	for _, r := range stateRules() {
		got = append(got, r.ID())
		if r.Kind() != StateRule {
			t.Errorf("%s: Kind() = %v, want StateRule", r.ID(), r.Kind())
		}
		if d := r.Description(); d == "" || strings.Contains(d, "\n") {
			t.Errorf("%s: description %q is not one line", r.ID(), d)
		}
		if rem := r.Remediation(); !strings.HasSuffix(rem, ".") || strings.Count(rem, ". ") > 0 {
			t.Errorf("%s: remediation %q is not one sentence ending in '.'", r.ID(), rem)
		}
		wantApproval := r.ID() == "image-registry-untrusted"
		if r.NeedsApproval() != wantApproval {
			t.Errorf("%s: NeedsApproval() = %v, want %v", r.ID(), r.NeedsApproval(), wantApproval)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stateRules() ids (-want +got):\n%s", diff)
	}
}

// TestStateRulesMalformed feeds objects whose fields have the wrong types:
// the rules must skip them, not panic.
func TestStateRulesMalformed(t *testing.T) {
	objs := []render.Object{
		{ID: render.ObjectID{APIVersion: "apps/v1", Kind: "Deployment", Name: "a"}, Fields: map[string]any{"spec": map[string]any{"template": "nope"}}},
		{ID: render.ObjectID{APIVersion: "apps/v1", Kind: "Deployment", Name: "b"}, Fields: map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": "x"}}}}},
		{ID: render.ObjectID{APIVersion: "v1", Kind: "Pod", Name: "c"}, Fields: nil},
		{ID: render.ObjectID{APIVersion: "v1", Kind: "Service", Name: "d"}, Fields: map[string]any{"spec": map[string]any{"ports": 3}}},
		{ID: render.ObjectID{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy", Name: "e"}, Fields: map[string]any{"spec": []any{1}}},
		{ID: render.ObjectID{APIVersion: "v1", Kind: "Pod", Name: "f"}, Fields: map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "x", "image": ":::"}}}}},
	}
	in := ruleInput(objs, &Config{Registries: []string{"ghcr.io/"}, RequireDigest: true})
	for _, r := range stateRules() {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s panicked: %v", r.ID(), p)
				}
			}()
			r.Check(in)
		}()
	}
}

// TestIndexOfFollowsObjects makes sure the memoized index belongs to the
// objects an Input holds now, even when a caller reuses the Input.
func TestIndexOfFollowsObjects(t *testing.T) {
	base := parseObjects(t, podsDeployment("web", "{app: web}"))
	head := parseObjects(t, podsDeployment("api", "{app: api}"))
	in := ruleInput(base, nil)
	first := indexOf(in)
	copied := *in // Run hands each rule its own copy of the Input
	if indexOf(&copied) != first {
		t.Error("the index of one render was built twice")
	}
	in.Objects = head
	got := newNetworkpolicyMissing().Check(in)
	if len(got) != 1 || got[0].Object.Name != "api" {
		t.Errorf("after switching Objects, findings = %+v, want one for api", got)
	}
}

// syntheticRender is a rendered overlay of n objects: per namespace, groups
// of a Deployment with a ConfigMap, a Service, a NetworkPolicy and a
// ServiceAccount, shaped like what kustomize emits for a typical app.
func syntheticRender(tb testing.TB, n int) []render.Object {
	var b strings.Builder
	for i := 0; i*5 < n; i++ {
		ns := fmt.Sprintf("team-%d", i%40)
		app := fmt.Sprintf("app-%d", i)
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: %[1]s, namespace: %[2]s, labels: {app: %[1]s}}
spec:
  replicas: 2
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata:
      labels: {app: %[1]s, tier: web}
    spec:
      serviceAccountName: %[1]s
      initContainers:
      - name: proxy
        image: ghcr.io/acme/proxy:1.4
        restartPolicy: Always
        ports: [{name: https, containerPort: 8443}]
        resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 32Mi}}
      containers:
      - name: %[1]s
        image: ghcr.io/acme/%[1]s:1.%[3]d
        ports:
        - {name: http, containerPort: 8080}
        - {name: metrics, containerPort: 9090}
        env: [{name: MODE, value: prod}, {name: LEVEL, value: info}]
        readinessProbe: {httpGet: {path: /ready, port: http}}
        livenessProbe: {httpGet: {path: /live, port: http}}
        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: "1", memory: 128Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: %[1]s, namespace: %[2]s}
spec:
  selector: {app: %[1]s}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: https, port: 443, targetPort: https}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: %[1]s, namespace: %[2]s}
spec:
  podSelector: {matchLabels: {app: %[1]s}}
  ingress:
  - ports: [{port: http}, {port: 8443}, {port: 9090}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: %[1]s, namespace: %[2]s}
data: {config.yaml: "a: b"}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: %[1]s, namespace: %[2]s}
`, app, ns, i%7)
	}
	return parseObjects(tb, b.String())
}

// BenchmarkStateRules runs every state rule over one render of about 5,000
// objects the way Run does: each rule in turn, each with its own Input.
func BenchmarkStateRules(b *testing.B) {
	objs := syntheticRender(b, 5000)
	rules := stateRules()
	cfg := &Config{Registries: []string{"ghcr.io/acme/"}, RequireDigest: true}
	cpu0 := cpuSeconds()
	for b.Loop() {
		// A fresh slice per iteration, so that the memoized index of the
		// previous one does not hide the cost of building it.
		fresh := append([]render.Object(nil), objs...)
		for _, r := range rules {
			in := ruleInput(fresh, cfg)
			r.Check(in)
		}
	}
	b.ReportMetric(float64(len(objs)*b.N)/b.Elapsed().Seconds(), "objects/s")
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(len(objs)*b.N)/cpu, "objects/cpu-s")
	}
}

// TestStateRulesConcurrent runs the rules over shared renders from several
// goroutines, as the bot does for several overlays; run it with -race.
func TestStateRulesConcurrent(t *testing.T) {
	objs := syntheticRender(t, 100)
	want := len(newNetworkpolicyPortMismatch().Check(ruleInput(objs, nil)))
	done := make(chan int)
	for range 4 {
		go func() {
			n := 0
			for _, r := range stateRules() {
				in := ruleInput(objs, &Config{Registries: []string{"ghcr.io/"}})
				if r.ID() == "networkpolicy-port-mismatch" {
					n = len(r.Check(in))
				} else {
					r.Check(in)
				}
			}
			done <- n
		}()
	}
	for range 4 {
		if got := <-done; got != want {
			t.Errorf("concurrent run found %d port mismatches, want %d", got, want)
		}
	}
}
