package checks

import (
	"regexp"
	"strings"
	"testing"
)

// interfaceRuleIDs are the stable rule ids, in the documented order.
var interfaceRuleIDs = []string{
	"rbac-change", "rbac-escalation", "serviceaccount-change", "control-plane-toleration",
	"readiness-probe-missing", "liveness-probe-missing", "resources-missing", "cpu-limit-missing",
	"image-registry-untrusted", "image-tag-mutable", "networkpolicy-missing",
	"networkpolicy-port-mismatch", "service-loadbalancer", "service-selector-mismatch",
	"render-error", "schema-invalid", "api-removed", "api-deprecated", "config-change",
}

func TestRulesWellFormed(t *testing.T) {
	idRe := regexp.MustCompile(`^[a-z0-9-]+$`)
	seen := map[string]bool{}
	for _, r := range Default() {
		id := r.ID()
		if !idRe.MatchString(id) {
			t.Errorf("rule id %q does not match %s", id, idRe)
		}
		if seen[id] {
			t.Errorf("rule id %q appears twice", id)
		}
		seen[id] = true
		if d := r.Description(); strings.TrimSpace(d) == "" || strings.Contains(d, "\n") || !strings.HasSuffix(d, ".") || strings.ToUpper(d[:1]) != d[:1] {
			t.Errorf("%s: description %q must be one sentence, capitalized, ending in \".\"", id, d)
		}
		if rem := r.Remediation(); !strings.HasSuffix(rem, ".") || strings.Contains(rem, "\n") {
			t.Errorf("%s: remediation %q must be one sentence ending in \".\"", id, rem)
		}
		switch r.Severity() {
		case Error, Warning, Notice:
		default:
			t.Errorf("%s: severity %q is not error, warning or notice", id, r.Severity())
		}
		if !knownRule(id) {
			t.Errorf("%s is not in ruleIDs: configuration would refuse it", id)
		}
	}
	if strings.Join(ruleIDs, ",") != strings.Join(interfaceRuleIDs, ",") {
		t.Errorf("ruleIDs = %v, want the documented %v", ruleIDs, interfaceRuleIDs)
	}

	var got []string
	for _, r := range Default() {
		got = append(got, r.ID())
	}
	if strings.Join(got, ",") != strings.Join(interfaceRuleIDs, ",") {
		t.Errorf("Default() ids = %v, want every documented id once, in order: %v", got, interfaceRuleIDs)
	}
}

func TestRulesMetadata(t *testing.T) {
	want := map[string]struct {
		severity Severity
		approval bool
		kind     Kind
	}{
		"rbac-change":              {Warning, true, ChangeRule},
		"rbac-escalation":          {Error, true, ChangeRule},
		"serviceaccount-change":    {Warning, true, ChangeRule},
		"control-plane-toleration": {Error, true, ChangeRule},
		"render-error":             {Error, false, ChangeRule},
		"config-change":            {Warning, true, ChangeRule},
	}
	for _, r := range changeRules() {
		w, ok := want[r.ID()]
		if !ok {
			t.Errorf("unexpected change rule %s", r.ID())
			continue
		}
		if r.Severity() != w.severity || r.NeedsApproval() != w.approval || r.Kind() != w.kind {
			t.Errorf("%s = (%s, approval %v, kind %d), want (%s, %v, %d)", r.ID(), r.Severity(), r.NeedsApproval(), r.Kind(), w.severity, w.approval, w.kind)
		}
	}
}
