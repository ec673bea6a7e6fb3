package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRule_controlPlaneToleration(t *testing.T) {
	tol := func(items string) string { return "      tolerations:\n" + items }
	tests := []struct {
		name       string
		base, head string
		managed    bool
		want       []brief
	}{
		{
			name: "controlPlaneKey",
			head: deployment(tol("        - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}\n")),
			want: []brief{{"Deployment prod/api", 10, "Deployment prod/api tolerates the control-plane taint node-role.kubernetes.io/control-plane with effect NoSchedule (operator Exists)"}},
		},
		{
			name: "masterKeyEqual",
			head: deployment(tol("        - {key: node-role.kubernetes.io/master, value: \"\"}\n")),
			want: []brief{{"Deployment prod/api", 10, "Deployment prod/api tolerates the control-plane taint node-role.kubernetes.io/master (operator Equal)"}},
		},
		{
			name: "existsWithoutKey",
			head: deployment(tol("        - {key: dedicated, operator: Equal, value: gpu}\n        - operator: Exists\n")),
			want: []brief{{"Deployment prod/api", 11, "Deployment prod/api tolerates every taint (operator Exists with no key)"}},
		},
		{
			name: "existsWithOtherKey",
			head: deployment(tol("        - {key: dedicated, operator: Exists}\n")),
		},
		{
			name: "alreadyTolerated",
			base: deployment(tol("        - {key: node-role.kubernetes.io/control-plane, operator: Exists}\n")),
			head: deployment(tol("        - {key: node-role.kubernetes.io/control-plane, operator: Exists}\n        - {key: dedicated, operator: Exists}\n")),
		},
		{
			name:    "managedControlPlane",
			managed: true,
			head:    deployment(tol("        - {key: node-role.kubernetes.io/control-plane, operator: Exists}\n        - {operator: Exists, effect: NoExecute}\n")),
			want:    []brief{{"Deployment prod/api", 11, "Deployment prod/api tolerates every taint with effect NoExecute (operator Exists with no key)"}},
		},
	}
	r := newControlPlaneToleration()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := coreInput(t, tt.base, tt.head)
			in.Config.SelfManagedControlPlane = !tt.managed
			got := briefs(r.Check(in))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
