package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// boundRole is a Role granting rules to ServiceAccount prod/api.
func boundRole(rules string) string {
	return `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: api, namespace: prod}
rules:
` + rules + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: api, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: api}
subjects:
  - {kind: ServiceAccount, name: api, namespace: prod}
`
}

func TestRule_rbacEscalation(t *testing.T) {
	harmless := `  - {apiGroups: [""], resources: [pods, configmaps], verbs: [get, list, watch]}
`
	tests := []struct {
		name       string
		base, head string
		want       []string
	}{
		{name: "harmless", base: boundRole(""), head: boundRole(harmless)},
		{
			name: "newRoleAndBinding",
			head: boundRole(`  - {apiGroups: [""], resources: [secrets], verbs: [watch]}
`),
			want: []string{
				"Role prod/api lets ServiceAccount prod/api read secrets: watch on secrets in prod",
				"RoleBinding prod/api lets ServiceAccount prod/api read secrets: watch on secrets in prod",
			},
		},
		{
			name: "readsSecrets",
			base: boundRole(harmless),
			head: boundRole(harmless + `  - {apiGroups: [""], resources: [secrets], verbs: [list]}
`),
			want: []string{"Role prod/api lets ServiceAccount prod/api read secrets: list on secrets in prod"},
		},
		{
			name: "secretsAlreadyGranted",
			base: boundRole(`  - {apiGroups: [""], resources: [secrets], verbs: [get]}
`),
			head: boundRole(`  - {apiGroups: [""], resources: [secrets], verbs: [get]}
  - {apiGroups: [""], resources: [configmaps], verbs: [get]}
`),
		},
		{
			name: "writesWorkloads",
			base: boundRole(""),
			head: boundRole(`  - {apiGroups: [apps], resources: [deployments], verbs: [get, patch]}
  - {apiGroups: [""], resources: [pods], verbs: [create]}
`),
			want: []string{
				"Role prod/api lets ServiceAccount prod/api create or change workloads: create on pods in prod; patch on deployments.apps in prod",
			},
		},
		{
			name: "wildcardResources",
			base: boundRole(""),
			head: boundRole(`  - {apiGroups: [""], resources: ["*"], verbs: [get]}
`),
			want: []string{
				"Role prod/api lets ServiceAccount prod/api use wildcards: get on * in prod",
			},
		},
		{
			name: "execTokenProxyAndEscalate",
			base: boundRole(harmless),
			head: boundRole(harmless + `  - {apiGroups: [""], resources: [pods/exec, serviceaccounts/token, nodes/proxy], verbs: [create]}
  - {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate]}
`),
			want: []string{
				"Role prod/api lets ServiceAccount prod/api create service account tokens: create on serviceaccounts/token in prod",
				"Role prod/api lets ServiceAccount prod/api exec into pods: create on pods/exec in prod",
				"Role prod/api lets ServiceAccount prod/api proxy to nodes: create on nodes/proxy in prod",
				"Role prod/api lets ServiceAccount prod/api escalate, bind or impersonate: escalate on roles.rbac.authorization.k8s.io in prod",
			},
		},
		{
			name: "clusterAdminBinding",
			head: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
  - {kind: Group, name: ops}
`,
			want: []string{"ClusterRoleBinding ops binds cluster-admin to Group ops (cluster-wide)"},
		},
		{
			name: "clusterAdminSubjectUnchanged",
			base: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: Group, name: ops}]
`,
			head: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops, labels: {team: ops}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: Group, name: ops}]
`,
		},
		{
			name: "unboundWildcardRole",
			head: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: all}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
`,
		},
	}
	r := newRBACEscalation()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, b := range briefs(r.Check(coreInput(t, tt.base, tt.head))) {
				got = append(got, b.Message)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}
