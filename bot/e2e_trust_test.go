package bot

import (
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

// End-to-end cases of what a required check must get right: approval
// clears what it gates, and old problems stay quiet on a clean change.

// TestE2E_approvalClearsErrors: rbac-escalation and control-plane-toleration
// are errors that need approval. The approver's APPROVED review clears
// them; a new error that needs no approval still fails the check.
func TestE2E_approvalClearsErrors(t *testing.T) {
	tests := []struct {
		side       string
		conclusion string
		summary    string
	}{
		{side: "escalation", conclusion: "success", summary: "Nothing else blocks."},
		{side: "escalation-probes", conclusion: "failure", summary: "What still blocks is only what needs no approval"},
	}
	e := newE2E(t, e2eOptions{})
	// control-plane-toleration has no configured approvers: repository
	// admins approve it, and sec-lead is one as well as a security team member.
	e.gh.SetPermission(e2eOwner, e2eName, e2eApprover, "admin")
	for i, tc := range tests {
		t.Run(tc.side, func(t *testing.T) {
			e.t = t
			n := 600 + i
			head := e.openPR(n, tc.side)
			e.deliver(e.prEvent(n, "opened"))
			run := e.settle(head)
			requireEngine(t, run)
			title := run.GetOutput().GetTitle()
			if run.GetConclusion() != "action_required" {
				t.Fatalf("before approval: %s (%q), want action_required", run.GetConclusion(), title)
			}
			for _, rule := range []string{"rbac-escalation", "control-plane-toleration"} {
				if !strings.Contains(title, rule) {
					t.Errorf("title %q does not name %s", title, rule)
				}
			}
			e.review(n, e2eApprover, "APPROVED")
			run = e.settle(head)
			assertVerdict(t, run, tc.conclusion, "@"+e2eApprover)
			if s := run.GetOutput().GetSummary(); !strings.Contains(s, tc.summary) {
				t.Errorf("summary does not say %q:\n%s", tc.summary, s)
			}
			if tc.conclusion == "success" && strings.Contains(run.GetOutput().GetTitle(), "blocking") {
				t.Errorf("approved title %q still counts blocking findings", run.GetOutput().GetTitle())
			}
		})
	}
}

// TestE2E_cleanChangeOnOldProblems: an image tag bump on a tree whose
// worker has long lacked probes, resources and a NetworkPolicy is a
// success with no annotation above notice.
func TestE2E_cleanChangeOnOldProblems(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	read := func(side string) map[string][]byte {
		files, err := githubtest.ReadTree("testdata/repos/legacy/" + side)
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	const base = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb02"
	head := commitSHA("legacy-tag-bump", 700)
	e.gh.SetTree(e2eOwner, e2eName, base, read("base"))
	e.gh.SetTree(e2eOwner, e2eName, head, read("tag-bump"))
	e.gh.OpenPR(e2eOwner, e2eName, githubtest.PR{Number: 700, Author: e2eAuthor, BaseRef: "main",
		BaseSHA: base, HeadSHA: head})
	e.deliver(e.prEvent(700, "opened"))
	run := e.settle(head)
	requireEngine(t, run)
	if run.GetConclusion() != "success" {
		t.Errorf("conclusion %s (%q), want success", run.GetConclusion(), run.GetOutput().GetTitle())
	}
	for _, a := range run.GetOutput().Annotations {
		if a.GetAnnotationLevel() != "notice" {
			t.Errorf("annotation %s:%d %q at level %s, want notice at most", a.GetPath(), a.GetStartLine(), a.GetTitle(), a.GetAnnotationLevel())
		}
	}
	if where, _ := e.comments(700); len(where) != 0 {
		t.Errorf("review comments on a clean change: %q", where)
	}
}
