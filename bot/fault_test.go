package bot

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

// Routes the faults hit, as the fake names them.
const (
	routeTarball     = "GET /repos/{owner}/{repo}/tarball/{ref}"
	routeDownload    = "GET /_codeload/{owner}/{repo}/{kind}/{sha}"
	routeCreateRun   = "POST /repos/{owner}/{repo}/check-runs"
	routeUpdateRun   = "PATCH /repos/{owner}/{repo}/check-runs/{id}"
	routeReview      = "POST /repos/{owner}/{repo}/pulls/{number}/reviews"
	faultTitle       = "kustoguard could not finish the review"
	faultRetriesUsed = 4
)

// TestFaults: GitHub failing in every way it does, on every request that
// matters. Whatever happens, each pull request ends with exactly one
// completed check run and no comment posted twice; while retries suffice
// the verdict is the one a healthy GitHub gets.
func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		route string
		times int
		fault githubtest.Fault
		// gaveUp: the retries run out, and the run's summary says why.
		gaveUp string
		// noReview: the review is lost (the run is still right).
		noReview bool
	}{
		{name: "tarball500", route: routeTarball, times: 2, fault: githubtest.Status(500)},
		{name: "tarball502", route: routeTarball, times: 3, fault: githubtest.Status(502)},
		{name: "tarballDropped", route: routeTarball, times: 2, fault: githubtest.DropConnection},
		{name: "downloadDropped", route: routeDownload, times: 2, fault: githubtest.DropConnection},
		{name: "tarballRateLimited", route: routeTarball, times: 2, fault: githubtest.SecondaryRateLimit(time.Second)},
		{name: "tarballSlow", route: routeTarball, times: 2, fault: githubtest.Slow(150 * time.Millisecond)},
		{name: "tarballDown", route: routeTarball, times: 1000, fault: githubtest.Status(502), gaveUp: "502"},
		{name: "tarballRateLimitedLong", route: routeTarball, times: 1000, fault: githubtest.SecondaryRateLimit(time.Second), gaveUp: "rate limited (403, Retry-After 1s)"},
		{name: "filesDropped", route: "GET /repos/{owner}/{repo}/pulls/{number}/files", times: 1000, fault: githubtest.DropConnection, gaveUp: "pulls"},
		{name: "createRun502", route: routeCreateRun, times: 2, fault: githubtest.Status(502)},
		{name: "createRun500", route: routeCreateRun, times: 1, fault: githubtest.Status(500)},
		{name: "createRunDropped", route: routeCreateRun, times: 2, fault: githubtest.DropConnection},
		{name: "createRunRateLimited", route: routeCreateRun, times: 2, fault: githubtest.SecondaryRateLimit(time.Second)},
		{name: "updateRun500", route: routeUpdateRun, times: 3, fault: githubtest.Status(500)},
		{name: "updateRunDropped", route: routeUpdateRun, times: 2, fault: githubtest.DropConnection},
		{name: "updateRunRateLimited", route: routeUpdateRun, times: 2, fault: githubtest.SecondaryRateLimit(time.Second)},
		{name: "updateRunSlow", route: routeUpdateRun, times: 2, fault: githubtest.Slow(150 * time.Millisecond)},
		{name: "review502", route: routeReview, times: 2, fault: githubtest.Status(502)},
		{name: "review500", route: routeReview, times: 1, fault: githubtest.Status(500), noReview: true},
		{name: "reviewDropped", route: routeReview, times: 2, fault: githubtest.DropConnection},
		{name: "reviewRateLimited", route: routeReview, times: 2, fault: githubtest.SecondaryRateLimit(time.Second)},
		{name: "reviewSlow", route: routeReview, times: 1, fault: githubtest.Slow(150 * time.Millisecond)},
	}
	e := newE2E(t, e2eOptions{MaxRetries: faultRetriesUsed})

	// The verdict of a healthy GitHub, for comparison.
	head := e.openPR(700, "sidecar")
	e.deliver(e.prEvent(700, "opened"))
	want := e.settle(head)
	wantWhere, _ := e.comments(700)

	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			n := 701 + i
			head := e.openPR(n, "sidecar")
			e.gh.Fail(tc.route, tc.times, tc.fault)
			e.deliver(e.prEvent(n, "opened"))
			run := e.settle(head)
			e.gh.ClearFaults() // nothing left over for the next case

			out := run.GetOutput()
			switch {
			case tc.gaveUp != "":
				if run.GetConclusion() != "failure" || out.GetTitle() != faultTitle {
					t.Errorf("run %s %q, want failure %q", run.GetConclusion(), out.GetTitle(), faultTitle)
				}
				if !strings.Contains(out.GetSummary(), tc.gaveUp) {
					t.Errorf("summary does not say what went wrong:\n%s", out.GetSummary())
				}
			default:
				if run.GetConclusion() != want.GetConclusion() || out.GetTitle() != want.GetOutput().GetTitle() {
					t.Errorf("run %s %q, want %s %q as without faults", run.GetConclusion(), out.GetTitle(),
						want.GetConclusion(), want.GetOutput().GetTitle())
				}
				if got, w := len(runAnnotations(run)), len(runAnnotations(want)); got != w {
					t.Errorf("annotations: %d, want %d", got, w)
				}
			}
			where, _ := e.comments(n)
			switch {
			case tc.gaveUp != "", tc.noReview:
				if len(e.botReviews(n)) > 1 {
					t.Errorf("bot reviews: %d, want at most 1", len(e.botReviews(n)))
				}
			default:
				if len(where) != len(wantWhere) {
					t.Errorf("review comments at %q, want at %q", where, wantWhere)
				}
				if len(wantWhere) > 0 && len(e.botReviews(n)) != 1 {
					t.Errorf("bot reviews: %d, want 1", len(e.botReviews(n)))
				}
			}
			assertNoDuplicateComments(t, e, n)
		})
	}
}

