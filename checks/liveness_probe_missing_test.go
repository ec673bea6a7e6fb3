package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRule_livenessProbeMissing(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []finding
	}{
		{
			name:   "sidecarAndAppContainersButNotInitOrJobs",
			stream: probeWorkloads,
			want: []finding{
				{Object: "Deployment prod/api", File: "test.yaml", Line: 25, Message: `container "worker" of Deployment prod/api has no livenessProbe`},
				{Object: "Deployment prod/api", File: "test.yaml", Line: 15, Message: `sidecar container "proxy" of Deployment prod/api has no livenessProbe`},
			},
		},
		{
			name: "replicaSetWithReadinessOnly",
			stream: `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: prod}
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
        readinessProbe: {httpGet: {path: /, port: 80}}
`,
			want: []finding{
				{Object: "ReplicaSet prod/web", File: "test.yaml", Line: 8, Message: `container "web" of ReplicaSet prod/web has no livenessProbe`},
			},
		},
		{
			name: "podsThatRunToCompletion",
			stream: `apiVersion: v1
kind: Pod
metadata: {name: migrate}
spec:
  restartPolicy: Never
  containers:
  - {name: migrate, image: migrate:1}
---
apiVersion: v1
kind: Pod
metadata: {name: retry}
spec:
  restartPolicy: OnFailure
  containers:
  - {name: retry, image: retry:1}
---
apiVersion: v1
kind: Pod
metadata: {name: serve}
spec:
  restartPolicy: Always
  containers:
  - {name: serve, image: serve:1}
`,
			want: []finding{
				{Object: "Pod serve", File: "test.yaml", Line: 23, Message: `container "serve" of Pod serve has no livenessProbe`},
			},
		},
		{
			name: "sidecarWithProbe",
			stream: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  template:
    spec:
      initContainers:
      - name: proxy
        image: envoy:1
        restartPolicy: Always
        livenessProbe: {tcpSocket: {port: 15000}}
      containers:
      - name: web
        image: nginx:1.27
        livenessProbe: {httpGet: {path: /, port: 80}}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRule(t, newLivenessProbeMissing(), tt.stream, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
