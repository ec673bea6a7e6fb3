package bot

import (
	"maps"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/bot/githubtest"
	"github.com/kustoguard/kustoguard/checks"
)

// TestE2E_configApprovalBoundToContent: the config-change summary of an
// approvers: edit is "approvers changed" whatever changed. An approval of a
// harmless edit survives a push that leaves the configuration alone, and is
// withdrawn by a push that hands every rule to the author's other account.
func TestE2E_configApprovalBoundToContent(t *testing.T) {
	const (
		n    = 700
		boss = "boss" // a repository admin: config-change has no listed approvers
		alt  = "dev-alt"
	)
	e := newE2E(t, e2eOptions{})
	e.gh.SetPermission(e2eOwner, e2eName, boss, "admin")

	base := shopTree(t, "base")
	withConfig := func(cfg string, extra map[string]string) map[string][]byte {
		files := maps.Clone(base)
		files[checks.ConfigPath] = []byte(cfg)
		for p, s := range extra {
			files[p] = []byte(s)
		}
		return files
	}
	harmless := string(base[checks.ConfigPath]) + "    users: [" + boss + "]\n"
	takeover := "approvers:\n  - rules: [" + strings.Join(checks.RuleIDs(), ", ") + "]\n    users: [" + alt + "]\n"

	// Push 1: a harmless approvers edit, approved by an admin.
	e.gh.SetTree(e2eOwner, e2eName, e2eBaseSHA, base)
	head := commitSHA("config-harmless", 1)
	e.gh.SetTree(e2eOwner, e2eName, head, withConfig(harmless, nil))
	e.gh.OpenPR(e2eOwner, e2eName, githubtest.PR{Number: n, Author: e2eAuthor, BaseRef: "main",
		BaseSHA: e2eBaseSHA, HeadSHA: head})
	e.deliver(e.prEvent(n, "opened"))
	run := e.settle(head)
	requireEngine(t, run)
	assertVerdict(t, run, "action_required", "")
	if !strings.Contains(run.GetOutput().GetTitle(), "config-change") {
		t.Fatalf("title %q, want the config-change approval", run.GetOutput().GetTitle())
	}
	e.review(n, boss, "APPROVED")
	run = e.settle(head)
	assertVerdict(t, run, "success", "@"+boss)
	if !strings.Contains(run.GetOutput().GetTitle(), "Approved by @"+boss) {
		t.Errorf("title %q, want \"Approved by @%s\"", run.GetOutput().GetTitle(), boss)
	}

	// Push 2 leaves the configuration alone: the approval stays.
	head = commitSHA("config-harmless-readme", 2)
	e.gh.Push(e2eOwner, e2eName, n, head, withConfig(harmless, map[string]string{"README.md": "# shop\n\nNow with docs.\n"}))
	e.deliver(e.prEvent(n, "synchronize"))
	assertVerdict(t, e.settle(head), "success", "@"+boss)

	// Push 3 makes the author's second account the only approver of every
	// rule; the summary still reads "approvers changed".
	head = commitSHA("config-takeover", 3)
	e.gh.Push(e2eOwner, e2eName, n, head, withConfig(takeover, nil))
	e.deliver(e.prEvent(n, "synchronize"))
	run = e.settle(head)
	assertVerdict(t, run, "action_required", "")
	if strings.Contains(run.GetOutput().GetTitle(), "Approved") {
		t.Errorf("title %q still says approved", run.GetOutput().GetTitle())
	}
}
