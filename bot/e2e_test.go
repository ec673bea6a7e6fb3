package bot

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

// End-to-end: signed webhooks into a real server, the real pipeline and
// engine over the fake GitHub, and what a user sees on the pull request.

func TestE2E_pullRequests(t *testing.T) {
	tests := []struct {
		side       string
		conclusion string
		title      string   // a part of the title
		summary    []string // parts of the summary
		// annotations that must be among the run's, "path:line rule".
		annotations []string
		// comments that must be among the review's, "path:line".
		comments []string
	}{
		{side: "clean", conclusion: "success", summary: []string{"apps/api/overlays/prod"}},
		{side: "docs", conclusion: "success", title: "No rendered changes"},
		{side: "probes", conclusion: "failure", title: "2 blocking",
			annotations: []string{
				"apps/api/base/deployment.yaml:18 liveness-probe-missing",
				"apps/api/base/deployment.yaml:18 readiness-probe-missing",
			}},
		{side: "sidecar", conclusion: "failure",
			annotations: []string{
				"apps/api/overlays/prod/sidecar.yaml:9 liveness-probe-missing",
				"apps/api/overlays/prod/sidecar.yaml:9 readiness-probe-missing",
			},
			comments: []string{"apps/api/overlays/prod/sidecar.yaml:9"}},
		{side: "rbac", conclusion: "action_required", title: "Approval needed: rbac-change",
			annotations: []string{"apps/api/overlays/prod/role.yaml:6 rbac-change"}},
		{side: "broken", conclusion: "failure", summary: []string{"apps/api/overlays/prod", "missing.yaml"}},
	}
	e := newE2E(t, e2eOptions{})
	for i, tc := range tests {
		t.Run(tc.side, func(t *testing.T) {
			e.t = t
			n := 100 + i
			head := e.openPR(n, tc.side)
			e.deliver(e.prEvent(n, "opened"))
			run := e.settle(head)
			requireEngine(t, run)
			out := run.GetOutput()
			if run.GetConclusion() != tc.conclusion {
				t.Errorf("conclusion %s (%q), want %s", run.GetConclusion(), out.GetTitle(), tc.conclusion)
			}
			if !strings.Contains(out.GetTitle(), tc.title) {
				t.Errorf("title %q, want it to contain %q", out.GetTitle(), tc.title)
			}
			for _, s := range tc.summary {
				if !strings.Contains(out.GetSummary()+out.GetText(), s) {
					t.Errorf("summary does not mention %q:\n%s", s, out.GetSummary())
				}
			}
			got := runAnnotations(run)
			for _, a := range tc.annotations {
				if !slices.Contains(got, a) {
					t.Errorf("no annotation %q; annotations: %q", a, got)
				}
			}
			where, _ := e.comments(n)
			for _, c := range tc.comments {
				if !slices.Contains(where, c) {
					t.Errorf("no review comment at %s; comments at %q", c, where)
				}
			}
			if rv := e.botReviews(n); len(where) > 0 && len(rv) != 1 {
				t.Errorf("bot reviews: %d, want 1", len(rv))
			}
			if tc.side == "docs" || tc.side == "clean" {
				if len(where) != 0 {
					t.Errorf("review comments on a clean pull request: %q", where)
				}
			}
		})
	}
}

// approvalPR opens an RBAC pull request and waits for its first verdict.
func approvalPR(t *testing.T, e *e2e, n int) (head string, run *github.CheckRun) {
	t.Helper()
	head = e.openPR(n, "rbac")
	e.deliver(e.prEvent(n, "opened"))
	run = e.settle(head)
	requireEngine(t, run)
	if run.GetConclusion() != "action_required" {
		t.Fatalf("before approval: %s (%q), want action_required", run.GetConclusion(), run.GetOutput().GetTitle())
	}
	return head, run
}

func assertVerdict(t *testing.T, run *github.CheckRun, conclusion, mention string) {
	t.Helper()
	out := run.GetOutput()
	if run.GetConclusion() != conclusion {
		t.Errorf("conclusion %s (%q), want %s", run.GetConclusion(), out.GetTitle(), conclusion)
	}
	if mention != "" && !strings.Contains(out.GetSummary(), mention) {
		t.Errorf("summary does not name %s (title %q):\n%s", mention, out.GetTitle(), out.GetSummary())
	}
}

func TestE2E_approvalByReview(t *testing.T) {
	tests := []struct {
		name       string
		reviewer   string
		conclusion string
	}{
		{"teamMember", e2eApprover, "success"},
		{"author", e2eAuthor, "action_required"},
		{"nonApprover", e2eOutsider, "action_required"},
	}
	e := newE2E(t, e2eOptions{})
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			n := 200 + i
			head, _ := approvalPR(t, e, n)
			e.review(n, tc.reviewer, "APPROVED")
			run := e.settle(head)
			mention := ""
			if tc.conclusion == "success" {
				mention = "@" + tc.reviewer
			}
			assertVerdict(t, run, tc.conclusion, mention)
			if got := len(e.botReviews(n)); got != 1 {
				t.Errorf("bot reviews: %d, want 1 (one per head)", got)
			}
		})
	}
}

