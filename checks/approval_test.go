package checks

import (
	"testing"

	"github.com/kustoguard/kustoguard/render"
)

func TestApprovalFingerprint(t *testing.T) {
	role := render.ObjectID{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "api-reader"}
	flagged := func(msg string, line int) Finding {
		return Finding{Rule: "rbac-change", Approval: true, State: New, Overlay: "o", Object: role, File: "rbac.yaml", Line: line, Message: msg}
	}
	grantsList := flagged("ClusterRole api-reader now grants list on secrets cluster-wide to ServiceAccount prod/api", 10)
	warning := Finding{Rule: "cpu-limit-missing", Severity: Warning, State: New, Message: "x"}
	existing := flagged("ClusterRole api-reader now grants get on pods", 3)
	existing.State = Existing

	fp := ApprovalFingerprint([]Finding{grantsList, warning})
	if len(fp) != 16 {
		t.Fatalf("fingerprint %q, want 16 hex characters", fp)
	}
	tests := []struct {
		name     string
		findings []Finding
		same     bool
	}{
		{"flaggedLineMoved", []Finding{warning, flagged(grantsList.Message, 42)}, true},
		{"unrelatedFindings", []Finding{grantsList, existing, warning, warning}, true},
		{"duplicate", []Finding{grantsList, grantsList}, true},
		{"grantChanged", []Finding{flagged("ClusterRole api-reader now grants list, watch on secrets cluster-wide to ServiceAccount prod/api", 10)}, false},
		{"moreFlagged", []Finding{grantsList, flagged("ClusterRole api-reader now grants get on nodes", 11)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ApprovalFingerprint(tt.findings); (got == fp) != tt.same {
				t.Errorf("fingerprint %q vs %q: same = %v, want %v", got, fp, got == fp, tt.same)
			}
		})
	}
	if got := ApprovalFingerprint([]Finding{warning, existing}); got != "" {
		t.Errorf("fingerprint with nothing to approve = %q, want empty", got)
	}
}
