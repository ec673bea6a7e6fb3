package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRule_cpuLimitMissing(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []finding
	}{
		{
			name:   "appAndSidecarButNotInit",
			stream: resourceWorkloads,
			want: []finding{
				{Object: "Deployment prod/api", File: "test.yaml", Line: 28, Message: `container "noMemoryLimit" of Deployment prod/api has no cpu limit`},
				{Object: "Deployment prod/api", File: "test.yaml", Line: 30, Message: `container "bare" of Deployment prod/api has no cpu limit`},
				{Object: "Deployment prod/api", File: "test.yaml", Line: 13, Message: `sidecar container "proxy" of Deployment prod/api has no cpu limit`},
				{Object: "Job prod/once", File: "test.yaml", Line: 42, Message: `container "once" of Job prod/once has no cpu limit`},
			},
		},
		{
			name: "limited",
			stream: `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  template:
    spec:
      containers:
      - name: agent
        image: agent:1
        resources: {limits: {cpu: 200m}}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRule(t, newCPULimitMissing(), tt.stream, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
