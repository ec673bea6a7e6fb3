package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func annotationsOf(run *github.CheckRun) []string {
	var out []string
	for _, a := range run.GetOutput().Annotations {
		out = append(out, fmt.Sprintf("%s %s:%d %s", a.GetAnnotationLevel(), a.GetPath(), a.GetStartLine(), strings.SplitN(a.GetTitle(), ":", 2)[0]))
	}
	return out
}

func assertOutputs(t *testing.T, s stepResult, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got, ok := s.outputs[k]; !ok || got != v {
			t.Errorf("output %s = %q (set: %v), want %q; outputs %v", k, got, ok, v, s.outputs)
		}
	}
}

// TestAction_workflowStep runs the built binary as a workflow step for a
// clean pull request, one with blocking findings, and one that needs
// approval, then for the reviews that follow on it.
func TestAction_workflowStep(t *testing.T) {
	r := newActionRepo(t)
	token := r.gh.InstallationToken(stepInstall)

	t.Run("clean", func(t *testing.T) {
		head := r.openPR(1, "clean")
		s := r.step(r.prEvent(1, "opened"), "pull_request", token, "--fail-on-block")
		if s.code != 0 {
			t.Fatalf("exit %d, want 0; log:\n%s", s.code, s.logOf())
		}
		run := r.run(head)
		if run == nil || run.GetStatus() != "completed" || run.GetConclusion() != "success" {
			t.Fatalf("check run %+v, want completed success; log:\n%s", run, s.logOf())
		}
		for _, a := range annotationsOf(run) {
			if !strings.HasPrefix(a, "notice ") {
				t.Errorf("annotation %q on a clean pull request, want notices at most", a)
			}
		}
		if n := len(r.gh.ReviewComments(stepOwner, stepName, 1)); n != 0 {
			t.Errorf("%d review comments on a clean pull request", n)
		}
		assertOutputs(t, s, map[string]string{"conclusion": "success", "blocking": "0", "warnings": "0", "findings": "0"})
		if !strings.HasPrefix(s.summary, "## "+run.GetOutput().GetTitle()+"\n") || !strings.Contains(s.summary, "apps/api/overlays/prod") {
			t.Errorf("job summary does not carry the check run's title and overlays:\n%s", s.summary)
		}
	})

	t.Run("blocking", func(t *testing.T) {
		head := r.openPR(2, "sidecar")
		s := r.step(r.prEvent(2, "opened"), "pull_request", token, "--fail-on-block")
		if s.code != 1 {
			t.Fatalf("exit %d, want 1 (--fail-on-block); log:\n%s", s.code, s.logOf())
		}
		run := r.run(head)
		if run.GetConclusion() != "failure" {
			t.Fatalf("conclusion %s (%q), want failure", run.GetConclusion(), run.GetOutput().GetTitle())
		}
		anns := annotationsOf(run)
		for _, want := range []string{
			"failure apps/api/overlays/prod/sidecar.yaml:9 liveness-probe-missing",
			"failure apps/api/overlays/prod/sidecar.yaml:9 readiness-probe-missing",
		} {
			if !slices.Contains(anns, want) {
				t.Errorf("no annotation %q; annotations %q", want, anns)
			}
		}
		var inline []string
		for _, c := range r.gh.ReviewComments(stepOwner, stepName, 2) {
			if c.GetUser().GetLogin() == stepBot && strings.Contains(c.GetBody(), "kustoguard:fingerprint=") {
				inline = append(inline, fmt.Sprintf("%s:%d", c.GetPath(), c.GetLine()))
			}
		}
		if !slices.Contains(inline, "apps/api/overlays/prod/sidecar.yaml:9") {
			t.Errorf("inline comments at %q, want one at apps/api/overlays/prod/sidecar.yaml:9 with a fingerprint", inline)
		}
		assertOutputs(t, s, map[string]string{"conclusion": "failure", "blocking": "2"})
		if !strings.Contains(s.summary, "liveness-probe-missing") {
			t.Errorf("job summary lacks the findings:\n%s", s.summary)
		}

		// Without --fail-on-block the step succeeds: the check run holds
		// the pull request back. A second run on the same head posts no
		// second review.
		s = r.step(r.prEvent(2, "synchronize"), "pull_request", token)
		if s.code != 0 {
			t.Errorf("exit %d without --fail-on-block, want 0; log:\n%s", s.code, s.logOf())
		}
		if n := len(botReviews(r, 2)); n != 1 {
			t.Errorf("%d bot reviews for one head, want 1", n)
		}
	})

	t.Run("approval", func(t *testing.T) {
		head := r.openPR(3, "rbac")
		s := r.step(r.prEvent(3, "opened"), "pull_request_target", token, "--fail-on-block")
		if s.code != 1 {
			t.Errorf("exit %d, want 1 while approval is needed (--fail-on-block); log:\n%s", s.code, s.logOf())
		}
		run := r.run(head)
		if run.GetConclusion() != "action_required" {
			t.Fatalf("conclusion %s (%q), want action_required", run.GetConclusion(), run.GetOutput().GetTitle())
		}
		if acts := r.gh.CheckRunActions(stepOwner, stepName, run.GetID()); len(acts) != 0 {
			t.Errorf("check run shows buttons %v; in Actions approvals come from reviews only", acts)
		}
		for _, doc := range []string{run.GetOutput().GetSummary(), s.summary} {
			if !strings.Contains(doc, "approvals come from reviews only") || strings.Contains(doc, "by pressing") {
				t.Errorf("summary does not say approvals come from reviews only:\n%s", doc)
			}
		}
		assertOutputs(t, s, map[string]string{"conclusion": "action_required", "blocking": "1"})

		// The author's own approval does not count.
		s = r.step(r.review(3, stepAuthor, "APPROVED", head), "pull_request_review", token)
		if s.code != 0 {
			t.Fatalf("exit %d, want 0; log:\n%s", s.code, s.logOf())
		}
		if run := r.run(head); run.GetConclusion() != "action_required" {
			t.Errorf("after the author's review: %s (%q), want action_required", run.GetConclusion(), run.GetOutput().GetTitle())
		}
		assertOutputs(t, s, map[string]string{"conclusion": "action_required"})

		// An approver's does, and the summary names them.
		s = r.step(r.review(3, stepApprover, "APPROVED", head), "pull_request_review", token, "--fail-on-block")
		if s.code != 0 {
			t.Fatalf("exit %d, want 0 once approved; log:\n%s", s.code, s.logOf())
		}
		run = r.run(head)
		if run.GetConclusion() != "success" || !strings.Contains(run.GetOutput().GetSummary(), "@"+stepApprover) {
			t.Errorf("after the approver's review: %s, summary:\n%s", run.GetConclusion(), run.GetOutput().GetSummary())
		}
		assertOutputs(t, s, map[string]string{"conclusion": "success", "blocking": "0"})
		if !strings.Contains(s.summary, "Approved by @"+stepApprover) {
			t.Errorf("job summary does not name the approver:\n%s", s.summary)
		}
		var records int
		for _, c := range r.gh.IssueComments(stepOwner, stepName, 3) {
			if c.GetUser().GetLogin() == stepBot && strings.Contains(c.GetBody(), "kustoguard:approval") {
				records++
			}
		}
		if records != 1 {
			t.Errorf("%d approval records by %s, want 1 (a note in the conversation; it never counts in Actions)", records, stepBot)
		}
		if n := len(botReviews(r, 3)); n > 1 {
			t.Errorf("%d bot reviews for one head, want at most 1", n)
		}
	})
}

