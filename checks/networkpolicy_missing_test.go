package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// deployment is a minimal Deployment in namespace prod with pod labels.
func podsDeployment(name, labels string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ` + name + `, namespace: prod}
spec:
  template:
    metadata:
      labels: ` + labels + `
    spec:
      containers:
      - {name: app, image: app:1}
`
}

func TestRule_networkpolicyMissing(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []finding
	}{
		{
			name:   "noPolicy",
			stream: podsDeployment("web", "{app: web}"),
			want: []finding{
				{Object: "Deployment prod/web", File: "test.yaml", Line: 7, Message: "no NetworkPolicy in namespace prod selects the pods of Deployment prod/web for ingress"},
			},
		},
		{
			name: "noNamespaceSaysWhereItApplies",
			stream: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - {name: app, image: app:1}
`,
			want: []finding{
				{Object: "Deployment web", File: "test.yaml", Line: 7, Message: "no NetworkPolicy selects the pods of Deployment web for ingress in the namespace it is applied to"},
			},
		},
		{
			name: "emptyPodSelectorSelectsTheNamespace",
			stream: podsDeployment("web", "{app: web}") + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: prod}
spec:
  podSelector: {}
`,
		},
		{
			name: "policyOfAnotherNamespace",
			stream: podsDeployment("web", "{app: web}") + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: staging}
spec:
  podSelector: {}
`,
			want: []finding{
				{Object: "Deployment prod/web", File: "test.yaml", Line: 7, Message: "no NetworkPolicy in namespace prod selects the pods of Deployment prod/web for ingress"},
			},
		},
		{
			name: "egressOnlyDoesNotCount",
			stream: podsDeployment("web", "{app: web}") + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress, namespace: prod}
spec:
  podSelector: {}
  policyTypes: [Egress]
`,
			want: []finding{
				{Object: "Deployment prod/web", File: "test.yaml", Line: 7, Message: "no NetworkPolicy in namespace prod selects the pods of Deployment prod/web for ingress"},
			},
		},
		{
			name: "matchLabelsAndExpressions",
			stream: podsDeployment("web", "{app: web, tier: front}") + "---\n" +
				podsDeployment("db", "{app: db}") + "---\n" +
				podsDeployment("cache", "{app: cache}") + "---\n" +
				podsDeployment("legacy", "{app: old, legacy: \"true\"}") + "---\n" +
				podsDeployment("batch", "{team: data}") + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: front, namespace: prod}
spec:
  podSelector:
    matchLabels: {tier: front}
    matchExpressions:
    - {key: app, operator: In, values: [web, api]}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: not-db, namespace: prod}
spec:
  podSelector:
    matchExpressions:
    - {key: app, operator: NotIn, values: [db]}
    - {key: app, operator: Exists}
    - {key: legacy, operator: DoesNotExist}
`,
			want: []finding{
				{Object: "Deployment prod/db", File: "test.yaml", Line: 18, Message: "no NetworkPolicy in namespace prod selects the pods of Deployment prod/db for ingress"},
				{Object: "Deployment prod/legacy", File: "test.yaml", Line: 40, Message: "no NetworkPolicy in namespace prod selects the pods of Deployment prod/legacy for ingress"},
				{Object: "Deployment prod/batch", File: "test.yaml", Line: 51, Message: "no NetworkPolicy in namespace prod selects the pods of Deployment prod/batch for ingress"},
			},
		},
		{
			name: "hostNetworkPodsAreExempt",
			stream: `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - {name: agent, image: agent:1}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRule(t, newNetworkpolicyMissing(), tt.stream, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
