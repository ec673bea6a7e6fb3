package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// probeWorkloads covers the kinds and container roles both probe rules judge.
const probeWorkloads = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: prod
spec:
  template:
    metadata:
      labels:
        app: api
    spec:
      initContainers:
      - name: migrate
        image: ghcr.io/acme/migrate:1
      - name: proxy
        image: ghcr.io/acme/proxy:1
        restartPolicy: Always
      containers:
      - name: api
        image: ghcr.io/acme/api:1
        readinessProbe:
          httpGet: {path: /ready, port: 8080}
        livenessProbe:
          httpGet: {path: /live, port: 8080}
      - name: worker
        image: ghcr.io/acme/worker:1
---
apiVersion: batch/v1
kind: Job
metadata:
  name: once
  namespace: prod
spec:
  template:
    spec:
      containers:
      - name: once
        image: ghcr.io/acme/once:1
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: prod
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: nightly
            image: ghcr.io/acme/nightly:1
---
apiVersion: v1
kind: Pod
metadata:
  name: bare
  namespace: prod
spec:
  containers:
  - name: bare
    image: ghcr.io/acme/bare:1
    readinessProbe: {exec: {command: [true]}}
    livenessProbe: {exec: {command: [true]}}
`

func TestRule_readinessProbeMissing(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []finding
	}{
		{
			name:   "sidecarAndAppContainersButNotInitOrJobs",
			stream: probeWorkloads,
			want: []finding{
				{Object: "Deployment prod/api", File: "test.yaml", Line: 25, Message: `container "worker" of Deployment prod/api has no readinessProbe`},
				{Object: "Deployment prod/api", File: "test.yaml", Line: 15, Message: `sidecar container "proxy" of Deployment prod/api has no readinessProbe`},
			},
		},
		{
			name: "statefulSetAndDaemonSet",
			stream: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  template:
    spec:
      containers:
      - name: db
        image: postgres:16
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  template:
    spec:
      containers:
      - name: agent
        image: ghcr.io/acme/agent:1
        readinessProbe: {tcpSocket: {port: 9100}}
`,
			want: []finding{
				{Object: "StatefulSet data/db", File: "test.yaml", Line: 8, Message: `container "db" of StatefulSet data/db has no readinessProbe`},
			},
		},
		{
			name: "notAWorkload",
			stream: `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: b}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRule(t, newReadinessProbeMissing(), tt.stream, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
