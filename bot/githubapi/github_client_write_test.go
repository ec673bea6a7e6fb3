package githubapi

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kustoguard/kustoguard/internal/golden"
)

func TestClient_checkRuns(t *testing.T) {
	f := setupGitHub(t, nil)
	ctx := context.Background()
	id, err := f.gh.CreateCheckRun(ctx, ghTestRepo, CheckRun{
		Name: CheckName, HeadSHA: ghHeadSHA, ExternalID: "pr-1", Status: "in_progress",
		Output: &CheckOutput{Title: "Reviewing", Summary: "Rendering overlays"},
	})
	if err != nil {
		t.Fatal(err)
	}
	body := f.lastBody(t, "POST", "/repos/acme/gitops/check-runs")
	for _, k := range []string{"name", "head_sha", "external_id", "status"} {
		if body[k] == nil {
			t.Errorf("create body lacks %s: %v", k, body)
		}
	}
	if body["completed_at"] != nil || body["conclusion"] != nil {
		t.Errorf("in-progress create carries completion: %v", body)
	}

	// Two updates of annotations: GitHub adds them up.
	ann := func(line int) Annotation {
		return Annotation{Path: "apps/api/deploy.yaml", StartLine: line, Level: "failure", Title: "readiness-probe-missing", Message: "no probe"}
	}
	update := CheckRun{Name: CheckName, Status: "in_progress", Output: &CheckOutput{Title: "t", Summary: "s", Annotations: []Annotation{ann(1), ann(2)}}}
	if err := f.gh.UpdateCheckRun(ctx, ghTestRepo, id, update); err != nil {
		t.Fatal(err)
	}
	final := CheckRun{Name: CheckName, Status: "completed", Conclusion: "failure",
		Output:  &CheckOutput{Title: "1 error", Summary: "sum", Text: "diff", Annotations: []Annotation{ann(4)}},
		Actions: []CheckAction{{Label: "Approve", Description: "Approve the flagged changes", Identifier: "approve"}}}
	if err := f.gh.UpdateCheckRun(ctx, ghTestRepo, id, final); err != nil {
		t.Fatal(err)
	}
	body = f.lastBody(t, "PATCH", "/repos/acme/gitops/check-runs/"+strconv.FormatInt(id, 10))
	if body["completed_at"] == nil || body["conclusion"] != "failure" {
		t.Errorf("completing update body = %v, want conclusion and completed_at", body)
	}
	runs := f.fake.CheckRuns("acme", "gitops")
	if len(runs) != 1 {
		t.Fatalf("%d check runs, want 1", len(runs))
	}
	r := runs[0]
	if r.GetStatus() != "completed" || r.GetConclusion() != "failure" || r.GetExternalID() != "pr-1" || r.GetOutput().GetTitle() != "1 error" {
		t.Errorf("recorded run %+v", r)
	}
	if n := len(r.GetOutput().Annotations); n != 3 {
		t.Errorf("%d annotations recorded, want 3", n)
	}
	if acts := f.fake.CheckRunActions("acme", "gitops", id); len(acts) != 1 || acts[0].Identifier != "approve" {
		t.Errorf("actions %v", acts)
	}

	listed, err := f.gh.CheckRuns(ctx, ghTestRepo, ghHeadSHA, CheckName)
	if err != nil {
		t.Fatal(err)
	}
	// GitHub stamps completed_at as it records the completion.
	if len(listed) == 1 && (listed[0].CompletedAt.IsZero() || !listed[0].CompletedAt.Equal(r.GetCompletedAt().Time)) {
		t.Errorf("listed completed_at %v, recorded %v", listed[0].CompletedAt, r.GetCompletedAt())
	}
	for i := range listed {
		listed[i].CompletedAt = time.Time{}
	}
	want := []CheckRun{{ID: id, Name: CheckName, HeadSHA: ghHeadSHA, ExternalID: "pr-1", Status: "completed", Conclusion: "failure",
		Output: &CheckOutput{Title: "1 error", Summary: "sum", Text: "diff", AnnotationsCount: 3}}}
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
	reqs := f.fake.Requests()
	q := reqs[len(reqs)-1].Query
	if q.Get("check_name") != CheckName || q.Get("filter") != "all" || q.Get("per_page") != "100" {
		t.Errorf("list query %v", q)
	}
}

func TestClient_checkRunRejected(t *testing.T) {
	f := setupGitHub(t, nil)
	var anns []Annotation
	for i := range 51 {
		anns = append(anns, Annotation{Path: "a.yaml", StartLine: i + 1, Level: "warning", Message: "m"})
	}
	_, err := f.gh.CreateCheckRun(context.Background(), ghTestRepo, CheckRun{Name: CheckName, HeadSHA: ghHeadSHA, Status: "in_progress",
		Output: &CheckOutput{Title: "t", Summary: "s", Annotations: anns}})
	if err == nil || !strings.Contains(err.Error(), "422") || !strings.Contains(err.Error(), "at most 50 annotations") {
		t.Errorf("err = %v, want a 422 naming the annotation limit", err)
	}
	if n := f.count("POST", "/repos/acme/gitops/check-runs"); n != 1 {
		t.Errorf("%d requests, want 1 (422 is not retried)", n)
	}
}