func botReviews(r *actionRepo, number int) []*github.PullRequestReview {
	var out []*github.PullRequestReview
	for _, rv := range r.gh.Reviews(stepOwner, stepName, number) {
		if rv.GetUser().GetLogin() == stepBot {
			out = append(out, rv)
		}
	}
	return out
}

// TestAction_readOnlyToken runs the step with a token GitHub refuses every
// write to, as a fork's pull request gets under pull_request: the findings
// become workflow-command annotations and the job summary, and the step
// fails while something blocks.
func TestAction_readOnlyToken(t *testing.T) {
	r := newActionRepo(t)
	token := r.gh.ReadOnlyToken(stepInstall)

	head := r.openPR(4, "sidecar")
	s := r.step(r.prEvent(4, "opened"), "pull_request", token)
	if s.code != 1 {
		t.Fatalf("exit %d, want 1 (blocking, and no check run to say so); log:\n%s", s.code, s.logOf())
	}
	if run := r.run(head); run != nil {
		t.Errorf("a check run was recorded with a read-only token: %+v", run)
	}
	if n := len(r.gh.Reviews(stepOwner, stepName, 4)); n != 0 {
		t.Errorf("%d reviews posted with a read-only token", n)
	}
	for _, want := range []string{
		"::error file=apps/api/overlays/prod/sidecar.yaml,line=9,title=liveness-probe-missing%3A Deployment api::container \"proxy\" of Deployment prod/api has no livenessProbe",
		"::error file=apps/api/overlays/prod/sidecar.yaml,line=9,title=readiness-probe-missing%3A Deployment api::container \"proxy\" of Deployment prod/api has no readinessProbe",
		"::error title=kustoguard::",
	} {
		if !strings.Contains(s.stdout, want) {
			t.Errorf("stdout lacks the workflow command %q:\n%s", want, s.stdout)
		}
	}
	if !strings.Contains(s.logOf(), "may not write check runs") {
		t.Errorf("the log does not say why it fell back:\n%s", s.logOf())
	}
	if !strings.Contains(s.summary, "may not write check runs") || !strings.Contains(s.summary, "liveness-probe-missing") {
		t.Errorf("job summary lacks the fallback note or the findings:\n%s", s.summary)
	}
	assertOutputs(t, s, map[string]string{"conclusion": "failure", "blocking": "2"})

	// Nothing blocks: the step passes, with the summary all the same.
	r.openPR(5, "clean")
	s = r.step(r.prEvent(5, "opened"), "pull_request", token)
	if s.code != 0 {
		t.Fatalf("clean pull request, read-only token: exit %d, want 0; log:\n%s", s.code, s.logOf())
	}
	if strings.Contains(s.stdout, "::error") || strings.Contains(s.stdout, "::warning") {
		t.Errorf("clean pull request printed errors or warnings:\n%s", s.stdout)
	}
	assertOutputs(t, s, map[string]string{"conclusion": "success", "blocking": "0"})
}

