package render

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// ociRegistry is a minimal OCI registry serving chart acme/demo:1.0.0. With
// realm set it answers anonymous requests with a Bearer challenge naming
// that realm ("self" for its own /token endpoint). layerDigest, when set,
// is what the manifest claims the chart layer's digest is.
type ociRegistry struct {
	srv      *httptest.Server
	requests atomic.Int64
	paths    []string
}

func newOCIRegistry(t *testing.T, realm, layerDigest string) *ociRegistry {
	t.Helper()
	tgz := chartArchive(t, map[string]string{
		"demo/Chart.yaml":        "apiVersion: v2\nname: demo\nversion: 1.0.0\n",
		"demo/values.yaml":       "message: from the registry\n",
		"demo/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-demo\ndata:\n  message: {{ .Values.message | quote }}\n",
	})
	sum := sha256.Sum256(tgz)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	if layerDigest == "" {
		layerDigest = digest
	}
	manifest := fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"sha256:%s","size":2},"layers":[{"mediaType":%q,"digest":%q,"size":%d}]}`,
		ociManifestType, strings.Repeat("1", 64), helmLayerType, layerDigest, len(tgz))
	r := &ociRegistry{}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		r.paths = append(r.paths, req.URL.Path)
		if req.URL.Path == "/token" {
			if req.URL.Query().Get("scope") != "repository:acme/demo:pull" || req.URL.Query().Get("service") != "test-registry" {
				http.Error(w, "bad scope", http.StatusBadRequest)
				return
			}
			fmt.Fprint(w, `{"token":"anon-token"}`)
			return
		}
		if realm != "" && req.Header.Get("Authorization") != "Bearer anon-token" {
			rl := realm
			if rl == "self" {
				rl = r.srv.URL + "/token"
			}
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm=%q,service="test-registry",scope="repository:acme/demo:pull"`, rl))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch req.URL.Path {
		case "/v2/acme/demo/manifests/1.0.0":
			if !strings.Contains(req.Header.Get("Accept"), ociManifestType) {
				http.Error(w, "not acceptable", http.StatusNotAcceptable)
				return
			}
			w.Header().Set("Content-Type", ociManifestType)
			fmt.Fprint(w, manifest)
		case "/v2/acme/demo/blobs/" + layerDigest:
			_, _ = w.Write(tgz)
		default:
			http.NotFound(w, req)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *ociRegistry) repo() string {
	return "oci://" + strings.TrimPrefix(r.srv.URL, "https://") + "/acme"
}

func TestHelmOCIChart(t *testing.T) {
	want := "apiVersion: v1\ndata:\n  message: from the overlay\nkind: ConfigMap\nmetadata:\n  name: web-demo\n"
	for _, c := range []struct {
		name, realm  string
		wantRequests int64
	}{
		{"anonymous registry", "", 2},                   // manifest, blob
		{"registry with an anonymous token", "self", 4}, // manifest (401), token, manifest, blob
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := newOCIRegistry(t, c.realm, "")
			fetcher := NewChartFetcher(reg.srv.Client())
			allowed := WithHelm(context.Background(), HelmOptions{Allow: []string{reg.repo() + "/"}, Fetcher: fetcher})
			got, err := remoteTree(t, reg.repo(), "1.0.0").RenderYAML(allowed, "app")
			if err != nil {
				t.Fatalf("allow-listed OCI chart: %v", err)
			}
			if string(got) != want {
				t.Errorf("rendered\n%s\nwant\n%s", got, want)
			}
			if n := reg.requests.Load(); n != c.wantRequests {
				t.Errorf("first render made %d requests (%v), want %d", n, reg.paths, c.wantRequests)
			}
			if _, err := remoteTree(t, reg.repo(), "1.0.0").RenderYAML(allowed, "app"); err != nil {
				t.Fatalf("second render: %v", err)
			}
			if n := reg.requests.Load() - c.wantRequests; n != 0 {
				t.Errorf("second render made %d more requests, want none", n)
			}
		})
	}
}

func TestHelmOCIRefused(t *testing.T) {
	for _, c := range []struct {
		name         string
		realm        string
		layerDigest  string
		allow        func(repo string) []string
		wantErr      string
		wantRequests int64
	}{
		{name: "not allow-listed", allow: func(string) []string { return []string{"oci://ghcr.io/acme/"} },
			wantErr: "/acme/demo is not allowed: add it to remote.allow"},
		{name: "another path on the same registry", allow: func(repo string) []string { return []string{repo + "-other/"} },
			wantErr: "is not allowed"},
		{name: "layer digest mismatch", layerDigest: "sha256:" + strings.Repeat("a", 64), allow: func(repo string) []string { return []string{repo} },
			wantErr: "does not match the manifest (sha256:aaaa", wantRequests: 2},
		{name: "token realm on a host that is not allow-listed", realm: "https://auth.example.invalid/token", allow: func(repo string) []string { return []string{repo} },
			wantErr: "token realm https://auth.example.invalid/token of registry", wantRequests: 1},
		{name: "token realm over plain HTTP", realm: "http://auth.example.invalid/token", allow: func(repo string) []string { return []string{repo} },
			wantErr: "is not HTTPS", wantRequests: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := newOCIRegistry(t, c.realm, c.layerDigest)
			ctx := WithHelm(context.Background(), HelmOptions{Allow: c.allow(reg.repo()), Fetcher: NewChartFetcher(reg.srv.Client())})
			_, err := remoteTree(t, reg.repo(), "1.0.0").RenderYAML(ctx, "app")
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("want an error with %q, got %v", c.wantErr, err)
			}
			if n := reg.requests.Load(); n != c.wantRequests {
				t.Errorf("made %d requests (%v), want %d", n, reg.paths, c.wantRequests)
			}
		})
	}
}

func TestParseChallenge(t *testing.T) {
	got := parseChallenge(`realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/demo:pull,push"`)
	want := map[string]string{"realm": "https://ghcr.io/token", "service": "ghcr.io", "scope": "repository:acme/demo:pull,push"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parseChallenge = %v, want %v", got, want)
	}
}

// A chart's locked dependency on an allow-listed OCI registry is fetched.
func TestHelmOCIDependency(t *testing.T) {
	reg := newOCIRegistry(t, "", "")
	repo := reg.repo()
	ctx := WithHelm(context.Background(), HelmOptions{Allow: []string{repo}, Fetcher: NewChartFetcher(reg.srv.Client())})
	got, err := dependencyTree(t, fmt.Sprintf(parentChart, `"~1.0.0"`, repo), lockFor(t, repo, `"~1.0.0"`, "1.0.0", "")).RenderYAML(ctx, "app")
	if err != nil {
		t.Fatalf("OCI dependency: %v", err)
	}
	if !strings.Contains(string(got), "message: from the parent\nkind: ConfigMap\nmetadata:\n  name: web-demo\n") {
		t.Errorf("rendered\n%s", got)
	}
	if n := reg.requests.Load(); n != 2 {
		t.Errorf("made %d requests (%v), want 2", n, reg.paths)
	}
}
