package githubapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

const ghPRPath = "/repos/acme/gitops/pulls/1"

func TestClient_tokenReused(t *testing.T) {
	f := setupGitHub(t, nil)
	ctx := context.Background()
	for range 3 {
		if _, err := f.gh.PullRequest(ctx, ghTestRepo, 1); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count("POST", "/app/installations/77/access_tokens"); n != 1 {
		t.Errorf("%d token requests for 3 calls, want 1", n)
	}
}

func TestClient_tokenRenewed(t *testing.T) {
	f := setupGitHub(t, nil)
	// Tokens that expire within the renewal margin (a minute) are renewed
	// before every use.
	f.fake.SetTokenTTL(30 * time.Second)
	ctx := context.Background()
	for range 3 {
		if _, err := f.gh.PullRequest(ctx, ghTestRepo, 1); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count("POST", "/app/installations/77/access_tokens"); n != 3 {
		t.Errorf("%d token requests for 3 calls with short-lived tokens, want 3", n)
	}
}

func TestClient_enterpriseBaseURL(t *testing.T) {
	// The API root without its trailing slash is accepted too.
	f := setupGitHub(t, func(c *ClientConfig) { c.BaseURL = strings.TrimSuffix(c.BaseURL, "/") })
	if _, err := f.gh.PullRequest(context.Background(), ghTestRepo, 1); err != nil {
		t.Fatal(err)
	}
	for _, r := range f.fake.Requests() {
		if r.Status != http.StatusOK && r.Status != http.StatusCreated {
			t.Errorf("%s %s answered %d", r.Method, r.Path, r.Status)
		}
	}
}

func TestClient_badKeyRejected(t *testing.T) {
	other := githubtest.New()
	defer other.Close()
	f := setupGitHub(t, func(c *ClientConfig) { c.AppID = other.AppID + 1 })
	_, err := f.gh.PullRequest(context.Background(), ghTestRepo, 1)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("err = %v, want the token request's 401", err)
	}
}

func TestClient_retries(t *testing.T) {
	tests := []struct {
		name      string
		pattern   string
		fault     githubtest.Fault
		n         int
		call      func(context.Context, Client) error
		wantCalls int
		wantErr   string // substring; "" for success
	}{
		{name: "get500", pattern: "GET " + ghPRPath, fault: githubtest.Status(500), n: 2, call: ghGetPR, wantCalls: 3},
		{name: "get502", pattern: "GET " + ghPRPath, fault: githubtest.Status(502), n: 1, call: ghGetPR, wantCalls: 2},
		{name: "getDropped", pattern: "GET " + ghPRPath, fault: githubtest.DropConnection, n: 2, call: ghGetPR, wantCalls: 3},
		{name: "secondaryRateLimit", pattern: "GET " + ghPRPath, fault: githubtest.SecondaryRateLimit(time.Second), n: 1, call: ghGetPR, wantCalls: 2},
		{name: "tokenRequest503", pattern: "POST /app/installations/*/access_tokens", fault: githubtest.Status(503), n: 1, call: ghGetPR, wantCalls: 2},
		{name: "postNotRetriedOn500", pattern: "POST /repos/*/*/check-runs", fault: githubtest.Status(500), n: 1, call: ghCreateRun, wantCalls: 1, wantErr: "500"},
		{name: "postRetriedOn502", pattern: "POST /repos/*/*/check-runs", fault: githubtest.Status(502), n: 1, call: ghCreateRun, wantCalls: 2},
		{name: "postRetriedOnDrop", pattern: "POST /repos/*/*/check-runs", fault: githubtest.DropConnection, n: 1, call: ghCreateRun, wantCalls: 2},
		{name: "patchRetriedOn500", pattern: "PATCH /repos/*/*/check-runs/*", fault: githubtest.Status(500), n: 1, call: ghUpdateRun, wantCalls: 2},
		{name: "giveUp", pattern: "GET " + ghPRPath, fault: githubtest.Status(503), n: 10, call: ghGetPR, wantCalls: 5, wantErr: "giving up on GET /repos/{owner}/{repo}/pulls/{id} after 5 attempts: GitHub answered 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setupGitHub(t, nil)
			ctx := context.Background()
			if tt.call == nil {
				t.Fatal("no call")
			}
			// ghUpdateRun needs a run to exist first.
			if tt.name == "patchRetriedOn500" {
				if err := ghCreateRun(ctx, f.gh); err != nil {
					t.Fatal(err)
				}
			}
			f.fake.Fail(tt.pattern, tt.n, tt.fault)
			err := tt.call(ctx, f.gh)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("err = %v, want success after retries", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			method, path, _ := strings.Cut(tt.pattern, " ")
			if strings.Contains(path, "*") {
				path = map[string]string{
					"POST /repos/*/*/check-runs":              "/repos/acme/gitops/check-runs",
					"PATCH /repos/*/*/check-runs/*":           "/repos/acme/gitops/check-runs/1001",
					"POST /app/installations/*/access_tokens": "/app/installations/77/access_tokens",
				}[tt.pattern]
			}
			if n := f.count(method, path); n != tt.wantCalls {
				t.Errorf("%d requests to %s %s, want %d", n, method, path, tt.wantCalls)
			}
		})
	}
}

func ghGetPR(ctx context.Context, gh Client) error {
	_, err := gh.PullRequest(ctx, ghTestRepo, 1)
	return err
}

func ghCreateRun(ctx context.Context, gh Client) error {
	_, err := gh.CreateCheckRun(ctx, ghTestRepo, CheckRun{Name: CheckName, HeadSHA: ghHeadSHA, Status: "in_progress"})
	return err
}

func ghUpdateRun(ctx context.Context, gh Client) error {
	return gh.UpdateCheckRun(ctx, ghTestRepo, 1001, CheckRun{Name: CheckName, Status: "completed", Conclusion: "success",
		Output: &CheckOutput{Title: "ok", Summary: "no rendered changes"}})
}

func TestClient_retryWaitHonoursContext(t *testing.T) {
	f := setupGitHub(t, func(c *ClientConfig) { c.MaxRetryWait = time.Hour })
	f.fake.Fail("GET "+ghPRPath, 1, githubtest.SecondaryRateLimit(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := f.gh.PullRequest(ctx, ghTestRepo, 1)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
	if n := f.count("GET", ghPRPath); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestClient_onRequestRoutes(t *testing.T) {
	f := setupGitHub(t, nil)
	f.fake.Fail("GET "+ghPRPath, 1, githubtest.Status(502))
	if _, err := f.gh.PullRequest(context.Background(), ghTestRepo, 1); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"POST /app/installations/{id}/access_tokens 201",
		"GET /repos/{owner}/{repo}/pulls/{id} 502",
		"GET /repos/{owner}/{repo}/pulls/{id} 200",
	}
	if diff := cmp.Diff(want, f.routes); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
}

func TestAPIRoute(t *testing.T) {
	tests := map[string]string{
		"/api/v3/repos/acme/gitops/check-runs/123":                       "/repos/{owner}/{repo}/check-runs/{id}",
		"/api/v3/repos/acme/gitops/commits/" + ghHeadSHA + "/check-runs": "/repos/{owner}/{repo}/commits/{ref}/check-runs",
		"/api/v3/repos/acme/gitops/contents/apps/api/kustomization.yaml": "/repos/{owner}/{repo}/contents/{path}",
		"/api/v3/repos/acme/gitops/compare/main...feature":               "/repos/{owner}/{repo}/compare/{basehead}",
		"/api/v3/repos/acme/gitops/tarball/" + ghBaseSHA:                 "/repos/{owner}/{repo}/tarball/{ref}",
		"/api/v3/repos/acme/gitops/collaborators/alice/permission":       "/repos/{owner}/{repo}/collaborators/{user}/permission",
		"/api/v3/orgs/acme/teams/platform/memberships/bob":               "/orgs/{org}/teams/{team}/memberships/{user}",
		"/api/v3/app/installations/77/access_tokens":                     "/app/installations/{id}/access_tokens",
		"/api/v3/app": "/app",
	}
	for in, want := range tests {
		if got := apiRoute("/api/v3/", in); got != want {
			t.Errorf("apiRoute(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  time.Duration
		ok    bool
	}{
		{name: "seconds", value: "2", want: 2 * time.Second, ok: true},
		{name: "past date", value: "Mon, 02 Jan 2006 15:04:05 GMT", want: 0, ok: true},
		{name: "absent", value: "", ok: false},
		{name: "garbage", value: "soon", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.value != "" {
				h.Set("Retry-After", tt.value)
			}
			got, ok := parseRetryAfter(h)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.ok)
			}
		})
	}
	// A future HTTP date gives a positive wait.
	h := http.Header{"Retry-After": {time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}}
	if d, ok := parseRetryAfter(h); !ok || d < 58*time.Minute {
		t.Errorf("future date: %v, %v", d, ok)
	}
}

func TestMutationPacer(t *testing.T) {
	p := newMutationPacer(time.Hour)
	ctx := context.Background()
	// The first mutation starts at once.
	if err := p.wait(ctx); err != nil {
		t.Fatal(err)
	}
	// The next one would wait an hour: a cancelled context ends the wait.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.wait(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if newMutationPacer(0) != nil {
		t.Error("a zero interval should disable pacing")
	}
}

func TestClient_primaryRateLimitWaitsForReset(t *testing.T) {
	rt := &retryTransport{maxRetries: 1, maxWait: 5 * time.Millisecond}
	resp := &http.Response{StatusCode: http.StatusForbidden, Header: http.Header{
		"X-Ratelimit-Remaining": {"0"},
		"X-Ratelimit-Reset":     {strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)},
	}}
	req, _ := http.NewRequest(http.MethodPost, "http://x/api/v3/repos/a/b/check-runs", nil)
	wait, why, retry := rt.classify(req, resp, nil, 0)
	if !retry || wait != 5*time.Millisecond || !strings.Contains(why, "primary rate limit") {
		t.Errorf("classify = %v, %q, %v; want a retry capped at MaxRetryWait", wait, why, retry)
	}
	// A plain 403 (no permission) is not retried.
	plain := &http.Response{StatusCode: http.StatusForbidden, Header: http.Header{}, Body: http.NoBody}
	if _, _, retry := rt.classify(req, plain, nil, 0); retry {
		t.Error("a 403 without rate-limit signs was retried")
	}
}