// TestAction_environment covers what is decided before GitHub is asked: an
// event kustoguard does not review, and a step run outside Actions.
func TestAction_environment(t *testing.T) {
	dir := t.TempDir()
	event := filepath.Join(dir, "event.json")
	if err := os.WriteFile(event, []byte(`{"ref":"refs/heads/main"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	output := filepath.Join(dir, "output")
	tests := []struct {
		name   string
		env    map[string]string
		code   int
		stdout string
		stderr string
	}{
		{"push", map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": event, "GITHUB_REPOSITORY": "acme/shop", "GITHUB_OUTPUT": output},
			0, `event "push" is not one kustoguard reviews`, ""},
		{"closed", map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": writeEvent(t, dir,
			`{"action":"closed","number":3,"pull_request":{"number":3,"state":"closed","head":{"sha":"abc"}}}`), "GITHUB_REPOSITORY": "acme/shop"},
			0, "pull_request action closed not handled", ""},
		{"outsideActions", map[string]string{}, 2, "", "run it as a GitHub Actions step"},
		{"badRepository", map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": event, "GITHUB_REPOSITORY": "shop"}, 2, "", "want owner/name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := action(context.Background(), nil, func(k string) string { return tc.env[k] }, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, stdout.String(), stderr.String(), tc.code, tc.stdout, tc.stderr)
			}
		})
	}
	if got := readOutputs(t, output); got["conclusion"] != "skipped" {
		t.Errorf("outputs after a skipped event: %v, want conclusion skipped", got)
	}
}

func writeEvent(t *testing.T, dir, payload string) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "event-*.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(payload); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// TestAction_couldNotReview: a token GitHub does not accept is exit 2, with
// the reason in the log and the job summary.
func TestAction_couldNotReview(t *testing.T) {
	r := newActionRepo(t)
	r.openPR(6, "clean")
	s := r.step(r.prEvent(6, "opened"), "pull_request", "ghs_not-a-token")
	if s.code != 2 {
		t.Fatalf("exit %d, want 2; log:\n%s", s.code, s.logOf())
	}
	if !strings.Contains(s.stderr, "401") || !strings.Contains(s.summary, "could not review") {
		t.Errorf("the reason is missing; stderr:\n%s\nsummary:\n%s", s.stderr, s.summary)
	}
}
