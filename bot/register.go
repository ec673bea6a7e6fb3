package bot

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// RegisterConfig configures the GitHub App manifest flow.
type RegisterConfig struct {
	// Manifest is app.yml.
	Manifest []byte
	// WebURL is GitHub's web root: https://github.com, or https://HOST for
	// GitHub Enterprise Server.
	WebURL string
	// APIURL is the REST API root the conversion is posted to.
	APIURL string
	// Org registers the App under an organization; empty means the
	// signed-in user's account.
	Org string
	// Name overrides the manifest's App name (GitHub requires it unique).
	Name string
	// WebhookURL is where GitHub will deliver webhooks.
	WebhookURL string
	// OutDir receives the credentials; existing files are never overwritten
	// unless Force is set.
	OutDir string
	Force  bool
	// Transport reaches GitHub's API (http.DefaultTransport when nil).
	Transport http.RoundTripper
}

// Credential files written by a registration, each with mode 0600.
const (
	AppIDFile         = "kustoguard-app-id"
	PrivateKeyFile    = "kustoguard-private-key.pem"
	WebhookSecretFile = "kustoguard-webhook-secret"
	EnvFile           = "kustoguard.env"
)

// Registered is what a completed registration produced.
type Registered struct {
	AppID   int64
	Slug    string
	HTMLURL string
	// Files are the paths written, in the order above.
	Files []string
}

// Registration serves the local pages of the manifest flow: "/" posts the
// manifest to GitHub, and GitHub redirects the browser to "/callback" with
// a code that is exchanged for the App's credentials.
type Registration struct {
	cfg      RegisterConfig
	state    string
	manifest string // JSON, with the callback URL filled in
	done     chan struct{}
	result   *Registered
	err      error
}

// NewRegistration prepares a registration whose pages are served at
// baseURL (the address the local listener answers on, e.g.
// http://127.0.0.1:43123).
func NewRegistration(cfg RegisterConfig, baseURL string) (*Registration, error) {
	if cfg.WebhookURL == "" {
		return nil, errors.New("registering: a webhook URL is required")
	}
	if u, err := url.Parse(cfg.WebhookURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("registering: webhook URL %q is not an http(s) URL", cfg.WebhookURL)
	}
	if cfg.WebURL == "" {
		cfg.WebURL = "https://github.com"
	}
	cfg.WebURL = strings.TrimSuffix(cfg.WebURL, "/")
	if cfg.OutDir == "" {
		cfg.OutDir = "."
	}
	if !cfg.Force {
		for _, n := range []string{AppIDFile, PrivateKeyFile, WebhookSecretFile, EnvFile} {
			if _, err := os.Stat(filepath.Join(cfg.OutDir, n)); err == nil {
				return nil, fmt.Errorf("registering: %s already exists (use --force to replace it)", filepath.Join(cfg.OutDir, n))
			}
		}
	}
	manifest, err := manifestJSON(cfg, strings.TrimSuffix(baseURL, "/")+"/callback")
	if err != nil {
		return nil, err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("registering: %w", err)
	}
	return &Registration{cfg: cfg, state: hex.EncodeToString(b), manifest: manifest, done: make(chan struct{})}, nil
}

// manifestJSON converts app.yml to the JSON GitHub expects, with the
// webhook and redirect URLs of this installation.
func manifestJSON(cfg RegisterConfig, callback string) (string, error) {
	var m map[string]any
	if err := yaml.Unmarshal(cfg.Manifest, &m); err != nil {
		return "", fmt.Errorf("reading the App manifest: %w", err)
	}
	if m == nil {
		return "", errors.New("reading the App manifest: it is empty")
	}
	hook, _ := m["hook_attributes"].(map[string]any)
	if hook == nil {
		hook = map[string]any{}
	}
	hook["url"] = cfg.WebhookURL
	m["hook_attributes"] = hook
	m["redirect_url"] = callback
	if cfg.Name != "" {
		m["name"] = cfg.Name
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encoding the App manifest: %w", err)
	}
	return string(b), nil
}

// NewAppURL is where the manifest is posted.
func (g *Registration) NewAppURL() string {
	u := g.cfg.WebURL + "/settings/apps/new"
	if g.cfg.Org != "" {
		u = g.cfg.WebURL + "/organizations/" + url.PathEscape(g.cfg.Org) + "/settings/apps/new"
	}
	return u + "?state=" + g.state
}