func TestE2E_approvalByButton(t *testing.T) {
	tests := []struct {
		name       string
		presser    string
		conclusion string
	}{
		{"approver", e2eApprover, "success"},
		{"author", e2eAuthor, "action_required"},
		{"nonApprover", e2eOutsider, "action_required"},
	}
	e := newE2E(t, e2eOptions{})
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			n := 300 + i
			head, run := approvalPR(t, e, n)
			if acts := e.gh.CheckRunActions(e2eOwner, e2eName, run.GetID()); len(acts) != 1 || acts[0].Identifier != "approve" {
				t.Errorf("buttons on the run: %+v, want one Approve", acts)
			}
			e.pressApprove(run.GetID(), tc.presser)
			run = e.settle(head)
			mention := ""
			if tc.conclusion == "success" {
				mention = "@" + tc.presser
			}
			assertVerdict(t, run, tc.conclusion, mention)
			// Once approved the button goes; until then it stays.
			wantButtons := 1
			if tc.conclusion == "success" {
				wantButtons = 0
			}
			if acts := e.gh.CheckRunActions(e2eOwner, e2eName, run.GetID()); len(acts) != wantButtons {
				t.Errorf("buttons on the run after the press: %+v, want %d", acts, wantButtons)
			}
		})
	}
}

// TestE2E_approvalAcrossPushes: an approval is bound to what was flagged.
func TestE2E_approvalAcrossPushes(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	const n = 400
	approvalPR(t, e, n)
	e.review(n, e2eApprover, "APPROVED")
	assertVerdict(t, e.settle(e.headOf(n)), "success", "@"+e2eApprover)

	// A push that leaves the RBAC change alone keeps the approval.
	head := e.push(n, "rbac-scaled", 2)
	e.deliver(e.prEvent(n, "synchronize"))
	assertVerdict(t, e.settle(head), "success", "@"+e2eApprover)

	// A push that changes it needs a new one.
	head = e.push(n, "rbac-widened", 3)
	e.deliver(e.prEvent(n, "synchronize"))
	assertVerdict(t, e.settle(head), "action_required", "")

	if got := len(e.botReviews(n)); got > 3 {
		t.Errorf("bot reviews: %d, want at most one per head (3)", got)
	}
	assertNoDuplicateComments(t, e, n)
}

func TestE2E_dismissedReview(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	const n = 500
	head, _ := approvalPR(t, e, n)
	id := e.review(n, e2eApprover, "APPROVED")
	assertVerdict(t, e.settle(head), "success", "@"+e2eApprover)

	e.gh.DismissReview(e2eOwner, e2eName, n, id)
	ev, err := e.gh.ReviewEvent(e2eOwner, e2eName, n, id, "dismissed")
	if err != nil {
		t.Fatal(err)
	}
	e.deliver(ev)
	assertVerdict(t, e.settle(head), "action_required", "")
}

// TestE2E_redelivery: GitHub redelivers with the same id; a re-run request
// is a new delivery for the same head.
func TestE2E_redelivery(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	const n = 600
	head := e.openPR(n, "sidecar")
	ev := e.prEvent(n, "opened")
	id := e.deliver(ev)
	first := e.settle(head)
	requireEngine(t, first)
	where, _ := e.comments(n)
	if len(where) == 0 {
		t.Fatal("no review comments to duplicate")
	}
	before := len(e.gh.Requests())

	e.deliverAs(id, ev, 200)
	e.waitIdle()
	if got := len(e.gh.Requests()); got != before {
		t.Errorf("a redelivery reached GitHub: %d requests, want %d", got, before)
	}

	suite, err := e.gh.CheckSuiteEvent(e2eOwner, e2eName, head, "rerequested", e2eAuthor)
	if err != nil {
		t.Fatal(err)
	}
	e.deliver(suite)
	again := e.settle(head)
	if again.GetID() != first.GetID() || again.GetConclusion() != first.GetConclusion() {
		t.Errorf("re-run: run %d %s, want run %d %s again", again.GetID(), again.GetConclusion(), first.GetID(), first.GetConclusion())
	}
	if len(runAnnotations(again)) != len(runAnnotations(first)) {
		t.Errorf("re-run annotations: %q, want %q", runAnnotations(again), runAnnotations(first))
	}
	if got := len(e.botReviews(n)); got != 1 {
		t.Errorf("bot reviews: %d, want 1", got)
	}
	assertNoDuplicateComments(t, e, n)
}

// assertNoDuplicateComments fails when two review comments carry the same
// place and body.
func assertNoDuplicateComments(t *testing.T, e *e2e, n int) {
	t.Helper()
	where, bodies := e.comments(n)
	seen := map[string]bool{}
	for i := range where {
		k := where[i] + "\x00" + bodies[i]
		if seen[k] {
			t.Errorf("duplicate review comment at %s", where[i])
		}
		seen[k] = true
	}
}
