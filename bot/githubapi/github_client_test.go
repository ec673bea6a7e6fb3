package githubapi

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

const (
	ghInstallation = int64(77)
	ghBaseSHA      = "1111111111111111111111111111111111111111"
	ghHeadSHA      = "2222222222222222222222222222222222222222"
	ghMergeSHA     = "3333333333333333333333333333333333333333"
)

var ghTestRepo = Repo{Owner: "acme", Name: "gitops", InstallationID: ghInstallation}

type ghFixture struct {
	fake *githubtest.Server
	gh   Client
	mu   sync.Mutex
	// routes observed by OnRequest, one per attempt.
	routes []string
}

// setupGitHub starts the fake with one repository and pull request #1 that
// changes apps/api/deploy.yaml and adds apps/api/rbac.yaml.
func setupGitHub(t *testing.T, tweak func(*ClientConfig)) *ghFixture {
	t.Helper()
	fake := githubtest.New()
	t.Cleanup(fake.Close)
	fake.AddRepo("acme", "gitops", ghInstallation)
	fake.SetTree("acme", "gitops", ghBaseSHA, map[string][]byte{
		"apps/api/deploy.yaml": []byte("a\nb\nc\nd\ne\nf\ng\nh\n"),
		"README.md":            []byte("hello\n"),
	})
	fake.SetTree("acme", "gitops", ghHeadSHA, map[string][]byte{
		"apps/api/deploy.yaml": []byte("a\nb\nc\nD\ne\nf\ng\nh\n"),
		"apps/api/rbac.yaml":   []byte("kind: Role\n"),
		"README.md":            []byte("hello\n"),
	})
	fake.OpenPR("acme", "gitops", githubtest.PR{Number: 1, Author: "dev", BaseRef: "main", BaseSHA: ghBaseSHA, HeadSHA: ghHeadSHA, MergeSHA: ghMergeSHA})
	f := &ghFixture{fake: fake}
	cfg := ClientConfig{
		AppID: fake.AppID, PrivateKey: fake.PrivateKeyPEM, BaseURL: fake.URL(),
		MaxRetryWait: 20 * time.Millisecond,
		OnRequest: func(method, route string, status int, d time.Duration) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.routes = append(f.routes, fmt.Sprintf("%s %s %d", method, route, status))
		},
	}
	if tweak != nil {
		tweak(&cfg)
	}
	factory, err := NewClientFactory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if f.gh, err = factory(ghInstallation); err != nil {
		t.Fatal(err)
	}
	return f
}

