package githubapi

import (
	"errors"
	"net/http"

	"github.com/google/go-github/v60/github"
)

// NewTokenClient returns a Client that authenticates every API request with
// a token it was given (a GitHub Actions GITHUB_TOKEN, an installation token
// minted elsewhere, a personal access token) instead of minting its own from
// the App's key. cfg.AppID and cfg.PrivateKey are ignored; retries, pacing
// and the API root work as for App clients.
func NewTokenClient(cfg ClientConfig, token string) (Client, error) {
	if token == "" {
		return nil, errors.New("creating GitHub client: no token")
	}
	root, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	rt := newRetryTransport(cfg, root.url, newMutationPacer(cfg.MutationInterval))
	authed := &tokenTransport{token: token, apiHost: root.url.Host, base: rt}
	return &ghClient{gh: root.newClient(authed), download: &http.Client{Transport: rt}}, nil
}

// tokenTransport adds the token to requests for the API host only, so that
// it never travels with a redirect to another host.
type tokenTransport struct {
	token   string
	apiHost string
	base    http.RoundTripper
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != t.apiHost {
		return t.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.base.RoundTrip(r)
}

// IsForbidden reports whether err is GitHub refusing a request for want of
// permission (403 that is not a rate limit), such as a read-only
// GITHUB_TOKEN asked to create a check run.
func IsForbidden(err error) bool {
	var rl *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &rl) || errors.As(err, &abuse) {
		return false
	}
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusForbidden
}
