package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRule_serviceSelectorMismatch(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []finding
	}{
		{
			name: "selectsNothing",
			stream: webPods + `apiVersion: v1
kind: Service
metadata: {name: old, namespace: prod}
spec:
  selector: {app: web-v1, tier: front}
  ports:
  - {port: 80}
`,
			want: []finding{
				{Object: "Service prod/old", File: "test.yaml", Line: 29, Message: "Service prod/old selects no pods: no pod template in its namespace has the labels app=web-v1,tier=front"},
			},
		},
		{
			name: "namespaceWithoutWorkloads",
			stream: webPods + `apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec:
  selector: {app: db}
  ports:
  - {port: 5432}
`,
		},
		{
			name: "externalNameAndSelectorless",
			stream: webPods + `apiVersion: v1
kind: Service
metadata: {name: ext, namespace: prod}
spec:
  type: ExternalName
  externalName: db.example.com
  selector: {app: db}
---
apiVersion: v1
kind: Service
metadata: {name: manual, namespace: prod}
spec:
  ports:
  - {port: 80}
`,
		},
		{
			name: "targetPortsNoContainerServes",
			stream: webPods + `apiVersion: v1
kind: Service
metadata: {name: web2, namespace: prod}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: grpc, port: 81, targetPort: grpc}
  - {port: 7000}
  - {port: 8080, protocol: UDP}
`,
			want: []finding{
				{Object: "Service prod/web2", File: "test.yaml", Line: 32, Message: `Service prod/web2 port 81 targets port "grpc", which no container of Deployment prod/web names`},
				{Object: "Service prod/web2", File: "test.yaml", Line: 33, Message: "Service prod/web2 port 7000 targets port 7000/TCP, which no container of Deployment prod/web exposes"},
				{Object: "Service prod/web2", File: "test.yaml", Line: 34, Message: "Service prod/web2 port 8080 targets port 8080/UDP, which no container of Deployment prod/web exposes"},
			},
		},
		{
			name: "numericTargetOfUndeclaredPorts",
			stream: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - {name: db, image: postgres:16}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec:
  selector: {app: db}
  ports:
  - {port: 5432}
  - {port: 9187, targetPort: metrics}
`,
			want: []finding{
				{Object: "Service data/db", File: "test.yaml", Line: 19, Message: `Service data/db port 9187 targets port "metrics", which no container of StatefulSet data/db names`},
			},
		},
		{
			name: "sidecarPortServes",
			stream: `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  template:
    metadata:
      labels: {app: api}
    spec:
      initContainers:
      - name: proxy
        image: envoy:1
        restartPolicy: Always
        ports: [{name: https, containerPort: 8443}]
      containers:
      - name: api
        image: api:1
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: prod}
spec:
  selector: {app: api}
  ports:
  - {port: 443, targetPort: https}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRule(t, newServiceSelectorMismatch(), tt.stream, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
