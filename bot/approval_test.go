package bot

import (
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/checks"
)

func TestApprovalGate(t *testing.T) {
	secTeam := &checks.Config{Approvers: []checks.Approvers{{Rules: []string{"rbac-change"}, Teams: []string{"acme/sec"}, Users: []string{"alice"}}}}
	tests := []struct {
		name  string
		cfg   *checks.Config
		steps func(h *harness) Job // prepares GitHub and returns the job to run last
		// conclusion and title of the run after the last job.
		conclusion, title string
		markers           int // approval records the bot holds
	}{
		{
			name: "reviewByTeamMember", cfg: secTeam,
			steps: func(h *harness) Job {
				h.gh.addReview(prNumber, "bob", "APPROVED", headSHA)
				return h.job("pull_request_review", "submitted")
			},
			conclusion: "success", title: "Approved by @bob", markers: 1,
		},
		{
			name: "reviewByConfiguredUser", cfg: secTeam,
			steps: func(h *harness) Job {
				h.gh.addReview(prNumber, "alice", "APPROVED", headSHA)
				return h.job("pull_request_review", "submitted")
			},
			conclusion: "success", title: "Approved by @alice", markers: 1,
		},
		{
			name: "reviewByAuthor", cfg: &checks.Config{Approvers: []checks.Approvers{{Users: []string{"dev"}}}},
			steps: func(h *harness) Job {
				h.gh.addReview(prNumber, "dev", "APPROVED", headSHA)
				return h.job("pull_request_review", "submitted")
			},
			conclusion: "action_required", title: "Approval needed",
		},
		{
			name: "reviewByNonApprover", cfg: secTeam,
			steps: func(h *harness) Job {
				h.gh.addReview(prNumber, "mallory", "APPROVED", headSHA)
				return h.job("pull_request_review", "submitted")
			},
			conclusion: "action_required", title: "Approval needed",
		},
		{
			name: "reviewAtOlderHeadOnly", cfg: secTeam,
			steps: func(h *harness) Job {
				h.gh.addReview(prNumber, "bob", "APPROVED", "0000000000000000000000000000000000000000")
				return h.job("pull_request_review", "submitted")
			},
			conclusion: "action_required", title: "Approval needed",
		},
		{
			name: "defaultApproverIsAdmin",
			steps: func(h *harness) Job {
				h.gh.perms["root"] = "admin"
				h.gh.addReview(prNumber, "root", "APPROVED", headSHA)
				return h.job("pull_request_review", "submitted")
			},
			conclusion: "success", title: "Approved by @root", markers: 1,
		},
		{
			name: "defaultNotWriteUsers",
			steps: func(h *harness) Job {
				h.gh.perms["carol"] = "write"
				h.gh.addReview(prNumber, "carol", "APPROVED", headSHA)
				return h.job("pull_request_review", "submitted")
			},
			conclusion: "action_required", title: "Approval needed",
		},
		{
			name: "dismissedReviewRevokes", cfg: secTeam,
			steps: func(h *harness) Job {
				id := h.gh.addReview(prNumber, "bob", "APPROVED", headSHA)
				h.mustProcess(h.job("pull_request_review", "submitted"))
				h.assertRun(headSHA, "success", "Approved by @bob")
				h.gh.dismiss(prNumber, id)
				return h.job("pull_request_review", "dismissed")
			},
			conclusion: "action_required", title: "Approval needed", markers: 1,
		},
		{
			name: "buttonByApprover", cfg: secTeam,
			steps: func(h *harness) Job {
				j := h.job("check_run", "requested_action")
				j.Sender, j.RequestedAction = "bob", "approve"
				return j
			},
			conclusion: "success", title: "Approved by @bob", markers: 1,
		},
		{
			name: "buttonOnOlderHead", cfg: secTeam,
			steps: func(h *harness) Job {
				j := h.job("check_run", "requested_action")
				j.Sender, j.RequestedAction, j.HeadSHA = "bob", "approve", "0000000000000000000000000000000000000000"
				return j
			},
			conclusion: "action_required", title: "Approval needed",
		},
		{
			name: "buttonByAuthor", cfg: &checks.Config{Approvers: []checks.Approvers{{Users: []string{"dev"}}}},
			steps: func(h *harness) Job {
				j := h.job("check_run", "requested_action")
				j.Sender, j.RequestedAction = "dev", "approve"
				return j
			},
			conclusion: "action_required", title: "Approval needed",
		},
		{
			name: "buttonByNonApprover", cfg: secTeam,
			steps: func(h *harness) Job {
				j := h.job("check_run", "requested_action")
				j.Sender, j.RequestedAction = "mallory", "approve"
				return j
			},
			conclusion: "action_required", title: "Approval needed",
		},
		{
			name: "forgedMarkerByHuman", cfg: secTeam,
			steps: func(h *harness) Job {
				fp := testFingerprint([]checks.Finding{rbacFinding("grants get secrets")})
				h.gh.addIssueComment(prNumber, "dev", "<!-- kustoguard:approval fingerprint="+fp+" by=bob review=0 -->")
				return h.job("pull_request", "synchronize")
			},
			conclusion: "action_required", title: "Approval needed",
		},
		{
			name: "twoApprovers", cfg: secTeam,
			steps: func(h *harness) Job {
				h.gh.addReview(prNumber, "bob", "APPROVED", headSHA)
				h.gh.addReview(prNumber, "alice", "APPROVED", headSHA)
				return h.job("pull_request_review", "submitted")
			},
			conclusion: "success", title: "Approved by @alice, @bob", markers: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if tc.cfg != nil {
				h.setConfig(tc.cfg)
			}
			h.gh.teams["acme/sec/bob"] = true
			h.gh.teams["acme/sec/dev"] = true // the author is never an approver
			h.setResult(rbacFinding("grants get secrets"))
			h.mustProcess(h.job("pull_request", "opened"))
			h.assertRun(headSHA, "action_required", "Approval needed")

			h.mustProcess(tc.steps(h))
			r := h.assertRun(headSHA, tc.conclusion, tc.title)
			if wantButton := tc.conclusion == "action_required"; (len(r.run.Actions) == 1) != wantButton {
				t.Errorf("actions %v, want the Approve button: %v", r.run.Actions, wantButton)
			}
			if got := len(approvalRecords(h.gh.ics[prNumber], testBot)); got != tc.markers {
				t.Errorf("approval records: %d, want %d", got, tc.markers)
			}
			// Evaluating again changes nothing and records nothing twice.
			h.mustProcess(h.job("pull_request", "synchronize"))
			h.assertRun(headSHA, tc.conclusion, tc.title)
			if got := len(approvalRecords(h.gh.ics[prNumber], testBot)); got != tc.markers {
				t.Errorf("approval records after re-run: %d, want %d", got, tc.markers)
			}
		})
	}
}