var startPage = template.Must(template.New("start").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Register kustoguard</title></head>
<body>
<h1>Register the kustoguard GitHub App</h1>
<p>This sends kustoguard's App manifest (permissions and events of app.yml) to GitHub{{if .Org}} for the organization <b>{{.Org}}</b>{{end}}.
GitHub shows you the App before creating it.</p>
<form id="register" action="{{.Action}}" method="post">
<input type="hidden" name="manifest" value="{{.Manifest}}">
<button type="submit">Create the App on GitHub</button>
</form>
</body></html>
`))

var donePage = template.Must(template.New("done").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>kustoguard registered</title></head>
<body>
<h1>{{if .Err}}Registration failed{{else}}Registered {{.Slug}}{{end}}</h1>
{{if .Err}}<p>{{.Err}}</p>{{else}}<p>The App's credentials are in {{.Dir}}. Install the App on your repositories:
<a href="{{.HTMLURL}}/installations/new">{{.HTMLURL}}/installations/new</a>. You can close this page.</p>{{end}}
</body></html>
`))

// ServeHTTP serves the start page and the callback.
func (g *Registration) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = startPage.Execute(w, map[string]string{"Action": g.NewAppURL(), "Manifest": g.manifest, "Org": g.cfg.Org})
	case "/callback":
		g.callback(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (g *Registration) callback(w http.ResponseWriter, r *http.Request) {
	select {
	case <-g.done:
		http.Error(w, "this registration is already complete", http.StatusConflict)
		return
	default:
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(g.state)) != 1 {
		http.Error(w, "unknown registration state", http.StatusBadRequest)
		return
	}
	code := q.Get("code")
	if code == "" {
		http.Error(w, "GitHub sent no code", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	res, err := g.complete(ctx, code)
	g.result, g.err = res, err
	close(g.done)
	data := map[string]any{"Dir": g.cfg.OutDir}
	if err != nil {
		data["Err"] = err.Error()
		w.WriteHeader(http.StatusBadGateway)
	} else {
		data["Slug"], data["HTMLURL"] = res.Slug, res.HTMLURL
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = donePage.Execute(w, data)
}

// complete exchanges the code for the App's credentials and writes them.
func (g *Registration) complete(ctx context.Context, code string) (*Registered, error) {
	client, err := NewAppClient(ClientConfig{BaseURL: g.cfg.APIURL, Transport: g.cfg.Transport})
	if err != nil {
		return nil, fmt.Errorf("registering: %w", err)
	}
	creds, err := client.ConvertManifest(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("registering: %w", err)
	}
	if err := os.MkdirAll(g.cfg.OutDir, 0o700); err != nil {
		return nil, fmt.Errorf("registering: %w", err)
	}
	keyPath, err := filepath.Abs(filepath.Join(g.cfg.OutDir, PrivateKeyFile))
	if err != nil {
		return nil, fmt.Errorf("registering: %w", err)
	}
	env := strings.Join([]string{
		"KUSTOGUARD_APP_ID=" + strconv.FormatInt(creds.ID, 10),
		"KUSTOGUARD_PRIVATE_KEY_FILE=" + keyPath,
		"KUSTOGUARD_WEBHOOK_SECRET=" + creds.WebhookSecret,
		"KUSTOGUARD_GITHUB_API_URL=" + g.cfg.APIURL,
		"KUSTOGUARD_BOT_LOGIN=" + creds.Slug + "[bot]",
	}, "\n") + "\n"
	files := []struct {
		name    string
		content string
	}{
		{AppIDFile, strconv.FormatInt(creds.ID, 10) + "\n"},
		{PrivateKeyFile, creds.PEM},
		{WebhookSecretFile, creds.WebhookSecret + "\n"},
		{EnvFile, env},
	}
	res := &Registered{AppID: creds.ID, Slug: creds.Slug, HTMLURL: creds.HTMLURL}
	for _, f := range files {
		p := filepath.Join(g.cfg.OutDir, f.name)
		if err := writeSecretFile(p, []byte(f.content), g.cfg.Force); err != nil {
			return nil, fmt.Errorf("registering: %w", err)
		}
		res.Files = append(res.Files, p)
	}
	return res, nil
}

// writeSecretFile writes a file only its owner can read, never following
// or replacing an existing file unless force is set.
func writeSecretFile(path string, data []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// Wait blocks until GitHub called back (or ctx ends) and returns what was
// registered.
func (g *Registration) Wait(ctx context.Context) (*Registered, error) {
	select {
	case <-g.done:
		return g.result, g.err
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for GitHub's redirect: %w", ctx.Err())
	}
}

// Register runs the whole flow on listener l: it serves the pages until
// GitHub calls back or ctx ends. announce is called with the start page's
// URL once the listener serves.
func Register(ctx context.Context, cfg RegisterConfig, l net.Listener, announce func(startURL string)) (*Registered, error) {
	base := "http://" + l.Addr().String()
	g, err := NewRegistration(cfg, base)
	if err != nil {
		l.Close()
		return nil, err
	}
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if announce != nil {
		announce(base + "/")
	}
	return g.Wait(ctx)
}
