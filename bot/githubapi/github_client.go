package githubapi

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"
)

// maxPRFiles is GitHub's cap on the files endpoint of a pull request.
const maxPRFiles = 3000

// ClientConfig configures GitHub clients authenticated as the App.
type ClientConfig struct {
	AppID      int64
	PrivateKey []byte // PEM
	// BaseURL is the REST API root, used as given ("https://api.github.com/",
	// "https://HOST/api/v3/"); requests go to BaseURL+"repos/...".
	BaseURL string
	// Transport is the underlying transport (http.DefaultTransport when nil).
	Transport http.RoundTripper
	// MaxRetries bounds retries of one request on 5xx, dropped connections
	// and rate limits; MaxRetryWait bounds one wait (Retry-After included).
	// Zero means 4 retries and 60 s.
	MaxRetries   int
	MaxRetryWait time.Duration
	// MutationInterval spaces mutating requests per installation, as GitHub
	// asks of integrations (0 disables pacing).
	MutationInterval time.Duration
	// OnRequest, when set, observes every HTTP exchange (after retries are
	// split out: one call per attempt). status is 0 for a transport error.
	// route is a templated path such as "/repos/{owner}/{repo}/pulls/{id}".
	OnRequest func(method, route string, status int, d time.Duration)
}

// apiRoot is the parsed BaseURL: the URL with a trailing slash for go-github
// and without one for ghinstallation, which appends "/app/...".
type apiRoot struct {
	url     *url.URL
	trimmed string
}

func parseBaseURL(raw string) (apiRoot, error) {
	if raw == "" {
		raw = "https://api.github.com/"
	}
	if !strings.HasSuffix(raw, "/") {
		raw += "/"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return apiRoot{}, fmt.Errorf("parsing GitHub API URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return apiRoot{}, fmt.Errorf("parsing GitHub API URL %q: want an absolute http(s) URL", raw)
	}
	return apiRoot{url: u, trimmed: strings.TrimSuffix(raw, "/")}, nil
}

func (a apiRoot) newClient(rt http.RoundTripper) *github.Client {
	c := github.NewClient(&http.Client{Transport: rt})
	c.BaseURL = a.url
	c.UploadURL = a.url
	return c
}

func parsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("parsing App private key: no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing App private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("parsing App private key: not an RSA key")
	}
	return rk, nil
}

// factory builds and caches one client per installation; each keeps its own
// token (ghinstallation renews it a minute before expiry) and its own pacing.
type ghFactory struct {
	cfg  ClientConfig
	root apiRoot
	key  *rsa.PrivateKey

	mu      sync.Mutex
	clients map[int64]*ghClient
}

// NewClientFactory returns a factory of installation clients. The key is
// parsed once; clients are cached per installation and safe for concurrent
// use.
func NewClientFactory(cfg ClientConfig) (ClientFactory, error) {
	if cfg.AppID <= 0 {
		return nil, errors.New("creating GitHub clients: App id is required")
	}
	key, err := parsePrivateKey(cfg.PrivateKey)
	if err != nil {
		return nil, err
	}
	root, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	f := &ghFactory{cfg: cfg, root: root, key: key, clients: map[int64]*ghClient{}}
	return f.client, nil
}

func (f *ghFactory) client(installationID int64) (Client, error) {
	if installationID <= 0 {
		return nil, fmt.Errorf("creating GitHub client: invalid installation id %d", installationID)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.clients[installationID]; ok {
		return c, nil
	}
	rt := newRetryTransport(f.cfg, f.root.url, newMutationPacer(f.cfg.MutationInterval))
	atr := ghinstallation.NewAppsTransportFromPrivateKey(rt, f.cfg.AppID, f.key)
	atr.BaseURL = f.root.trimmed
	itr := ghinstallation.NewFromAppsTransport(atr, installationID)
	c := &ghClient{gh: f.root.newClient(itr), download: &http.Client{Transport: rt}}
	f.clients[installationID] = c
	return c, nil
}

// AppCredentials is what GitHub hands back when an App is registered from a
// manifest.
type AppCredentials struct {
	ID            int64
	Slug          string
	PEM           string
	WebhookSecret string
	ClientID      string
	ClientSecret  string
	HTMLURL       string
}

// AppClient talks to GitHub as the App itself (JWT), not as an installation.
type AppClient struct {
	app  *github.Client // nil without App credentials
	anon *github.Client
}

// NewAppClient returns a client acting as the App. Without AppID and
// PrivateKey only ConvertManifest works (registration needs no credentials).
func NewAppClient(cfg ClientConfig) (*AppClient, error) {
	root, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	rt := newRetryTransport(cfg, root.url, nil)
	c := &AppClient{anon: root.newClient(rt)}
	if cfg.AppID == 0 && len(cfg.PrivateKey) == 0 {
		return c, nil
	}
	key, err := parsePrivateKey(cfg.PrivateKey)
	if err != nil {
		return nil, err
	}
	atr := ghinstallation.NewAppsTransportFromPrivateKey(rt, cfg.AppID, key)
	atr.BaseURL = root.trimmed
	c.app = root.newClient(atr)
	return c, nil
}

var errNoAppCredentials = errors.New("no App id and private key configured")

// App returns the App's slug; its bot user is "<slug>[bot]".
func (c *AppClient) App(ctx context.Context) (string, error) {
	if c.app == nil {
		return "", fmt.Errorf("getting the App: %w", errNoAppCredentials)
	}
	app, resp, err := c.app.Apps.Get(ctx, "")
	if err != nil {
		return "", wrapGitHubErr("getting the App", resp, err)
	}
	return app.GetSlug(), nil
}

// Installations lists the ids of the App's installations.
func (c *AppClient) Installations(ctx context.Context) ([]int64, error) {
	if c.app == nil {
		return nil, fmt.Errorf("listing installations: %w", errNoAppCredentials)
	}
	var ids []int64
	opts := &github.ListOptions{PerPage: 100}
	for {
		page, resp, err := c.app.Apps.ListInstallations(ctx, opts)
		if err != nil {
			return nil, wrapGitHubErr("listing installations", resp, err)
		}
		for _, in := range page {
			ids = append(ids, in.GetID())
		}
		if resp.NextPage == 0 {
			return ids, nil
		}
		opts.Page = resp.NextPage
	}
}

// ConvertManifest exchanges the code GitHub gave after an App was created
// from a manifest for the App's credentials. The code is valid for one hour
// and one use.
func (c *AppClient) ConvertManifest(ctx context.Context, code string) (*AppCredentials, error) {
	cfg, resp, err := c.anon.Apps.CompleteAppManifest(ctx, url.PathEscape(code))
	if err != nil {
		return nil, wrapGitHubErr("converting the App manifest", resp, err)
	}
	return &AppCredentials{
		ID:            cfg.GetID(),
		Slug:          cfg.GetSlug(),
		PEM:           cfg.GetPEM(),
		WebhookSecret: cfg.GetWebhookSecret(),
		ClientID:      cfg.GetClientID(),
		ClientSecret:  cfg.GetClientSecret(),
		HTMLURL:       cfg.GetHTMLURL(),
	}, nil
}

// wrapGitHubErr adds context to a go-github error and makes 404 match ErrNotFound.
func wrapGitHubErr(what string, resp *github.Response, err error) error {
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%s: %w (%w)", what, ErrNotFound, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
