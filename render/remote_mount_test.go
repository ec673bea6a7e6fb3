package render

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeRepos serves GitHub repositories from memory and counts requests.
type fakeRepos struct {
	mu    sync.Mutex
	repos map[string]map[string][]byte // owner/repo@ref → files
	deny  map[string]string            // owner/repo → why
	calls []string
}

func (f *fakeRepos) FetchRepo(_ context.Context, owner, repo, ref string) (*Tree, error) {
	f.mu.Lock()
	f.calls = append(f.calls, owner+"/"+repo+"@"+ref)
	f.mu.Unlock()
	if why, ok := f.deny[owner+"/"+repo]; ok {
		return nil, errors.New(why)
	}
	files, ok := f.repos[owner+"/"+repo+"@"+ref]
	if !ok {
		return nil, fmt.Errorf("%s/%s has no ref %s", owner, repo, ref)
	}
	return FromFiles(files, DefaultLimits())
}

func (f *fakeRepos) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

const sharedDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
`

func sharedBases() *fakeRepos {
	return &fakeRepos{repos: map[string]map[string][]byte{
		"acme/shared-bases@v1.0.0": {
			"base/kustomization.yaml":   []byte("resources:\n  - deployment.yaml\n  - ../common\n"),
			"base/deployment.yaml":      []byte(sharedDeployment),
			"common/kustomization.yaml": []byte("resources:\n  - sa.yaml\n"),
			"common/sa.yaml":            []byte("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n"),
		},
		"acme/escape@v1.0.0": {
			"kustomization.yaml": []byte("resources:\n  - ../../apps/web/prod/kustomization.yaml\n"),
		},
		"acme/wrapper@v1.0.0": {
			"kustomization.yaml": []byte("commonLabels: {team: web}\nresources:\n  - github.com/acme/shared-bases//base?ref=v1.0.0\n"),
		},
		"acme/nested@v2.0.0": {
			"kustomization.yaml": []byte("resources:\n  - github.com/other/secret//x?ref=v1.0.0\n"),
		},
	}}
}

func overlayTree(t *testing.T, entry string) *Tree {
	t.Helper()
	tree, err := FromFiles(map[string][]byte{
		"apps/web/prod/kustomization.yaml": []byte(fmt.Sprintf("namePrefix: prod-\nresources:\n  - %s\n", entry)),
	}, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestRemoteGitHubBaseRenders(t *testing.T) {
	repos := sharedBases()
	tree := overlayTree(t, "github.com/acme/shared-bases//base?ref=v1.0.0")
	ctx := WithHelm(context.Background(), HelmOptions{Allow: []string{"github.com/acme/"}, Repos: repos})
	objs, err := tree.Render(ctx, "apps/web/prod")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.ID.Kind+"/"+o.ID.Name)
		// Objects of the fetched base point at the entry that named it.
		if want := (Source{File: "apps/web/prod/kustomization.yaml", Line: 3}); o.Source != want || o.SourceOf("spec", "template") != want {
			t.Errorf("%s: source %+v, want %+v", o.ID.Name, o.Source, want)
		}
	}
	if got, want := strings.Join(names, ","), "ServiceAccount/prod-web,Deployment/prod-web"; got != want {
		t.Errorf("objects = %s, want %s", got, want)
	}
	y, err := tree.RenderYAML(ctx, "apps/web/prod")
	if err != nil || !strings.Contains(string(y), "name: prod-web") {
		t.Errorf("RenderYAML = %s, %v", y, err)
	}
	if repos.count() != 2 {
		t.Errorf("fetcher called %d times for two renders, want 2 (the server's fetcher caches)", repos.count())
	}
	if _, ok := tree.ReadFile(remoteDir + "/x"); ok || tree.isDir(remoteDir) {
		t.Error("the shared tree changed")
	}
}

func TestRemoteGitHubRefused(t *testing.T) {
	tests := []struct {
		name, entry string
		allow       []string
		noFetcher   bool
		wantErr     string
		wantCalls   int
	}{
		{"not allow-listed", "github.com/acme/shared-bases//base?ref=v1.0.0", []string{"github.com/other/"}, false,
			`remote reference "github.com/acme/shared-bases//base?ref=v1.0.0" is not allowed: to fetch it, allow it in the base branch's .github/kustoguard.yml with remote: {allow: ["github.com/acme/"]}`, 0},
		{"no allow-list", "github.com/acme/shared-bases//base?ref=v1.0.0", nil, false, "is not allowed", 0},
		{"prefix of a name", "github.com/acme-evil/x//base?ref=v1.0.0", []string{"github.com/acme"}, false, "is not allowed", 0},
		{"floating branch", "github.com/acme/shared-bases//base?ref=main", []string{"github.com/acme/"}, false,
			`remote source github.com/acme/shared-bases//base?ref=main: ref "main" is not pinned`, 0},
		{"no ref", "github.com/acme/shared-bases//base", []string{"github.com/acme/"}, false, "needs a pinned ref", 0},
		{"fetching off", "github.com/acme/shared-bases//base?ref=v1.0.0", []string{"github.com/acme/"}, true, "fetched only by the server", 0},
		{"private, author cannot read", "github.com/acme/private//base?ref=v1.0.0", []string{"github.com/acme/"}, false,
			"remote source github.com/acme/private//base?ref=v1.0.0: acme/private is private and @mallory cannot read it", 1},
		{"missing directory", "github.com/acme/shared-bases//nope?ref=v1.0.0", []string{"github.com/acme/"}, false, "has no directory nope", 1},
		{"nested remote not allowed", "github.com/acme/nested?ref=v2.0.0", []string{"github.com/acme/"}, false,
			`remote reference "github.com/other/secret//x?ref=v1.0.0" is not allowed`, 1},
		{"fetched base leaves its mount", "github.com/acme/escape?ref=v1.0.0", []string{"github.com/acme/"}, false,
			`path "../../apps/web/prod/kustomization.yaml" leaves the remote source`, 1},
		{"https spelling", "https://github.com/acme/shared-bases.git//base?ref=v1.0.0", []string{"https://github.com/acme/"}, false, "", 1},
		{"scp spelling", "git@github.com:acme/shared-bases.git//base?ref=v1.0.0", []string{"github.com/acme/shared-bases"}, false, "", 1},
		{"sha ref", "github.com/acme/shared-bases//base?ref=0123456789abcdef0123456789abcdef01234567", []string{"github.com/acme/"}, false, "has no ref", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repos := sharedBases()
			repos.deny = map[string]string{"acme/private": "acme/private is private and @mallory cannot read it"}
			opts := HelmOptions{Allow: tt.allow, Repos: repos}
			if tt.noFetcher {
				opts.Repos = nil
			}
			_, err := overlayTree(t, tt.entry).Render(WithHelm(context.Background(), opts), "apps/web/prod")
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Render: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Render error = %v, want it to contain %q", err, tt.wantErr)
			}
			if repos.count() != tt.wantCalls {
				t.Errorf("fetcher called %d times (%v), want %d", repos.count(), repos.calls, tt.wantCalls)
			}
		})
	}
}

