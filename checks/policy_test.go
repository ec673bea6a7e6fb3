package checks

import (
	"strconv"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/render"
)

func parsePolicies(t *testing.T, yml string) *Config {
	t.Helper()
	cfg, err := ParseConfig([]byte(yml))
	if err != nil {
		t.Fatalf("parsing: %v", err)
	}
	return cfg
}

func TestParseConfig_policyErrors(t *testing.T) {
	tests := []struct {
		name, yml, want string
	}{
		{"syntax", "policies:\n  - name: p\n    expression: \"object.spec.replicas >\"\n",
			"line 3: policies[0]: expression: ERROR: <input>:1:23: Syntax error"},
		{"not a bool", "policies:\n  - name: p\n    expression: \"'yes'\"\n",
			"line 3: policies[0]: expression: gives string, want bool"},
		{"unknown variable", "policies:\n  - name: p\n    expression: \"request.userInfo.username == 'x'\"\n",
			"line 3: policies[0]: expression: ERROR: <input>:1:1: undeclared reference to 'request'"},
		{"unknown function", "policies:\n  - name: p\n\n    expression: \"object.metadata.name.shout()\"\n",
			"line 4: policies[0]: expression: ERROR: <input>:1:27: undeclared reference to 'shout'"},
		{"message expression", "policies:\n  - name: p\n    expression: \"true\"\n    messageExpression: \"1 + 1\"\n",
			"line 4: policies[0]: messageExpression: gives int, want string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.yml))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v, want an error starting %q", err, tt.want)
			}
		})
	}
}

// A Deployment of the podinfo example (stefanprodan/podinfo, kustomize/
// deployment.yaml, Apache-2.0), trimmed, at base and at head.
const podinfoBase = `apiVersion: apps/v1
kind: Deployment
metadata: {name: podinfo, namespace: apps}
spec:
  replicas: 4
  selector: {matchLabels: {app: podinfo}}
  template:
    metadata: {labels: {app: podinfo}}
    spec:
      containers:
        - name: podinfod
          image: ghcr.io/stefanprodan/podinfo:6.5.0
          resources:
            limits: {cpu: 2000m, memory: 512Mi}
            requests: {cpu: 100m, memory: 64Mi}
---
apiVersion: v1
kind: Service
metadata: {name: podinfo, namespace: apps}
spec:
  selector: {app: podinfo}
  ports: [{name: http, port: 9898, targetPort: http}]
`

const policyConfig = `policies:
  - name: replicas-not-zero
    match: {kinds: [Deployment]}
    expression: "!has(object.spec.replicas) || object.spec.replicas > 0"
    message: "replicas must be greater than zero"
  - name: replica-cut
    severity: warning
    approval: true
    match: {kinds: [Deployment], apiGroups: [apps], namespaces: ["app*"], overlays: ["clusters/**"]}
    expression: "oldObject == null || object.spec.replicas * 2 >= oldObject.spec.replicas"
    messageExpression: "'replicas cut from %d to %d'.format([oldObject.spec.replicas, object.spec.replicas])"
  - name: memory-limit-bounded
    severity: notice
    match: {kinds: [Deployment]}
    expression: >-
      object.spec.template.spec.containers.all(c,
        quantity(string(c.resources.limits.memory)).compareTo(quantity('1Gi')) <= 0)
    message: "memory limits stay at or under 1Gi"
`