func TestClient_review(t *testing.T) {
	f := setupGitHub(t, nil)
	ctx := context.Background()
	rev := Review{CommitSHA: ghHeadSHA, Body: "kustoguard found 1 issue", Comments: []ReviewComment{{Path: "apps/api/deploy.yaml", Line: 4, Body: "probe missing"}}}
	if err := f.gh.CreateReview(ctx, ghTestRepo, 1, rev); err != nil {
		t.Fatal(err)
	}
	body := f.lastBody(t, "POST", "/repos/acme/gitops/pulls/1/reviews")
	want := map[string]any{
		"commit_id": ghHeadSHA, "body": "kustoguard found 1 issue", "event": "COMMENT",
		"comments": []any{map[string]any{"path": "apps/api/deploy.yaml", "line": float64(4), "side": "RIGHT", "body": "probe missing"}},
	}
	if diff := cmp.Diff(want, body); diff != "" {
		t.Errorf("review body (-want +got):\n%s", diff)
	}

	// The hunk spans new lines 1..7; line 8 is outside the diff.
	rev.Comments[0].Line = 8
	err := f.gh.CreateReview(ctx, ghTestRepo, 1, rev)
	if err == nil || !strings.Contains(err.Error(), "Pull request review thread line must be part of the diff") {
		t.Errorf("err = %v, want GitHub's line-not-in-diff message", err)
	}

	if err := f.gh.CreateFileComment(ctx, ghTestRepo, 1, ghHeadSHA, "apps/api/rbac.yaml", "whole file"); err != nil {
		t.Fatal(err)
	}
	body = f.lastBody(t, "POST", "/repos/acme/gitops/pulls/1/comments")
	if body["subject_type"] != "file" || body["path"] != "apps/api/rbac.yaml" || body["commit_id"] != ghHeadSHA {
		t.Errorf("file comment body %v", body)
	}
	if err := f.gh.CreateFileComment(ctx, ghTestRepo, 1, ghHeadSHA, "not/in/pr.yaml", "x"); err == nil {
		t.Error("file comment on a path outside the pull request: want an error")
	}

	posted, err := f.gh.ReviewComments(ctx, ghTestRepo, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range posted {
		got = append(got, c.User+" "+c.Path+" "+c.Body)
	}
	wantPosted := []string{"kustoguard[bot] apps/api/deploy.yaml probe missing", "kustoguard[bot] apps/api/rbac.yaml whole file"}
	if diff := cmp.Diff(wantPosted, got); diff != "" {
		t.Errorf("review comments (-want +got):\n%s", diff)
	}

	f.fake.AddReview("acme", "gitops", 1, "alice", "APPROVED", ghHeadSHA)
	reviews, err := f.gh.Reviews(ctx, ghTestRepo, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(reviews) != 2 || reviews[1].User != "alice" || reviews[1].State != "APPROVED" || reviews[1].CommitSHA != ghHeadSHA {
		t.Errorf("reviews %+v", reviews)
	}
	if reviews[0].State != "COMMENTED" || reviews[0].User != "kustoguard[bot]" {
		t.Errorf("bot review %+v", reviews[0])
	}
}

func TestClient_issueCommentsAndApprovers(t *testing.T) {
	f := setupGitHub(t, nil)
	ctx := context.Background()
	if err := f.gh.CreateIssueComment(ctx, ghTestRepo, 1, "approved by alice"); err != nil {
		t.Fatal(err)
	}
	cs, err := f.gh.IssueComments(ctx, ghTestRepo, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Body != "approved by alice" || cs[0].User != "kustoguard[bot]" {
		t.Errorf("issue comments %+v", cs)
	}

	f.fake.SetPermission("acme", "gitops", "alice", "admin")
	for user, want := range map[string]string{"alice": "admin", "mallory": "none"} {
		got, err := f.gh.Permission(ctx, ghTestRepo, user)
		if err != nil || got != want {
			t.Errorf("Permission(%s) = %q, %v; want %q", user, got, err, want)
		}
	}
	f.fake.AddTeamMember("acme", "platform-security", "bob")
	for user, want := range map[string]bool{"bob": true, "mallory": false} {
		got, err := f.gh.TeamMember(ctx, "acme", "platform-security", user)
		if err != nil || got != want {
			t.Errorf("TeamMember(%s) = %v, %v; want %v", user, got, err, want)
		}
	}
	if f.count("GET", "/orgs/acme/teams/platform-security/memberships/bob") != 1 {
		t.Errorf("requests %v", f.calls())
	}
}

// TestClient_wireGolden pins the bodies the client sends for a review and a
// file-level comment, as GitHub receives them.
func TestClient_wireGolden(t *testing.T) {
	f := setupGitHub(t, nil)
	ctx := context.Background()
	rev := Review{CommitSHA: ghHeadSHA, Body: "kustoguard: 2 findings", Comments: []ReviewComment{
		{Path: "apps/api/deploy.yaml", Line: 4, Body: "readiness-probe-missing"},
		{Path: "apps/api/rbac.yaml", Line: 1, Body: "rbac-change"},
	}}
	if err := f.gh.CreateReview(ctx, ghTestRepo, 1, rev); err != nil {
		t.Fatal(err)
	}
	if err := f.gh.CreateFileComment(ctx, ghTestRepo, 1, ghHeadSHA, "apps/api/rbac.yaml", "file-level"); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, r := range f.fake.Requests() {
		if r.Method != "POST" || strings.HasSuffix(r.Path, "/access_tokens") {
			continue
		}
		out.WriteString(r.Method + " " + r.Path + "\n")
		if err := json.Indent(&out, bytes.TrimSpace(r.Body), "", "  "); err != nil {
			t.Fatal(err)
		}
		out.WriteString("\n")
	}
	golden.Assert(t, "testdata/golden/review_requests.txt", out.Bytes())
}
