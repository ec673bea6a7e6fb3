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

// chartRepo serves one chart, demo 1.0.0, as an HTTPS chart repository
// and counts the requests it gets.
func chartRepo(t *testing.T, digest string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	tgz := chartArchive(t, map[string]string{
		"demo/Chart.yaml":          "apiVersion: v2\nname: demo\nversion: 1.0.0\n",
		"demo/values.yaml":         "message: from the repository\n",
		"demo/templates/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-demo\ndata:\n  message: {{ .Values.message | quote }}\n",
		"demo/templates/NOTES.txt": "thanks\n",
	})
	if digest == "" {
		sum := sha256.Sum256(tgz)
		digest = hex.EncodeToString(sum[:])
	}
	var n atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		switch r.URL.Path {
		case "/charts/index.yaml":
			fmt.Fprintf(w, "apiVersion: v1\nentries:\n  demo:\n    - version: 1.0.0\n      digest: %s\n      urls: [demo-1.0.0.tgz]\n", digest)
		case "/charts/demo-1.0.0.tgz":
			_, _ = w.Write(tgz)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func remoteTree(t *testing.T, repo, version string) *Tree {
	t.Helper()
	tree, err := FromFiles(map[string][]byte{
		"app/kustomization.yaml": []byte(fmt.Sprintf("helmCharts:\n  - name: demo\n    repo: %s\n    version: %q\n    releaseName: web\n    valuesInline:\n      message: from the overlay\n", repo, version)),
	}, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestHelmRemoteChartRepository(t *testing.T) {
	srv, requests := chartRepo(t, "")
	repo := srv.URL + "/charts"
	fetcher := NewChartFetcher(srv.Client())
	want := "apiVersion: v1\ndata:\n  message: from the overlay\nkind: ConfigMap\nmetadata:\n  name: web-demo\n"

	allowed := WithHelm(context.Background(), HelmOptions{Allow: []string{repo}, Fetcher: fetcher})
	got, err := remoteTree(t, repo, "1.0.0").RenderYAML(allowed, "app")
	if err != nil {
		t.Fatalf("allow-listed chart: %v", err)
	}
	if string(got) != want {
		t.Errorf("allow-listed chart rendered\n%s\nwant\n%s", got, want)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("first render made %d requests, want 2 (index and archive)", n)
	}

	// A second review of another commit naming the same chart uses the cache.
	if _, err := remoteTree(t, repo, "1.0.0").RenderYAML(allowed, "app"); err != nil {
		t.Fatalf("second render: %v", err)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("second render made %d more requests, want none", n-2)
	}

	for _, c := range []struct {
		name    string
		opts    HelmOptions
		version string
		wantErr string
	}{
		{"no allow-list", HelmOptions{Fetcher: fetcher}, "1.0.0",
			"remote chart source " + repo + " is not allowed: add it to remote.allow in .github/kustoguard.yml on the base branch"},
		{"another repository allowed", HelmOptions{Allow: []string{srv.URL + "/charts-other", "https://example.com/"}, Fetcher: fetcher}, "1.0.0",
			"is not allowed"},
		{"floating version", HelmOptions{Allow: []string{repo}, Fetcher: fetcher}, "^1.0.0",
			`needs a pinned version, not "^1.0.0"`},
		{"no version", HelmOptions{Allow: []string{repo}, Fetcher: fetcher}, "",
			`needs a pinned version, not ""`},
		{"fetching off", HelmOptions{Allow: []string{repo}}, "1.0.0",
			"fetching is off here (kustoguard check fetches with --allow-remote)"},
		{"helm disabled", HelmOptions{Disabled: true, Allow: []string{repo}, Fetcher: fetcher}, "1.0.0",
			"helm charts are not supported"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := requests.Load()
			fresh := c.opts
			if fresh.Fetcher != nil {
				fresh.Fetcher = NewChartFetcher(srv.Client()) // no cached copy to hide a request
			}
			_, err := remoteTree(t, repo, c.version).RenderYAML(WithHelm(context.Background(), fresh), "app")
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("want an error with %q, got %v", c.wantErr, err)
			}
			if n := requests.Load() - before; n != 0 {
				t.Errorf("a refused source cost %d requests, want none", n)
			}
		})
	}
}

func TestHelmRemoteDigestMismatch(t *testing.T) {
	srv, _ := chartRepo(t, strings.Repeat("0", 64))
	repo := srv.URL + "/charts"
	ctx := WithHelm(context.Background(), HelmOptions{Allow: []string{repo}, Fetcher: NewChartFetcher(srv.Client())})
	_, err := remoteTree(t, repo, "1.0.0").RenderYAML(ctx, "app")
	if err == nil || !strings.Contains(err.Error(), "does not match the index") {
		t.Fatalf("want a digest mismatch, got %v", err)
	}
}

func TestAllowedSource(t *testing.T) {
	allow := []string{"https://charts.acme.io/stable", "oci://ghcr.io/acme/"}
	for src, want := range map[string]bool{
		"https://charts.acme.io/stable":       true,
		"https://charts.acme.io/stable/":      true,
		"https://charts.acme.io/stable/extra": true,
		"https://charts.acme.io/stable-evil":  false,
		"https://charts.acme.io":              false,
		"oci://ghcr.io/acme/podinfo":          true,
		"oci://ghcr.io/acmecorp/podinfo":      false,
		"http://charts.acme.io/stable":        false,
	} {
		if got := allowedSource(allow, src); got != want {
			t.Errorf("allowedSource(%q) = %v, want %v", src, got, want)
		}
	}
}

// RenderIsolated renders an allow-listed remote chart too (its fetcher
// stays with the caller), and refuses one that is not allowed.
func TestHelmRemoteChartIsolated(t *testing.T) {
	srv, requests := chartRepo(t, "")
	repo := srv.URL + "/charts"
	allowed := WithHelm(context.Background(), HelmOptions{Allow: []string{repo}, Fetcher: NewChartFetcher(srv.Client())})
	objs, err := remoteTree(t, repo, "1.0.0").RenderIsolated(allowed, "app")
	if err != nil {
		t.Fatalf("isolated render of an allow-listed chart: %v", err)
	}
	if len(objs) != 1 || objs[0].ID.Name != "web-demo" || objs[0].Fields["data"].(map[string]any)["message"] != "from the overlay" {
		t.Errorf("rendered %+v", objs)
	}
	before := requests.Load()
	_, err = remoteTree(t, repo, "1.0.0").RenderIsolated(WithHelm(context.Background(), HelmOptions{Fetcher: NewChartFetcher(srv.Client())}), "app")
	if err == nil || !strings.Contains(err.Error(), "is not allowed") {
		t.Fatalf("isolated render without an allow-list: %v", err)
	}
	if n := requests.Load() - before; n != 0 {
		t.Errorf("a refused source cost %d requests, want none", n)
	}
}

// TestChartFetcher_cacheBoundedInBytes: the archive cache evicts the
// oldest entries to stay within its byte bound, forgets the references to
// what it evicted, and keeps the newest.
func TestChartFetcher_cacheBoundedInBytes(t *testing.T) {
	f := NewChartFetcher(nil)
	f.maxBytes = 10 << 10
	for i := range 8 {
		f.store(fmt.Sprintf("repo|c|%d", i), fmt.Sprintf("digest-%d", i), make([]byte, 3<<10))
	}
	if f.total > f.maxBytes {
		t.Errorf("cache holds %d bytes, over its bound of %d", f.total, f.maxBytes)
	}
	if _, ok := f.cached("repo|c|7"); !ok {
		t.Error("the newest archive was evicted")
	}
	if _, ok := f.cached("repo|c|0"); ok {
		t.Error("the oldest archive is still cached")
	}
	if len(f.byRef) != len(f.byHash) {
		t.Errorf("%d references for %d archives: evicted archives' references linger", len(f.byRef), len(f.byHash))
	}
}