func TestPolicies(t *testing.T) {
	cfg := parsePolicies(t, policyConfig)
	base := coreObjects(t, "apps/podinfo.yaml", podinfoBase)
	tests := []struct {
		name    string
		overlay string
		head    string
		base    bool
		want    []string // "rule state file:line message"
	}{
		{name: "unchanged", overlay: "clusters/prod", head: podinfoBase, base: true},
		{name: "scaled to zero", overlay: "clusters/prod", head: strings.Replace(podinfoBase, "replicas: 4", "replicas: 0", 1), base: true, want: []string{
			"replica-cut new apps/podinfo.yaml:5 Deployment apps/podinfo: replicas cut from 4 to 0",
			"replicas-not-zero new apps/podinfo.yaml:5 Deployment apps/podinfo: replicas must be greater than zero",
		}},
		{name: "halved is allowed", overlay: "clusters/prod", head: strings.Replace(podinfoBase, "replicas: 4", "replicas: 2", 1), base: true},
		{name: "cut outside the matched overlays", overlay: "apps/podinfo", head: strings.Replace(podinfoBase, "replicas: 4", "replicas: 1", 1), base: true},
		{name: "a new object has no oldObject", overlay: "clusters/prod", head: strings.Replace(podinfoBase, "replicas: 4", "replicas: 1", 1), base: false},
		{name: "quantity library", overlay: "clusters/prod", head: strings.Replace(podinfoBase, "memory: 512Mi", "memory: 2Gi", 1), base: true, want: []string{
			"memory-limit-bounded new apps/podinfo.yaml:10 Deployment apps/podinfo: memory limits stay at or under 1Gi",
		}},
		{name: "a missing field without has() is a finding that says why", overlay: "clusters/prod", head: strings.Replace(podinfoBase, "            limits: {cpu: 2000m, memory: 512Mi}\n", "", 1), base: true, want: []string{
			"memory-limit-bounded new apps/podinfo.yaml:10 Deployment apps/podinfo: memory-limit-bounded: the expression could not be evaluated: no such key: limits",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &Input{Overlay: tt.overlay, Head: coreObjects(t, "apps/podinfo.yaml", tt.head), Config: cfg}
			if tt.base {
				in.Base = base
			}
			var got []string
			for _, f := range Run(in, nil) {
				got = append(got, f.Rule+" "+string(f.State)+" "+f.File+":"+strconv.Itoa(f.Line)+" "+f.Message)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// A policy finding already true at base is existing, and one the pull
// request fixes is resolved.
func TestPolicies_states(t *testing.T) {
	cfg := parsePolicies(t, policyConfig)
	zero := coreObjects(t, "apps/podinfo.yaml", strings.Replace(podinfoBase, "replicas: 4", "replicas: 0", 1))
	labelled := coreObjects(t, "apps/podinfo.yaml", strings.Replace(strings.Replace(podinfoBase, "replicas: 4", "replicas: 0", 1), "{app: podinfo}}\n  template", "{app: podinfo}}\n  minReadySeconds: 5\n  template", 1))
	fs := Run(&Input{Overlay: "clusters/prod", Base: zero, Head: labelled, Config: cfg}, nil)
	if len(fs) != 1 || fs[0].Rule != "replicas-not-zero" || fs[0].State != Existing {
		t.Errorf("got %+v, want one existing replicas-not-zero", fs)
	}
	fs = Run(&Input{Overlay: "clusters/prod", Base: zero, Head: coreObjects(t, "apps/podinfo.yaml", podinfoBase), Config: cfg}, nil)
	if len(fs) != 1 || fs[0].State != Resolved || fs[0].Rule != "replicas-not-zero" {
		t.Errorf("got %+v, want one resolved replicas-not-zero", fs)
	}
}

func TestPolicies_costLimit(t *testing.T) {
	cfg := parsePolicies(t, `policies:
  - name: expensive
    expression: "[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, [1,2,3,4,5,6,7,8,9,10].all(f, object.metadata.name.matches('^' + string(a+b+c+d+e+f) + '.*$') || true))))))"
`)
	objs := []render.Object{{ID: render.ObjectID{APIVersion: "v1", Kind: "ConfigMap", Name: "x"}, Fields: map[string]any{"metadata": map[string]any{"name": "x"}}}}
	fs := Run(&Input{Overlay: "o", Head: objs, Config: cfg}, nil)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "could not be evaluated") || !strings.Contains(fs[0].Message, "cost") {
		t.Fatalf("got %+v, want one finding naming the cost limit", fs)
	}
}

func TestWithPolicies_addsOnce(t *testing.T) {
	cfg := parsePolicies(t, policyConfig)
	rules := withPolicies(withPolicies(Default(), cfg), cfg)
	if n := len(rules) - len(Default()); n != 3 {
		t.Errorf("added %d rules, want the 3 policies once", n)
	}
	last := rules[len(rules)-2]
	if last.ID() != "replica-cut" || last.Severity() != Warning || !last.NeedsApproval() || last.Kind() != StateRule {
		t.Errorf("replica-cut rule = %s %s %v %v", last.ID(), last.Severity(), last.NeedsApproval(), last.Kind())
	}
}

// TestPolicies_configuredByName: rules: and approvers: name a policy as
// they name a rule; its severity is overridden, it can be switched off,
// and its approvers are those its entry names.
func TestPolicies_configuredByName(t *testing.T) {
	zero := coreObjects(t, "apps/podinfo.yaml", strings.Replace(podinfoBase, "replicas: 4", "replicas: 0", 1))
	const policy = `
policies:
  - name: replicas-not-zero
    severity: error
    approval: true
    match: {kinds: [Deployment]}
    expression: "!has(object.spec.replicas) || object.spec.replicas > 0"
    message: "replicas must be greater than zero"
`
	cfg := parsePolicies(t, "rules:\n  replicas-not-zero: {severity: warning}\napprovers:\n  - rules: [replicas-not-zero]\n    users: [alice]\n"+policy)
	fs := Run(&Input{Overlay: "clusters/prod", Head: zero, Config: cfg}, nil)
	if len(fs) != 1 || fs[0].Rule != "replicas-not-zero" || fs[0].Severity != Warning || !fs[0].Approval {
		t.Fatalf("got %+v, want one replicas-not-zero warning that needs approval", fs)
	}
	if users, _, configured := cfg.ApproversFor("replicas-not-zero"); !configured || len(users) != 1 || users[0] != "alice" {
		t.Errorf("approvers of the policy: %v (configured %v), want alice", users, configured)
	}
	off := parsePolicies(t, "rules:\n  replicas-not-zero: {enabled: false}\n"+policy)
	if fs := Run(&Input{Overlay: "clusters/prod", Head: zero, Config: off}, nil); len(fs) != 0 {
		t.Errorf("a switched-off policy found %+v", fs)
	}
}

// TestParseConfig_policyNameSpellings: only the policy's exact name refers
// to it from rules: and approvers:, however YAML spells the key.
func TestParseConfig_policyNameSpellings(t *testing.T) {
	const policy = "policies:\n  - name: &n no-zero\n    expression: \"true\"\n    message: never\n"
	tests := []struct {
		rules string
		ok    bool
	}{
		{"rules: {no-zero: {severity: warning}}\n", true},
		{"rules: {\"no-zero\": {severity: warning}}\n", true},
		{"rules: {'no-zero': {severity: warning}}\n", true},
		{"rules: {\"no\\x2dzero\": {severity: warning}}\n", true}, // a YAML escape of the same name
		{"rules: {NO-ZERO: {severity: warning}}\n", false},
		{"rules: {\"no-zero \": {severity: warning}}\n", false},
		{"rules: {no_zero: {severity: warning}}\n", false},
		{"rules: {*n : {severity: warning}}\n", false}, // aliases are refused where names stand
		{"approvers: [{rules: [no-zero], users: [alice]}]\n", true},
		{"approvers: [{rules: [No-Zero], users: [alice]}]\n", false},
		{"approvers: [{rules: [*n], users: [alice]}]\n", false},
	}
	for _, tt := range tests {
		_, err := ParseConfig([]byte(policy + tt.rules))
		if (err == nil) != tt.ok {
			t.Errorf("%q: accepted %v, want %v (%v)", tt.rules, err == nil, tt.ok, err)
		}
	}
}
