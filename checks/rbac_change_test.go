package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	readerRole = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: api-reader
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get]
  - apiGroups: [""]
    resources: [secrets]
    verbs: [get]
`
	readerBinding = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: api-reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: api-reader
subjects:
  - kind: ServiceAccount
    name: api
    namespace: prod
`
)

func TestRule_rbacChange(t *testing.T) {
	tests := []struct {
		name       string
		base, head string
		want       []brief
	}{
		{
			name: "roleAndBindingAdded",
			head: readerRole + "---" + readerBinding,
			want: []brief{
				{"ClusterRole api-reader", 7, "ClusterRole api-reader added: grants get on configmaps, secrets cluster-wide to ServiceAccount prod/api"},
				{"ClusterRoleBinding api-reader", 22, "ClusterRoleBinding api-reader binds ClusterRole api-reader to ServiceAccount prod/api: grants get on configmaps, secrets cluster-wide to ServiceAccount prod/api"},
			},
		},
		{
			name: "verbAdded",
			base: readerRole + "---" + readerBinding,
			head: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: api-reader
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get]
  - apiGroups: [""]
    resources: [secrets]
    verbs: [get, list]
---` + readerBinding,
			want: []brief{{"ClusterRole api-reader", 10, "ClusterRole api-reader now grants list on secrets cluster-wide to ServiceAccount prod/api"}},
		},
		{
			name: "rulesReorderedAndMerged",
			base: readerRole + "---" + readerBinding,
			head: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: api-reader
rules:
  - apiGroups: [""]
    resources: [secrets, configmaps]
    verbs: [get]
---` + readerBinding,
		},
		{
			name: "subjectsReordered",
			base: readerRole + "---" + readerBinding + `  - kind: User
    name: bob
`,
			head: readerRole + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: api-reader
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: api-reader}
subjects:
  - {kind: User, name: bob}
  - {kind: ServiceAccount, name: api, namespace: prod}
`,
		},
		{
			name: "roleBindingToExistingClusterRole",
			base: readerRole,
			head: readerRole + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: prod
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: api-reader}
subjects:
  - {kind: ServiceAccount, name: api}
`,
			want: []brief{{"RoleBinding prod/reader", 20, "RoleBinding prod/reader binds ClusterRole api-reader to ServiceAccount prod/api: grants get on configmaps, secrets in prod to ServiceAccount prod/api"}},
		},
		{
			name: "bindingToBuiltinRole",
			head: `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: x, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
  - {kind: ServiceAccount, name: api}
`,
			want: []brief{{"RoleBinding prod/x", 6, "RoleBinding prod/x binds ClusterRole edit to ServiceAccount prod/api (a role the render does not declare)"}},
		},
		{
			name: "aggregatedClusterRole",
			base: aggregator,
			head: aggregator + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: extra
  labels: {acme.io/aggregate-to-monitor: "true"}
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get, list]
`,
			want: []brief{{"ClusterRole extra", 25, "ClusterRole extra added: grants get, list on pods cluster-wide to Group monitoring"}},
		},
		{
			name: "wildcardVerbsCoverExplicitOnes",
			base: podRole("[\"*\"]"),
			head: podRole("[get, list]"),
			want: []brief{{"Role prod/pods", 5, "Role prod/pods no longer grants * on pods in prod to User bob"}},
		},
		{
			name: "explicitToWildcard",
			base: podRole("[get, list]"),
			head: podRole("[\"*\"]"),
			want: []brief{{"Role prod/pods", 6, "Role prod/pods now grants * on pods in prod to User bob"}},
		},
		{
			name: "unboundRoleAdded",
			head: `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: spare, namespace: prod}
rules:
  - {apiGroups: [""], resources: [pods], verbs: [get], resourceNames: [web]}
`,
			want: []brief{{"Role prod/spare", 6, `Role prod/spare added: allows get on pods "web" (bound to no subject)`}},
		},
		{
			name: "bindingRemoved",
			base: readerRole + "---" + readerBinding,
			head: readerRole,
			want: []brief{{"ClusterRoleBinding api-reader", 22, "ClusterRoleBinding api-reader removed: no longer binds ClusterRole api-reader to ServiceAccount prod/api: revokes get on configmaps, secrets cluster-wide to ServiceAccount prod/api"}},
		},
		{
			name: "nonResourceURLs",
			base: urlRole(`["/healthz/*"]`),
			head: urlRole(`["/healthz/*", "/healthz/live", /metrics]`),
			want: []brief{{"ClusterRole urls", 6, "ClusterRole urls now grants get on URL /metrics to Group probes"}},
		},
		{
			name: "resourceNameNarrowed",
			base: podRole("[get]"),
			head: `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pods, namespace: prod}
rules:
  - apiGroups: [""]
    resources: [pods]
    resourceNames: [web]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pods, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pods}
subjects:
  - {kind: User, name: bob}
`,
			want: []brief{{"Role prod/pods", 5, "Role prod/pods no longer grants get on pods in prod to User bob"}},
		},
		{
			name: "labelsOnlyChange",
			base: readerRole,
			head: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: api-reader
  labels: {team: api}
rules:
  - apiGroups: [""]
    resources: [configmaps, secrets]
    verbs: [get]
`,
		},
	}
	r := newRBACChange()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := briefs(r.Check(coreInput(t, tt.base, tt.head)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

const aggregator = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitor
aggregationRule:
  clusterRoleSelectors:
    - matchLabels: {acme.io/aggregate-to-monitor: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: monitor
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: monitor}
subjects:
  - {kind: Group, name: monitoring}
`

func podRole(verbs string) string {
	return `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pods, namespace: prod}
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: ` + verbs + `
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pods, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pods}
subjects:
  - {kind: User, name: bob}
`
}

func urlRole(urls string) string {
	return `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: urls}
rules:
  - {nonResourceURLs: ` + urls + `, verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: urls}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: urls}
subjects:
  - {kind: Group, name: probes}
`
}

func TestSelectorMatches(t *testing.T) {
	labels := map[string]string{"tier": "web", "env": "prod"}
	expr := func(key, op string, values ...string) metaLabelSelector {
		return metaLabelSelector{MatchExpressions: []labelSelectorRequirement{{key, op, values}}}
	}
	tests := []struct {
		name string
		sel  metaLabelSelector
		want bool
	}{
		{"empty", metaLabelSelector{}, false},
		{"matchLabels", metaLabelSelector{MatchLabels: map[string]string{"tier": "web"}}, true},
		{"matchLabelsOther", metaLabelSelector{MatchLabels: map[string]string{"tier": "db"}}, false},
		{"in", expr("env", "In", "prod", "staging"), true},
		{"notIn", expr("env", "NotIn", "prod"), false},
		{"exists", expr("tier", "Exists"), true},
		{"doesNotExist", expr("tier", "DoesNotExist"), false},
		{"unknownOperator", expr("tier", "Gt", "1"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchesAny([]metaLabelSelector{tt.sel}, labels); got != tt.want {
				t.Errorf("matchesAny = %v, want %v", got, tt.want)
			}
		})
	}
}