func TestClient_mutationPacing(t *testing.T) {
	// An hour between mutations: the first starts at once (the token
	// request is not paced), the second would have to wait.
	f := setupGitHub(t, func(c *ClientConfig) { c.MutationInterval = time.Hour })
	ctx := context.Background()
	if err := ghCreateRun(ctx, f.gh); err != nil {
		t.Fatal(err)
	}
	// Reads are never paced.
	if err := ghGetPR(ctx, f.gh); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := ghCreateRun(short, f.gh); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second mutation: err = %v, want it held back until the deadline", err)
	}
	if n := f.count("POST", "/repos/acme/gitops/check-runs"); n != 1 {
		t.Errorf("%d check-run creations reached GitHub, want 1", n)
	}
}

// ghRoundTripFunc adapts a function to http.RoundTripper.
type ghRoundTripFunc func(*http.Request) (*http.Response, error)

func (f ghRoundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRetryTransport_primaryLimitExhausted(t *testing.T) {
	// GitHub says no requests are left until an hour from now, on a
	// successful answer. go-github must not see the reset (it would fail
	// every later call locally); the transport waits instead, capped.
	reset := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	var calls int
	base := ghRoundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		h := http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {reset}}
		return &http.Response{StatusCode: 200, Header: h, Body: http.NoBody, Request: r}, nil
	})
	rt := &retryTransport{base: base, maxRetries: 1, maxWait: time.Millisecond, apiHost: "x"}
	for i := range 2 {
		req, _ := http.NewRequest(http.MethodGet, "http://x/repos/a/b/pulls/1", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if resp.Header.Get("X-Ratelimit-Reset") != "" {
			t.Errorf("request %d: the reset reached go-github", i)
		}
	}
	if calls != 2 {
		t.Errorf("%d calls, want 2", calls)
	}
	if rt.untilReset() != time.Millisecond {
		t.Errorf("wait before the next request = %v, want MaxRetryWait", rt.untilReset())
	}
}