func TestRemoteHTTPSFile(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.URL.Path != "/manifests/v1/deployment.yaml" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(sharedDeployment))
	}))
	defer srv.Close()
	entry := srv.URL + "/manifests/v1/deployment.yaml"
	fetcher := NewChartFetcher(srv.Client())

	denied := HelmOptions{Allow: []string{srv.URL + "/other"}, Fetcher: fetcher}
	_, err := overlayTree(t, entry).Render(WithHelm(context.Background(), denied), "apps/web/prod")
	if err == nil || !strings.Contains(err.Error(), "is not allowed") {
		t.Fatalf("not allow-listed: error = %v", err)
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("a refused file made %d requests", n)
	}

	allowed := WithHelm(context.Background(), HelmOptions{Allow: []string{srv.URL + "/manifests"}, Fetcher: fetcher})
	for i := 0; i < 2; i++ {
		objs, err := overlayTree(t, entry).Render(allowed, "apps/web/prod")
		if err != nil {
			t.Fatal(err)
		}
		if len(objs) != 1 || objs[0].ID.Name != "prod-web" {
			t.Fatalf("objects = %+v", objs)
		}
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("two renders made %d requests, want 1 (cached)", n)
	}

	_, err = overlayTree(t, srv.URL+"/manifests/missing.yaml").Render(allowed, "apps/web/prod")
	if err == nil || !strings.Contains(err.Error(), "remote source "+srv.URL+"/manifests/missing.yaml") || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing file: error = %v", err)
	}
	off := WithHelm(context.Background(), HelmOptions{Allow: []string{srv.URL + "/manifests"}})
	if _, err := overlayTree(t, entry).Render(off, "apps/web/prod"); err == nil || !strings.Contains(err.Error(), "--allow-remote") {
		t.Errorf("fetching off: error = %v", err)
	}
}

