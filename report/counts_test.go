package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/checks"
)

func TestCounts(t *testing.T) {
	r := &checks.Result{
		Overlays: []checks.OverlayResult{{Path: "a", Status: checks.OverlayChanged}},
		Findings: []checks.Finding{
			{Rule: "rbac-change", Severity: checks.Warning, Approval: true, State: checks.New, Overlay: "a"},
			{Rule: "liveness-probe-missing", Severity: checks.Error, State: checks.New, Overlay: "a"},
			{Rule: "image-tag-mutable", Severity: checks.Warning, State: checks.New, Overlay: "a"},
			{Rule: "cpu-limit-missing", Severity: checks.Warning, State: checks.Existing, Overlay: "a"},
		},
	}
	tests := []struct {
		name string
		a    Approval
		want checks.Summary
	}{
		{"gateClosed", Approval{Required: true}, checks.Summary{OverlaysAffected: 1, Blocking: 2, Warnings: 1}},
		{"approved", Approval{Required: true, By: []string{"alice"}}, checks.Summary{OverlaysAffected: 1, Blocking: 1, Warnings: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Counts(r, tc.a); got != tc.want {
				t.Errorf("Counts = %+v, want %+v", got, tc.want)
			}
			// The title counts the same way.
			if title := Title(r, tc.a); !strings.Contains(title, fmt.Sprintf("%d blocking", tc.want.Blocking)) {
				t.Errorf("title %q disagrees with %+v", title, tc.want)
			}
		})
	}
	if Counts(nil, Approval{}) != (checks.Summary{}) {
		t.Error("Counts(nil) is not zero")
	}
}

// TestSummary_reviewsOnly: where approvals come from reviews alone (GitHub
// Actions), the summary does not send people to a button that is not there.
func TestSummary_reviewsOnly(t *testing.T) {
	r := &checks.Result{
		Overlays: []checks.OverlayResult{{Path: "a", Status: checks.OverlayChanged}},
		Findings: []checks.Finding{{Rule: "rbac-change", Severity: checks.Warning, Approval: true, State: checks.New, Overlay: "a"}},
	}
	app := Build(r, Approval{Required: true}).Summary
	actions := Build(r, Approval{Required: true, ReviewsOnly: true}).Summary
	if !strings.Contains(app, "pressing the check run's **Approve** button") {
		t.Errorf("App summary does not mention the button:\n%s", app)
	}
	if strings.Contains(actions, "by pressing") || !strings.Contains(actions, "approvals come from reviews only") {
		t.Errorf("Actions summary:\n%s", actions)
	}
}
