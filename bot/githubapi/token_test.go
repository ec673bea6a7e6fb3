package githubapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

func TestTokenClient(t *testing.T) {
	fake := githubtest.New()
	t.Cleanup(fake.Close)
	fake.AddRepo("acme", "gitops", ghInstallation)
	fake.SetTree("acme", "gitops", ghHeadSHA, map[string][]byte{"a.yaml": []byte("x: 1\n")})
	fake.OpenPR("acme", "gitops", githubtest.PR{Number: 1, Author: "dev", BaseRef: "main", BaseSHA: ghHeadSHA, HeadSHA: ghHeadSHA})
	ctx := context.Background()
	// GITHUB_API_URL comes without the trailing slash.
	cfg := ClientConfig{BaseURL: strings.TrimSuffix(fake.URL(), "/"), MaxRetryWait: 20 * time.Millisecond}

	gh, err := NewTokenClient(cfg, fake.InstallationToken(ghInstallation))
	if err != nil {
		t.Fatal(err)
	}
	pr, err := gh.PullRequest(ctx, ghTestRepo, 1)
	if err != nil || pr.HeadSHA != ghHeadSHA {
		t.Fatalf("PullRequest = %+v, %v", pr, err)
	}
	rc, err := gh.Tarball(ctx, ghTestRepo, ghHeadSHA)
	if err != nil {
		t.Fatalf("Tarball: %v", err)
	}
	rc.Close()
	if _, err := gh.CreateCheckRun(ctx, ghTestRepo, CheckRun{Name: CheckName, HeadSHA: ghHeadSHA, Status: "in_progress"}); err != nil || IsForbidden(err) {
		t.Errorf("CreateCheckRun with a writing token: %v", err)
	}

	ro, err := NewTokenClient(cfg, fake.ReadOnlyToken(ghInstallation))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.PullRequest(ctx, ghTestRepo, 1); err != nil {
		t.Errorf("reading with a read-only token: %v", err)
	}
	_, err = ro.CreateCheckRun(ctx, ghTestRepo, CheckRun{Name: CheckName, HeadSHA: ghHeadSHA, Status: "in_progress"})
	if !IsForbidden(err) {
		t.Errorf("CreateCheckRun with a read-only token: %v, want IsForbidden", err)
	}

	// A secondary rate limit is a 403 too, but not a refusal: retried,
	// then not reported as forbidden.
	fake.Fail("POST /repos/*/*/check-runs", 10, githubtest.SecondaryRateLimit(time.Millisecond))
	_, err = gh.CreateCheckRun(ctx, ghTestRepo, CheckRun{Name: CheckName, HeadSHA: ghHeadSHA, Status: "in_progress"})
	if err == nil || IsForbidden(err) {
		t.Errorf("rate-limited create: %v, want an error that is not IsForbidden", err)
	}

	if _, err := NewTokenClient(cfg, ""); err == nil {
		t.Error("NewTokenClient without a token: want an error")
	}
	if IsForbidden(errors.New("403")) || IsForbidden(nil) {
		t.Error("IsForbidden of a plain error or nil")
	}
}

// TestTokenTransport_apiHostOnly: the token goes to the API host, never to
// another (an archive link, a redirect).
func TestTokenTransport_apiHostOnly(t *testing.T) {
	var seen []string
	rt := &tokenTransport{token: "s3cret", apiHost: "api.example", base: ghRoundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.URL.Host+" "+r.Header.Get("Authorization"))
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
	})}
	for _, u := range []string{"https://api.example/repos/a/b", "https://codeload.example/a/b/legacy.tar.gz/x"} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if _, err := rt.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if req.Header.Get("Authorization") != "" {
			t.Error("the caller's request was modified")
		}
	}
	want := []string{"api.example Bearer s3cret", "codeload.example "}
	if strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Errorf("requests %q, want %q", seen, want)
	}
}