func TestParseGitHubSource(t *testing.T) {
	tests := []struct{ in, want string }{
		{"github.com/acme/shared-bases//base?ref=v1.0.0", "acme shared-bases base v1.0.0"},
		{"github.com/acme/shared-bases/base?ref=v1.0.0", "acme shared-bases base v1.0.0"},
		{"https://github.com/acme/shared-bases.git//base/prod?ref=v1", "acme shared-bases base/prod v1"},
		{"git@github.com:acme/shared-bases.git//base?version=v1.2.3", "acme shared-bases base v1.2.3"},
		{"ssh://git@github.com/acme/r", "acme r  "},
		{"git::https://github.com/acme/r//x?ref=v3", "acme r x v3"},
		{"gitlab.com/acme/r//x?ref=v1", "-"},
		{"github.com/acme/r//../../x?ref=v1", "-"},
		{"github.com/acme", "-"},
	}
	for _, tt := range tests {
		g, ok := parseGitHubSource(tt.in)
		got := "-"
		if ok {
			got = strings.Join([]string{g.owner, g.repo, g.sub, g.ref}, " ")
		}
		if got != tt.want {
			t.Errorf("parseGitHubSource(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for ref, want := range map[string]bool{"v1": true, "v1.2.3": true, "v1.2.3-rc.1": true, "main": false, "": false, "1.2.3": false,
		"0123456789abcdef0123456789abcdef01234567": true, "0123456": false} {
		if pinnedRef(ref) != want {
			t.Errorf("pinnedRef(%q) = %v", ref, !want)
		}
	}
}

// TestRemoteGitHubBaseIsolated: with renders in child processes, the base
// is fetched in the parent and the child renders the mounted copy.
func TestRemoteGitHubBaseIsolated(t *testing.T) {
	IsolateRenders(true)
	defer IsolateRenders(false)
	repos := sharedBases()
	ctx := WithHelm(context.Background(), HelmOptions{Allow: []string{"github.com/acme/"}, Repos: repos})
	objs, err := overlayTree(t, "github.com/acme/shared-bases//base?ref=v1.0.0").Render(ctx, "apps/web/prod")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[1].ID.Name != "prod-web" || objs[1].Source.File != "apps/web/prod/kustomization.yaml" || repos.count() != 1 {
		t.Errorf("objects %+v after %d fetches", objs, repos.count())
	}
}

// TestRemoteNestedBase: an allow-listed base of a fetched base is fetched
// too, and its objects point at the pull request's own entry.
func TestRemoteNestedBase(t *testing.T) {
	repos := sharedBases()
	tree := overlayTree(t, "github.com/acme/wrapper?ref=v1.0.0")
	objs, err := tree.Render(WithHelm(context.Background(), HelmOptions{Allow: []string{"github.com/acme/"}, Repos: repos}), "apps/web/prod")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || repos.count() != 2 {
		t.Fatalf("%d objects after fetching %v", len(objs), repos.calls)
	}
	for _, o := range objs {
		if o.Source.File != "apps/web/prod/kustomization.yaml" || o.Source.Line != 3 {
			t.Errorf("%s: source %+v", o.ID.Name, o.Source)
		}
		if labels, _ := o.Fields["metadata"].(map[string]any)["labels"].(map[string]any); labels["team"] != "web" {
			t.Errorf("%s: the wrapper's labels are missing: %v", o.ID.Name, o.Fields["metadata"])
		}
	}
}

// TestPublicGitHub: without the App, public repositories come from the
// API's tarball endpoint with no credentials, once per process.
func TestPublicGitHub(t *testing.T) {
	tgz := chartArchive(t, map[string]string{
		"acme-shared-bases-0123456/base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
		"acme-shared-bases-0123456/base/deployment.yaml":    sharedDeployment,
	})
	var requests atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("Authorization") != "" {
			t.Errorf("credentials sent: %q", r.Header.Get("Authorization"))
		}
		switch r.URL.Path {
		case "/repos/acme/shared-bases/tarball/v1.0.0":
			http.Redirect(w, r, "/codeload/acme/shared-bases/legacy.tar.gz/v1.0.0", http.StatusFound)
		case "/codeload/acme/shared-bases/legacy.tar.gz/v1.0.0":
			_, _ = w.Write(tgz)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	gh := PublicGitHub{API: srv.URL, Fetcher: NewChartFetcher(srv.Client()), Limits: DefaultLimits()}
	ctx := WithHelm(context.Background(), HelmOptions{Allow: []string{"github.com/acme/"}, Repos: gh})
	for i := 0; i < 2; i++ {
		objs, err := overlayTree(t, "github.com/acme/shared-bases//base?ref=v1.0.0").Render(ctx, "apps/web/prod")
		if err != nil {
			t.Fatal(err)
		}
		if len(objs) != 1 || objs[0].ID.Name != "prod-web" {
			t.Fatalf("objects %+v", objs)
		}
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("two renders made %d requests, want 2 (link and archive, once)", n)
	}
	_, err := overlayTree(t, "github.com/acme/private//base?ref=v1.0.0").Render(ctx, "apps/web/prod")
	if err == nil || !strings.Contains(err.Error(), "not found or not public") {
		t.Errorf("private repository: error = %v", err)
	}
}