func TestRetryTransport_unreplayableBody(t *testing.T) {
	var calls int
	base := ghRoundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		return &http.Response{StatusCode: 502, Status: "502 Bad Gateway", Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	})
	rt := &retryTransport{base: base, maxRetries: 3, maxWait: time.Millisecond, apiHost: "x"}
	req, _ := http.NewRequest(http.MethodPost, "http://x/repos/a/b/check-runs", strings.NewReader("{}"))
	req.GetBody = nil
	resp, err := rt.RoundTrip(req)
	if err != nil || resp.StatusCode != 502 || calls != 1 {
		t.Errorf("got %v, %v after %d calls; want the 502 handed back after 1 call", resp, err, calls)
	}
}

func TestClient_slowAnswerBoundByContext(t *testing.T) {
	f := setupGitHub(t, nil)
	f.fake.Fail("GET "+ghPRPath, 1, githubtest.Slow(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := ghGetPR(ctx, f.gh); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
	if n := f.count("GET", ghPRPath); n != 1 {
		t.Errorf("%d requests, want 1 (a cancelled request is not retried)", n)
	}
	// The next call goes through.
	if err := ghGetPR(context.Background(), f.gh); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkClient_pullRequest(b *testing.B) {
	fake := githubtest.New()
	defer fake.Close()
	fake.AddRepo("acme", "gitops", ghInstallation)
	fake.SetTree("acme", "gitops", ghBaseSHA, map[string][]byte{"a": []byte("a\n")})
	fake.SetTree("acme", "gitops", ghHeadSHA, map[string][]byte{"a": []byte("b\n")})
	fake.OpenPR("acme", "gitops", githubtest.PR{Number: 1, BaseSHA: ghBaseSHA, HeadSHA: ghHeadSHA})
	factory, err := NewClientFactory(ClientConfig{AppID: fake.AppID, PrivateKey: fake.PrivateKeyPEM, BaseURL: fake.URL()})
	if err != nil {
		b.Fatal(err)
	}
	gh, _ := factory(ghInstallation)
	ctx := context.Background()
	for b.Loop() {
		if _, err := gh.PullRequest(ctx, ghTestRepo, 1); err != nil {
			b.Fatal(err)
		}
	}
}
