package checks

import (
	"strings"
	"testing"
)

// An approval binds to what the finding flags, not only to its message:
// two changes that read the same must not share an approval.
func TestApprovalFingerprint_content(t *testing.T) {
	const base = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: api}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  replicas: 1
  template:
    spec:
      containers:
      - {name: api, image: ghcr.io/acme/api:1}
`
	const headRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: api}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get]}
- {apiGroups: [""], resources: [secrets], verbs: [get]}
`
	const headDeploy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  replicas: 1
  template:
    spec:
      tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists}]
      containers:
      - {name: api, image: docker.io/evil/api:1}
`
	cfg, err := ParseConfig([]byte("registries: [ghcr.io/acme/]\n"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, head string) string {
		t.Helper()
		in := &Input{Overlay: "o", Base: parseObjects(t, base), Head: parseObjects(t, head), Config: cfg}
		fs := Run(in, Default())
		if len(NeedingApproval(fs)) == 0 {
			t.Fatalf("nothing needs approval in:\n%s", head)
		}
		return ApprovalFingerprint(fs)
	}
	approved := run(t, headRole+"---\n"+headDeploy)

	tests := []struct {
		name string
		head string
		same bool
	}{
		{"identical", headRole + "---\n" + headDeploy, true},
		{"unflaggedFieldChanged", headRole + "---\n" + strings.Replace(headDeploy, "replicas: 1", "replicas: 3", 1), true},
		{"verbWidenedSameResources", strings.Replace(headRole, "[secrets], verbs: [get]", "[secrets], verbs: [get]}\n- {apiGroups: [\"\"], resources: [secrets], verbs: [get]", 1) + "---\n" + headDeploy, false},
		{"tolerationEffectAdded", headRole + "---\n" + strings.Replace(headDeploy, "operator: Exists}", "operator: Exists, effect: NoExecute}", 1), false},
		{"imageTagChanged", headRole + "---\n" + strings.Replace(headDeploy, "evil/api:1", "evil/api:2", 1), false},
		{"containerAddedSameMessage", headRole + "---\n" + strings.Replace(headDeploy, "image: docker.io/evil/api:1}", "image: docker.io/evil/api:1}\n      - {name: side, image: ghcr.io/acme/side:1}", 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, tt.head); (got == approved) != tt.same {
				t.Errorf("fingerprint %s vs approved %s: same = %v, want %v", got, approved, got == approved, tt.same)
			}
		})
	}
}

// The approvers: summary is "approvers changed" whatever changed; the
// fingerprint still tells a harmless edit from a takeover.
func TestConfigChange_contentBindsApproval(t *testing.T) {
	const base = "approvers:\n  - rules: [rbac-change]\n    teams: [acme/security]\n"
	harmless := "approvers:\n  - rules: [rbac-change]\n    teams: [acme/security]\n    users: [boss]\n"
	takeover := "approvers:\n  - rules: [" + strings.Join(RuleIDs(), ", ") + "]\n    users: [dev-alt]\n"
	reformatted := "# who approves\napprovers:\n- rules: [rbac-change]\n  teams: [acme/security]\n  users: [boss]   # the lead\n"

	fp := func(head string) (string, string) {
		fs := ConfigChange(nil, []byte(base), []byte(head), nil)
		if len(fs) != 1 {
			t.Fatalf("findings for %q: %d, want 1", head, len(fs))
		}
		return fs[0].Message, ApprovalFingerprint(fs)
	}
	msg1, fp1 := fp(harmless)
	msg2, fp2 := fp(takeover)
	msg3, fp3 := fp(reformatted)
	if msg1 != msg2 {
		t.Logf("messages differ (%q, %q); the test is about when they do not", msg1, msg2)
	}
	if fp1 == fp2 {
		t.Errorf("harmless edit and takeover share fingerprint %s (messages %q, %q)", fp1, msg1, msg2)
	}
	if fp1 != fp3 || msg1 != msg3 {
		t.Errorf("reformatting the same values changed the fingerprint: %s vs %s", fp1, fp3)
	}
}