func TestApprovalGate_pushes(t *testing.T) {
	h := newHarness(t)
	h.setConfig(&checks.Config{Approvers: []checks.Approvers{{Teams: []string{"acme/sec"}}}})
	h.gh.teams["acme/sec/bob"] = true
	h.setResult(rbacFinding("grants get secrets"))
	h.gh.addReview(prNumber, "bob", "APPROVED", headSHA)
	h.mustProcess(h.job("pull_request_review", "submitted"))
	h.assertRun(headSHA, "success", "Approved by @bob")

	// A push that leaves the flagged change alone keeps the approval.
	h.gh.push(prNumber, head2SHA, nil)
	j := h.job("pull_request", "synchronize")
	j.HeadSHA = head2SHA
	h.mustProcess(j)
	h.assertRun(head2SHA, "success", "Approved by @bob")

	// One that changes it needs a new approval.
	const head3 = "cccccccccccccccccccccccccccccccccccccc03"
	h.gh.setTree(head3, map[string]string{"apps/api/deploy.yaml": "changed"})
	h.gh.push(prNumber, head3, nil)
	h.setResult(rbacFinding("grants get, list secrets"))
	j.HeadSHA = head3
	h.mustProcess(j)
	r := h.assertRun(head3, "action_required", "Approval needed")
	if len(r.run.Actions) != 1 {
		t.Errorf("no Approve button: %v", r.run.Actions)
	}
}

