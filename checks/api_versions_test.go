package checks

import (
	"testing"
)

// Objects as public charts and guides shipped them before the APIs moved.
const oldAPIObjects = `apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: backup, namespace: shop}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: backup, image: ghcr.io/acme/backup:1.2}]
---
apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: FlowSchema
metadata: {name: scrapes}
spec:
  priorityLevelConfiguration: {name: workload-low}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: api, namespace: shop}
spec:
  minAvailable: 1
`

func TestAPIVersionRules(t *testing.T) {
	tests := []struct {
		version             string
		removed, deprecated []string
	}{
		{version: "", removed: nil, deprecated: nil},
		{version: "1.20"},
		{version: "1.24", deprecated: []string{
			"policy/v1beta1 PodDisruptionBudget is deprecated since 1.21 and removed in 1.25; use policy/v1",
			"batch/v1beta1 CronJob is deprecated since 1.21 and removed in 1.25; use batch/v1",
		}},
		{version: "1.31", removed: []string{
			"policy/v1beta1 PodDisruptionBudget was removed in 1.25; use policy/v1",
			"batch/v1beta1 CronJob was removed in 1.25; use batch/v1",
		}, deprecated: []string{
			"flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is deprecated since 1.29 and removed in 1.32; use flowcontrol.apiserver.k8s.io/v1",
		}},
		{version: "v1.32.4", removed: []string{
			"policy/v1beta1 PodDisruptionBudget was removed in 1.25; use policy/v1",
			"batch/v1beta1 CronJob was removed in 1.25; use batch/v1",
			"flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema was removed in 1.32; use flowcontrol.apiserver.k8s.io/v1",
		}},
	}
	objs := coreObjects(t, "legacy.yaml", oldAPIObjects)
	for _, tt := range tests {
		t.Run("kubernetesVersion="+tt.version, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.KubernetesVersion = tt.version
			in := &Input{Objects: objs, Config: cfg}
			assertMessages(t, "api-removed", newAPIRemoved().Check(in), tt.removed)
			assertMessages(t, "api-deprecated", newAPIDeprecated().Check(in), tt.deprecated)
		})
	}
}

func assertMessages(t *testing.T, rule string, got []Finding, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d findings %+v, want %v", rule, len(got), got, want)
		return
	}
	for i, f := range got {
		if f.Message != want[i] {
			t.Errorf("%s: finding %d = %q, want %q", rule, i, f.Message, want[i])
		}
		if f.File != "legacy.yaml" || f.Line == 0 {
			t.Errorf("%s: finding %d at %s:%d, want the object's document in legacy.yaml", rule, i, f.File, f.Line)
		}
	}
}

func TestAPIVersionTable(t *testing.T) {
	table, err := apiVersionTable()
	if err != nil {
		t.Fatal(err)
	}
	if len(table) < 40 {
		t.Errorf("only %d entries", len(table))
	}
	for k, e := range table {
		if e.deprecatedMinor > e.removedMinor {
			t.Errorf("%s: deprecated in %s after its removal in %s", k, e.Deprecated, e.Removed)
		}
		if e.Replacement == "" {
			t.Errorf("%s: no replacement", k)
		}
	}
}
