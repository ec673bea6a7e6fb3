package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func deployment(specExtra string) string {
	return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  template:
    metadata: {labels: {app: api}}
    spec:
` + specExtra + `      containers:
        - name: api
          image: ghcr.io/acme/api:1.0
`
}

func serviceAccount(extra string) string {
	return `
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: prod}
` + extra
}

func TestRule_serviceAccountChange(t *testing.T) {
	tests := []struct {
		name       string
		base, head string
		want       []brief
	}{
		{name: "unchanged", base: serviceAccount("") + "---" + deployment(""), head: serviceAccount("") + "---" + deployment("")},
		{
			name: "saAdded",
			head: serviceAccount(""),
			want: []brief{{"ServiceAccount prod/api", 2, "ServiceAccount prod/api added"}},
		},
		{
			name: "inertSAAddedIsNotFlagged",
			head: serviceAccount("automountServiceAccountToken: false\n"),
		},
		{
			name: "boundSAAddedIsFlaggedEvenWithoutToken",
			head: serviceAccount("automountServiceAccountToken: false\n") + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: api, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: api, namespace: prod}]
`,
			want: []brief{{"ServiceAccount prod/api", 2, "ServiceAccount prod/api added (automountServiceAccountToken: false)"}},
		},
		{
			name: "saWithPullSecretsAddedIsFlagged",
			head: serviceAccount("automountServiceAccountToken: false\nimagePullSecrets: [{name: regcred}]\n"),
			want: []brief{{"ServiceAccount prod/api", 2, "ServiceAccount prod/api added (automountServiceAccountToken: false)"}},
		},
		{
			name: "saRemoved",
			base: serviceAccount(""),
			want: []brief{{"ServiceAccount prod/api", 2, "ServiceAccount prod/api removed"}},
		},
		{
			name: "saAutomountChanged",
			base: serviceAccount("automountServiceAccountToken: false\n"),
			head: serviceAccount("automountServiceAccountToken: true\nimagePullSecrets: [{name: regcred}]\n"),
			want: []brief{{"ServiceAccount prod/api", 5, "ServiceAccount prod/api: automountServiceAccountToken changed from false to true; imagePullSecrets changed from unset to [regcred]"}},
		},
		{
			name: "saLabelsOnly",
			base: serviceAccount(""),
			head: `
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: prod, labels: {team: api}}
`,
		},
		{
			name: "workloadAddedWithDefaultSA",
			head: deployment(""),
		},
		{
			name: "workloadAddedWithOwnSA",
			head: deployment("      serviceAccountName: api\n"),
			want: []brief{{"Deployment prod/api", 9, "Deployment prod/api runs as ServiceAccount prod/api"}},
		},
		{
			name: "workloadAddedWithoutTokenIsNotFlagged",
			head: deployment("      serviceAccountName: api\n      automountServiceAccountToken: false\n"),
		},
		{
			name: "workloadAddedWhoseSAMountsNoToken",
			head: serviceAccount("automountServiceAccountToken: false\n") + "---" + deployment("      serviceAccountName: api\n"),
		},
		{
			name: "workloadAddedWithProjectedTokenIsFlagged",
			head: deployment("      serviceAccountName: api\n      automountServiceAccountToken: false\n" +
				"      volumes: [{name: token, projected: {sources: [{serviceAccountToken: {path: token}}]}}]\n"),
			want: []brief{{"Deployment prod/api", 9, "Deployment prod/api runs as ServiceAccount prod/api"}},
		},
		{
			name: "workloadSAChanged",
			base: deployment("      serviceAccountName: api\n"),
			head: deployment("      serviceAccount: admin\n"),
			want: []brief{{"Deployment prod/api", 9, "Deployment prod/api serviceAccountName changed from api to admin"}},
		},
		{
			name: "workloadAutomountChanged",
			base: deployment(""),
			head: deployment("      automountServiceAccountToken: true\n"),
			want: []brief{{"Deployment prod/api", 9, "Deployment prod/api automountServiceAccountToken changed from unset to true"}},
		},
		{
			name: "workloadImageOnly",
			base: deployment(""),
			head: deployment("      nodeSelector: {disk: ssd}\n"),
		},
	}
	r := newServiceAccountChange()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := briefs(r.Check(coreInput(t, tt.base, tt.head)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
