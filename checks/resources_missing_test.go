package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// resourceWorkloads has one container per resource situation, a sidecar,
// an init container and a Job.
const resourceWorkloads = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  template:
    spec:
      initContainers:
      - name: migrate
        image: ghcr.io/acme/migrate:1
      - name: proxy
        image: ghcr.io/acme/proxy:1
        restartPolicy: Always
        resources:
          requests: {cpu: 50m, memory: 64Mi}
          limits: {memory: 64Mi}
      containers:
      - name: complete
        image: ghcr.io/acme/api:1
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: "1", memory: 128Mi}
      - name: limitsOnly
        image: ghcr.io/acme/api:1
        resources:
          limits: {cpu: "1", memory: 128Mi}
      - name: noMemoryLimit
        image: ghcr.io/acme/api:1
        resources:
          requests: {cpu: 100m, memory: 128Mi}
      - name: bare
        image: ghcr.io/acme/api:1
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: prod}
spec:
  template:
    spec:
      containers:
      - name: once
        image: ghcr.io/acme/once:1
        resources:
          requests: {memory: 1Gi}
`

func TestRule_resourcesMissing(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []finding
	}{
		{
			name:   "saysWhatIsMissing",
			stream: resourceWorkloads,
			want: []finding{
				{Object: "Deployment prod/api", File: "test.yaml", Line: 28, Message: `container "noMemoryLimit" of Deployment prod/api has no memory limit`},
				{Object: "Deployment prod/api", File: "test.yaml", Line: 30, Message: `container "bare" of Deployment prod/api has no cpu request, memory request and memory limit`},
				{Object: "Job prod/once", File: "test.yaml", Line: 42, Message: `container "once" of Job prod/once has no cpu request and memory limit`},
			},
		},
		{
			name: "sidecarWithoutResources",
			stream: `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
  - name: log
    image: fluent-bit:3
    restartPolicy: Always
  containers:
  - name: app
    image: app:1
    resources:
      limits: {cpu: 100m, memory: 64Mi}
`,
			want: []finding{
				{Object: "Pod p", File: "test.yaml", Line: 6, Message: `sidecar container "log" of Pod p has no cpu request, memory request and memory limit`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRule(t, newResourcesMissing(), tt.stream, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
