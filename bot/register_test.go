package bot

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"html"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kustoguard/kustoguard"
	"github.com/kustoguard/kustoguard/bot/githubtest"
)

// browse fetches a registration page the way a browser would.
func browse(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var (
	formAction    = regexp.MustCompile(`action="([^"]+)"`)
	formManifest  = regexp.MustCompile(`name="manifest" value="([^"]+)"`)
	stateInAction = regexp.MustCompile(`state=([0-9a-f]+)`)
)

func TestRegisterManifestFlow(t *testing.T) {
	gh := githubtest.New()
	defer gh.Close()
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan string, 1)
	type outcome struct {
		res *Registered
		err error
	}
	done := make(chan outcome, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() {
		res, err := Register(ctx, RegisterConfig{
			Manifest:   kustoguard.AppManifest,
			WebURL:     "https://github.example.com",
			APIURL:     gh.URL(),
			Org:        "acme",
			WebhookURL: "https://kustoguard.acme.dev/api/github/webhooks",
			OutDir:     dir,
		}, l, func(u string) { started <- u })
		done <- outcome{res, err}
	}()
	start := <-started

	// The start page posts the manifest to GitHub's new-App page.
	code, page := browse(t, start)
	if code != http.StatusOK {
		t.Fatalf("start page: %d", code)
	}
	action := html.UnescapeString(formAction.FindStringSubmatch(page)[1])
	if !strings.HasPrefix(action, "https://github.example.com/organizations/acme/settings/apps/new?state=") {
		t.Errorf("form posts to %s", action)
	}
	var manifest struct {
		Name        string            `json:"name"`
		RedirectURL string            `json:"redirect_url"`
		Public      bool              `json:"public"`
		Hook        map[string]any    `json:"hook_attributes"`
		Permissions map[string]string `json:"default_permissions"`
		Events      []string          `json:"default_events"`
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(formManifest.FindStringSubmatch(page)[1])), &manifest); err != nil {
		t.Fatalf("manifest in the form: %v", err)
	}
	if manifest.Hook["url"] != "https://kustoguard.acme.dev/api/github/webhooks" || manifest.RedirectURL != start+"callback" || manifest.Public {
		t.Errorf("manifest: hook %v, redirect %s, public %v", manifest.Hook, manifest.RedirectURL, manifest.Public)
	}

	// A callback with another state is refused and completes nothing.
	if code, _ := browse(t, start+"callback?code=stolen&state=0000"); code != http.StatusBadRequest {
		t.Errorf("forged state answered %d, want 400", code)
	}
	// GitHub redirects the browser back with a code.
	state := stateInAction.FindStringSubmatch(action)[1]
	if code, body := browse(t, start+"callback?code=c0de&state="+state); code != http.StatusOK {
		t.Fatalf("callback: %d %s", code, body)
	}
	out := <-done
	if out.err != nil {
		t.Fatal(out.err)
	}
	if out.res.AppID != gh.AppID || out.res.Slug != gh.AppSlug {
		t.Errorf("registered %+v", out.res)
	}
	for _, f := range out.res.Files {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	id, _ := os.ReadFile(filepath.Join(dir, AppIDFile))
	if strings.TrimSpace(string(id)) != strconv.FormatInt(gh.AppID, 10) {
		t.Errorf("app id file: %q", id)
	}
	keyPEM, _ := os.ReadFile(filepath.Join(dir, PrivateKeyFile))
	if block, _ := pem.Decode(keyPEM); block == nil {
		t.Error("private key file holds no PEM")
	} else if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
		t.Errorf("private key: %v", err)
	}

	// The server starts with exactly what was written.
	env := map[string]string{}
	envFile, _ := os.ReadFile(filepath.Join(dir, EnvFile))
	for _, line := range strings.Split(strings.TrimSpace(string(envFile)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	env["KUSTOGUARD_LISTEN"] = "127.0.0.1:0"
	cfg, err := ParseConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatalf("config from the written credentials: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config from the written credentials: %v", err)
	}
	srv, err := NewAppServer(ctx, cfg, NewLogger(cfg, io.Discard))
	if err != nil {
		t.Fatalf("starting the server with the written credentials: %v", err)
	}
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(sl) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _ := browse(t, "http://"+sl.Addr().String()+"/readyz")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server never became ready (last %d)", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRegisterRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, PrivateKeyFile), []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := NewRegistration(RegisterConfig{Manifest: kustoguard.AppManifest, WebhookURL: "https://x.example/hook", OutDir: dir}, "http://127.0.0.1:1")
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("got %v, want an already-exists error", err)
	}
	if _, err := NewRegistration(RegisterConfig{Manifest: kustoguard.AppManifest, WebhookURL: "ftp://x"}, "http://127.0.0.1:1"); err == nil {
		t.Error("a non-http webhook URL was accepted")
	}
}