func TestApprovalComment(t *testing.T) {
	rec := approvalRecord{fingerprint: "abc123def4567890", user: "alice", review: 42}
	body := approvalComment(rec)
	if !strings.HasPrefix(body, "✅ @alice approved the flagged changes (fingerprint abc123d…)") {
		t.Errorf("visible text: %q", body)
	}
	comments := []PostedComment{
		{User: testBot, Body: body},
		{User: "alice", Body: body},          // a human cannot record an approval
		{User: testBot, Body: "just a note"}, // no marker
	}
	got := approvalRecords(comments, testBot)
	if len(got) != 1 || got[0] != rec {
		t.Errorf("records: %+v, want [%+v]", got, rec)
	}
	if got := approvalRecords(comments, ""); got != nil {
		t.Errorf("records without a bot login: %+v", got)
	}
}

func TestApproversFor(t *testing.T) {
	cfg := &checks.Config{Approvers: []checks.Approvers{
		{Rules: []string{"rbac-change"}, Users: []string{"alice"}},
		{Teams: []string{"acme/sec"}},
	}}
	users, teams, ok := cfg.ApproversFor("rbac-change")
	if !ok || strings.Join(users, ",") != "alice" || strings.Join(teams, ",") != "acme/sec" {
		t.Errorf("rbac-change: %v %v %v", users, teams, ok)
	}
	users, teams, ok = cfg.ApproversFor("config-change")
	if !ok || len(users) != 0 || strings.Join(teams, ",") != "acme/sec" {
		t.Errorf("config-change: %v %v %v", users, teams, ok)
	}
	if _, _, ok := checks.DefaultConfig().ApproversFor("rbac-change"); ok {
		t.Errorf("default configuration names approvers")
	}
}

// TestProcess_configChange: the engine's config-change finding reaches the
// check run once, and holds it for approval.
func TestProcess_configChange(t *testing.T) {
	cc := finding("config-change", checks.Warning, true, checks.ConfigPath, 1, "configuration changed")
	h := newHarness(t)
	h.gh.trees[baseSHA][checks.ConfigPath] = []byte("scope: changed\n")
	h.gh.trees[headSHA][checks.ConfigPath] = []byte("scope: all\n")
	h.gh.files[prNumber] = append(h.gh.files[prNumber], ChangedFile{Path: checks.ConfigPath, Status: "modified",
		Patch: "@@ -1 +1 @@\n-scope: changed\n+scope: all"})
	h.setResult(cc)
	h.mustProcess(h.job("pull_request", "opened"))
	r := h.assertRun(headSHA, "action_required", "Approval needed")
	if len(r.annotations) != 1 {
		t.Errorf("annotations %+v, want the one config-change", r.annotations)
	}
}

// TestApprovalGate_actionsReviewsOnly: in GitHub Actions an approval is an
// APPROVED review at the head. A record comment by the workflow's bot
// user, which any workflow of the repository with pull-requests: write can
// post, approves nothing there (it does for the App, whose bot only the
// App's key can write as); and a push asks again. (The workflow step test
// shows the record of a real approval posted once, as a note.)
func TestApprovalGate_actionsReviewsOnly(t *testing.T) {
	for _, actions := range []bool{false, true} {
		h := newHarness(t)
		h.p.cfg.ReviewsOnly = actions
		h.setConfig(&checks.Config{Approvers: []checks.Approvers{{Users: []string{"bob"}}}})
		flagged := rbacFinding("grants get secrets")
		h.setResult(flagged)
		forged := approvalComment(approvalRecord{fingerprint: testFingerprint([]checks.Finding{flagged}), user: "bob", review: 1})
		h.gh.addIssueComment(prNumber, testBot, forged)
		h.mustProcess(h.job("pull_request", "opened"))
		if !actions {
			h.assertRun(headSHA, "success", "Approved by @bob") // the App trusts its own records
			continue
		}
		h.assertRun(headSHA, "action_required", "Approval needed")

		h.gh.addReview(prNumber, "bob", "APPROVED", headSHA)
		h.mustProcess(h.job("pull_request_review", "submitted"))
		h.assertRun(headSHA, "success", "Approved by @bob")
		if n := len(h.gh.ics[prNumber]); n != 1 {
			t.Errorf("%d issue comments, want 1: a record of bob's approval of this change is there already", n)
		}

		h.gh.push(prNumber, head2SHA, nil)
		j := h.job("pull_request", "synchronize")
		j.HeadSHA = head2SHA
		h.mustProcess(j)
		h.assertRun(head2SHA, "action_required", "Approval needed")
	}
}