// TestFaults_reviewGivesUp: when posting the review keeps failing the check
// run is still complete and right; a later re-run posts the review once.
func TestFaults_reviewGivesUp(t *testing.T) {
	e := newE2E(t, e2eOptions{MaxRetries: 2})
	const n = 800
	head := e.openPR(n, "sidecar")
	e.gh.Fail(routeReview, 3, githubtest.Status(502))
	e.deliver(e.prEvent(n, "opened"))
	run := e.settle(head)
	requireEngine(t, run)
	if run.GetConclusion() != "failure" || run.GetOutput().GetTitle() == faultTitle {
		t.Errorf("run %s %q, want the review's own failure", run.GetConclusion(), run.GetOutput().GetTitle())
	}
	if got := len(e.botReviews(n)); got != 0 {
		t.Fatalf("bot reviews: %d, want 0 while GitHub refuses them", got)
	}
	suite, err := e.gh.CheckSuiteEvent(e2eOwner, e2eName, head, "rerequested", e2eAuthor)
	if err != nil {
		t.Fatal(err)
	}
	e.deliver(suite)
	e.settle(head)
	if got := len(e.botReviews(n)); got != 1 {
		t.Errorf("bot reviews after the re-run: %d, want 1", got)
	}
	assertNoDuplicateComments(t, e, n)
}

// TestBadDeliveries: what the server refuses never reaches GitHub.
func TestBadDeliveries(t *testing.T) {
	e := newE2E(t, e2eOptions{MaxPayload: 64 << 10})
	head := e.openPR(900, "clean")
	good := e.prEvent(900, "opened")
	redelivered := e.deliver(good)
	e.settle(head)

	sign := func(b []byte) string { return githubtest.Sign(e.secret, b) }
	hdr := func(event, id, sig string) map[string]string {
		h := map[string]string{"Content-Type": "application/json", "X-GitHub-Event": event, "X-GitHub-Delivery": id}
		if sig != "" {
			h["X-Hub-Signature-256"] = sig
		}
		return h
	}
	malformed := []byte(`{"action": "opened", "pull_request": {`)
	unknown := []byte(`{"action": "created", "starred_at": "2026-01-01T00:00:00Z"}`)
	huge := append(append([]byte(`{"padding": "`), bytes.Repeat([]byte("x"), 70<<10)...), `"}`...)
	tests := []struct {
		name   string
		body   []byte
		header map[string]string
		want   int
	}{
		{"unsigned", good.Payload, hdr("pull_request", "bad-1", ""), http.StatusUnauthorized},
		{"wrongSignature", good.Payload, hdr("pull_request", "bad-2", githubtest.Sign([]byte("guess"), good.Payload)), http.StatusUnauthorized},
		{"tamperedBody", append([]byte(" "), good.Payload...), hdr("pull_request", "bad-3", sign(good.Payload)), http.StatusUnauthorized},
		{"malformedJSON", malformed, hdr("pull_request", "bad-4", sign(malformed)), http.StatusBadRequest},
		{"unknownEvent", unknown, hdr("star", "bad-5", sign(unknown)), http.StatusOK},
		{"oversized", huge, hdr("pull_request", "bad-6", sign(huge)), http.StatusRequestEntityTooLarge},
		{"redelivered", good.Payload, hdr("pull_request", redelivered, sign(good.Payload)), http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			before := len(e.gh.Requests())
			if got := e.post(tc.body, tc.header); got != tc.want {
				t.Errorf("status %d, want %d", got, tc.want)
			}
			e.waitIdle()
			if got := e.gh.Requests(); len(got) != before {
				t.Errorf("%d requests reached GitHub, want none; first: %s %s", len(got)-before, got[before].Method, got[before].Path)
			}
		})
	}
	if runs := e.runs(head); len(runs) != 1 {
		t.Errorf("check runs: %d, want 1", len(runs))
	}
}
