package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRule_serviceLoadBalancer(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []finding
	}{
		{
			name: "openAndPinned",
			stream: `apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
spec:
  type: LoadBalancer
  loadBalancerIP: 203.0.113.7
  selector: {app: web}
  ports: [{port: 443}]
`,
			want: []finding{
				{Object: "Service prod/web", File: "test.yaml", Line: 5, Message: "Service prod/web is of type LoadBalancer and reachable from outside the cluster; no loadBalancerSourceRanges restrict it, so any address can connect; it sets the deprecated loadBalancerIP"},
			},
		},
		{
			name: "restricted",
			stream: `apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: [10.0.0.0/8]
  ports: [{port: 443}]
---
apiVersion: v1
kind: Service
metadata:
  name: admin
  namespace: prod
  annotations:
    service.beta.kubernetes.io/load-balancer-source-ranges: 192.0.2.0/24
spec:
  type: LoadBalancer
  ports: [{port: 443}]
`,
			want: []finding{
				{Object: "Service prod/web", File: "test.yaml", Line: 5, Message: "Service prod/web is of type LoadBalancer and reachable from outside the cluster"},
				{Object: "Service prod/admin", File: "test.yaml", Line: 17, Message: "Service prod/admin is of type LoadBalancer and reachable from outside the cluster"},
			},
		},
		{
			name: "otherTypes",
			stream: `apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
spec:
  ports: [{port: 443}]
---
apiVersion: v1
kind: Service
metadata: {name: node, namespace: prod}
spec:
  type: NodePort
  ports: [{port: 443}]
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRule(t, newServiceLoadBalancer(), tt.stream, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
