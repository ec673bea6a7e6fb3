package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/checks"
)

// TestCheck_schemaPullRequest reviews a pull request against a tree with
// prometheus-operator CRDs (testdata/schema): it introduces a typo'd
// field, a wrong type, an unknown field in a custom resource, a removed
// API, a deprecated API and a replica cut that two custom policies of the
// base configuration catch, one of them reading oldObject. The review
// reports exactly those as new findings, each at the line to edit.
func TestCheck_schemaPullRequest(t *testing.T) {
	t.Chdir("../..")
	code, stdout, stderr := runEngine(t, "--format", "json", "testdata/schema/base", "testdata/schema/head")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (blocking findings); stderr: %s", code, stderr)
	}
	var res checks.Result
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("decoding the report: %v\n%s", err, stdout)
	}
	var got []string
	for _, f := range res.Findings {
		if f.State == checks.New {
			got = append(got, fmt.Sprintf("%s %s %s:%d %s", f.Severity, f.Rule, f.File, f.Line, f.Message))
		}
	}
	want := []string{
		"error schema-invalid apps/example-app/base/deployment.yaml:23 Deployment monitoring/example-app: spec.template.spec.containers[name=example-app].imagePulPolicy: unknown field",
		"error api-removed apps/example-app/base/pdb.yaml:1 policy/v1beta1 PodDisruptionBudget was removed in 1.25; use policy/v1",
		`error schema-invalid apps/example-app/base/service.yaml:13 Service monitoring/example-app: spec.ports[name=web].port: must be an integer, not the string "8080"`,
		"error schema-invalid apps/example-app/base/servicemonitor.yaml:13 ServiceMonitor monitoring/example-app: spec.endpoints[0].intervall: unknown field",
		"warning replicas-cut-limited apps/example-app/overlays/prod/replicas.yaml:6 Deployment monitoring/example-app: replicas cut from 6 to 1: more than half the capacity at once",
		"error replicas-minimum apps/example-app/overlays/prod/replicas.yaml:6 Deployment monitoring/example-app: production Deployments need at least two replicas",
		"warning api-deprecated platform/flowcontrol/flowschema.yaml:1 flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is deprecated since 1.29 and removed in 1.32; use flowcontrol.apiserver.k8s.io/v1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("new findings:\n%s\n\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range res.Findings {
		if f.Rule == "replicas-cut-limited" && !f.Approval {
			t.Errorf("replicas-cut-limited is configured with approval: true, finding has approval false")
		}
	}
	if res.Summary.Blocking != 6 || res.Summary.Warnings != 1 {
		t.Errorf("summary %+v, want 6 blocking (5 errors, 1 needing approval) and 1 warning", res.Summary)
	}
}