// calls lists "METHOD path" of the requests to the fake, token requests left out.
func (f *ghFixture) calls() []string {
	var out []string
	for _, r := range f.fake.Requests() {
		if !strings.HasSuffix(r.Path, "/access_tokens") {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

func (f *ghFixture) count(method, path string) int {
	n := 0
	for _, r := range f.fake.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// lastBody decodes the body of the last request to path.
func (f *ghFixture) lastBody(t *testing.T, method, path string) map[string]any {
	t.Helper()
	reqs := f.fake.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].Path == path {
			var m map[string]any
			if err := json.Unmarshal(reqs[i].Body, &m); err != nil {
				t.Fatalf("decoding body of %s %s: %v", method, path, err)
			}
			return m
		}
	}
	t.Fatalf("no %s %s request", method, path)
	return nil
}

func TestClient_pullRequest(t *testing.T) {
	f := setupGitHub(t, nil)
	ctx := context.Background()
	got, err := f.gh.PullRequest(ctx, ghTestRepo, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := &PullRequest{Number: 1, Author: "dev", State: "open", BaseRef: "main", BaseSHA: ghBaseSHA, HeadSHA: ghHeadSHA, MergeSHA: ghMergeSHA}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pull request (-want +got):\n%s", diff)
	}
	// After a push GitHub has no test merge yet: no MergeSHA.
	f.fake.Push("acme", "gitops", 1, "4444444444444444444444444444444444444444", map[string][]byte{"x": []byte("y\n")})
	got, err = f.gh.PullRequest(ctx, ghTestRepo, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.MergeSHA != "" || got.HeadSHA != "4444444444444444444444444444444444444444" {
		t.Errorf("after push: head %s merge %q, want new head and no merge", got.HeadSHA, got.MergeSHA)
	}
	if _, err := f.gh.PullRequest(ctx, ghTestRepo, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown pull request: err = %v, want ErrNotFound", err)
	}
	if diff := cmp.Diff([]string{"GET /repos/acme/gitops/pulls/1", "GET /repos/acme/gitops/pulls/1", "GET /repos/acme/gitops/pulls/99"}, f.calls()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestClient_changedFiles(t *testing.T) {
	f := setupGitHub(t, nil)
	got, err := f.gh.ChangedFiles(context.Background(), ghTestRepo, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []ChangedFile{
		{Path: "apps/api/deploy.yaml", Status: "modified", Patch: "@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g"},
		{Path: "apps/api/rbac.yaml", Status: "added", Patch: "@@ -0,0 +1 @@\n+kind: Role"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// ghManyFiles opens pull request #2 adding n files.
func ghManyFiles(f *ghFixture, n int) {
	files := map[string][]byte{}
	for i := range n {
		files[fmt.Sprintf("f/%04d.yaml", i)] = []byte("x\n")
	}
	f.fake.SetTree("acme", "gitops", "5555555555555555555555555555555555555555", files)
	f.fake.OpenPR("acme", "gitops", githubtest.PR{Number: 2, Author: "dev", BaseRef: "main", BaseSHA: ghBaseSHA, HeadSHA: "5555555555555555555555555555555555555555"})
}

func TestClient_changedFilesPagination(t *testing.T) {
	tests := []struct {
		name      string
		files     int
		wantCalls int
		wantErr   error
		wantFiles int
	}{
		{name: "onePage", files: 40, wantCalls: 1, wantFiles: 42},
		{name: "threePages", files: 250, wantCalls: 3, wantFiles: 252},
		{name: "cappedAt3000", files: 3100, wantCalls: 30, wantErr: ErrTooManyFiles, wantFiles: 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setupGitHub(t, nil)
			ghManyFiles(f, tt.files)
			got, err := f.gh.ChangedFiles(context.Background(), ghTestRepo, 2)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			// The base's two files are removed by the pull request too.
			if len(got) != tt.wantFiles {
				t.Errorf("got %d files, want %d", len(got), tt.wantFiles)
			}
			if n := f.count("GET", "/repos/acme/gitops/pulls/2/files"); n != tt.wantCalls {
				t.Errorf("%d requests, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestClient_tarball(t *testing.T) {
	f := setupGitHub(t, nil)
	rc, err := f.gh.Tarball(context.Background(), ghTestRepo, ghHeadSHA)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	gz, err := gzip.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	got := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			b, _ := io.ReadAll(tr)
			got[h.Name] = string(b)
		}
	}
	want := map[string]string{
		"acme-gitops-2222222/README.md":            "hello\n",
		"acme-gitops-2222222/apps/api/deploy.yaml": "a\nb\nc\nD\ne\nf\ng\nh\n",
		"acme-gitops-2222222/apps/api/rbac.yaml":   "kind: Role\n",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("archive (-want +got):\n%s", diff)
	}
	if _, err := f.gh.Tarball(context.Background(), ghTestRepo, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown ref: err = %v, want ErrNotFound", err)
	}
}

func TestClient_fileContent(t *testing.T) {
	f := setupGitHub(t, nil)
	ctx := context.Background()
	got, err := f.gh.FileContent(ctx, ghTestRepo, "apps/api/rbac.yaml", ghHeadSHA)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "kind: Role\n" {
		t.Errorf("content = %q", got)
	}
	if _, err := f.gh.FileContent(ctx, ghTestRepo, ".github/kustoguard.yml", ghBaseSHA); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing file: err = %v, want ErrNotFound", err)
	}
	reqs := f.fake.Requests()
	last := reqs[len(reqs)-1]
	if last.Path != "/repos/acme/gitops/contents/.github/kustoguard.yml" || last.Query.Get("ref") != ghBaseSHA {
		t.Errorf("request %s?%s", last.Path, last.Query.Encode())
	}
}

func TestClient_concurrentUse(t *testing.T) {
	f := setupGitHub(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.gh.ChangedFiles(context.Background(), ghTestRepo, 1); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// One token for all of them.
	if n := f.count("POST", "/app/installations/77/access_tokens"); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}

func TestClient_listsReadEveryPage(t *testing.T) {
	f := setupGitHub(t, nil)
	ctx := context.Background()
	for i := range 150 {
		f.fake.AddReview("acme", "gitops", 1, fmt.Sprintf("user%d", i), "COMMENTED", ghHeadSHA)
	}
	reviews, err := f.gh.Reviews(ctx, ghTestRepo, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(reviews) != 150 || reviews[149].User != "user149" {
		t.Errorf("%d reviews", len(reviews))
	}
	if n := f.count("GET", "/repos/acme/gitops/pulls/1/reviews"); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}
