package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// webPods is a Deployment whose container declares named ports, and the
// Service in front of it.
const webPods = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: web:1
        ports:
        - {name: http, containerPort: 8080}
        - {name: metrics, containerPort: 9090}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: metrics, port: 9090}
---
`

func TestRule_networkpolicyPortMismatch(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []finding
	}{
		{
			name: "portsNothingServes",
			stream: webPods + `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-web, namespace: prod}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports:
    - {port: 8080}
    - {port: metrics}
    - {port: 8081}
    - {port: grpc}
    - {port: 8080, protocol: UDP}
    - {port: 8000, endPort: 8079}
    - {port: 9000, endPort: 9100}
`,
			want: []finding{
				{Object: "NetworkPolicy prod/allow-web", File: "test.yaml", Line: 34, Message: "NetworkPolicy prod/allow-web allows port 8081/TCP, which no container or Service of the pods of Deployment prod/web exposes"},
				{Object: "NetworkPolicy prod/allow-web", File: "test.yaml", Line: 35, Message: `NetworkPolicy prod/allow-web allows port "grpc"/TCP, which no container or Service of the pods of Deployment prod/web names`},
				{Object: "NetworkPolicy prod/allow-web", File: "test.yaml", Line: 36, Message: "NetworkPolicy prod/allow-web allows port 8080/UDP, which no container or Service of the pods of Deployment prod/web exposes"},
				{Object: "NetworkPolicy prod/allow-web", File: "test.yaml", Line: 37, Message: "NetworkPolicy prod/allow-web allows ports 8000-8079/TCP, which no container or Service of the pods of Deployment prod/web exposes"},
			},
		},
		{
			name: "servicePortThePolicyBlocks",
			stream: webPods + `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-http, namespace: prod}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports:
    - {port: http}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: prod}
spec:
  podSelector: {}
`,
			want: []finding{
				{Object: "Service prod/web", File: "test.yaml", Line: 23, Message: "Service prod/web port 9090 reaches port 9090/TCP of the pods of Deployment prod/web, which no NetworkPolicy selecting them allows (prod/allow-http, prod/default-deny)"},
			},
		},
		{
			name: "policiesAddUp",
			stream: webPods + `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-http, namespace: prod}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports:
    - {port: 8080}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-metrics, namespace: prod}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports:
    - {port: 9000, endPort: 9999}
`,
		},
		{
			name: "ruleWithoutPortsAllowsAll",
			stream: webPods + `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-front, namespace: prod}
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {matchLabels: {tier: front}}
`,
		},
		{
			name: "undeclaredPortsAreNotJudged",
			stream: `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - {name: api, image: api:1}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-api, namespace: prod}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - ports:
    - {port: 8080}
`,
		},
		{
			name: "serviceTargetCountsAsServed",
			stream: `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - {name: api, image: api:1}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: prod}
spec:
  selector: {app: api}
  ports:
  - {port: 80, targetPort: 8080}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: prod}
spec:
  podSelector: {}
  policyTypes: [Ingress]
`,
			want: []finding{
				{Object: "Service prod/api", File: "test.yaml", Line: 18, Message: "Service prod/api port 80 reaches port 8080/TCP of the pods of Deployment prod/api, which no NetworkPolicy selecting them allows (prod/deny)"},
			},
		},
		{
			name: "policySelectingNoPods",
			stream: webPods + `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: nothing, namespace: prod}
spec:
  podSelector: {matchLabels: {app: gone}}
  ingress:
  - ports:
    - {port: 1234}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRule(t, newNetworkpolicyPortMismatch(), tt.stream, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
