package githubtest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	base = "1111111111111111111111111111111111111111"
	head = "2222222222222222222222222222222222222222"
)

// fixture: acme/gitops, installation 7, pull request #1 changing line 4
// of deploy.yaml and adding rbac.yaml.
func fixture(t *testing.T) (*Server, string) {
	t.Helper()
	s := New()
	t.Cleanup(s.Close)
	s.AddRepo("acme", "gitops", 7)
	s.SetTree("acme", "gitops", base, map[string][]byte{"deploy.yaml": []byte("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n")})
	s.SetTree("acme", "gitops", head, map[string][]byte{"deploy.yaml": []byte("a\nb\nc\nD\ne\nf\ng\nh\ni\nj\n"), "rbac.yaml": []byte("kind: Role\n")})
	s.OpenPR("acme", "gitops", PR{Number: 1, Author: "dev", BaseRef: "main", BaseSHA: base, HeadSHA: head})
	return s, s.InstallationToken(7)
}

func call(t *testing.T, s *Server, tok, method, path string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL()+strings.TrimPrefix(path, "/"), rd)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "token "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestValidation(t *testing.T) {
	long := strings.Repeat("x", 65536)
	ann := func(n int) []map[string]any {
		var out []map[string]any
		for i := range n {
			out = append(out, map[string]any{"path": "deploy.yaml", "start_line": i + 1, "end_line": i + 1, "annotation_level": "warning", "message": "m"})
		}
		return out
	}
	action := func(label, desc, id string) map[string]any {
		return map[string]any{"label": label, "description": desc, "identifier": id}
	}
	run := func(extra map[string]any) map[string]any {
		m := map[string]any{"name": "kustoguard", "head_sha": head}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	comment := func(path string, line int) map[string]any {
		return map[string]any{"event": "COMMENT", "body": "b", "comments": []any{map[string]any{"path": path, "line": line, "side": "RIGHT", "body": "c"}}}
	}
	tests := []struct {
		name    string
		method  string
		path    string
		body    any
		status  int
		message string // in an errors[].message
	}{
		{"runOK", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"status": "in_progress"}), 201, ""},
		{"runFiftyAnnotations", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"output": map[string]any{"title": "t", "summary": "s", "annotations": ann(50)}}), 201, ""},
		{"runFiftyOneAnnotations", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"output": map[string]any{"title": "t", "summary": "s", "annotations": ann(51)}}), 422, "at most 50 annotations"},
		{"runNoTitle", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"output": map[string]any{"summary": "s"}}), 422, "title is required"},
		{"runLongSummary", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"output": map[string]any{"title": "t", "summary": long}}), 422, "summary is too long"},
		{"runLongText", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"output": map[string]any{"title": "t", "summary": "s", "text": long}}), 422, "text is too long"},
		{"runCompletedNoConclusion", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"status": "completed"}), 422, "conclusion is required"},
		{"runConclusionInProgress", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"status": "in_progress", "conclusion": "success"}), 422, "status must be completed"},
		{"runConclusionAlone", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"conclusion": "success"}), 201, ""},
		{"runBadConclusion", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"conclusion": "great"}), 422, "not a valid conclusion"},
		{"runUnknownSHA", "POST", "/repos/acme/gitops/check-runs", map[string]any{"name": "k", "head_sha": "ffff"}, 422, "No commit found"},
		{"runFourActions", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"actions": []any{action("a", "b", "c"), action("a", "b", "c"), action("a", "b", "c"), action("a", "b", "c")}}), 422, "at most 3 actions"},
		{"runLongLabel", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"actions": []any{action(strings.Repeat("l", 21), "b", "c")}}), 422, "label"},
		{"runLongDescription", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"actions": []any{action("a", strings.Repeat("d", 41), "c")}}), 422, "description"},
		{"runLongIdentifier", "POST", "/repos/acme/gitops/check-runs", run(map[string]any{"actions": []any{action("a", "b", strings.Repeat("i", 21))}}), 422, "identifier"},
		{"runUpdateUnknown", "PATCH", "/repos/acme/gitops/check-runs/999", run(nil), 404, ""},
		{"runUnknownRepo", "POST", "/repos/acme/nope/check-runs", run(nil), 404, ""},
		{"reviewInDiff", "POST", "/repos/acme/gitops/pulls/1/reviews", comment("deploy.yaml", 7), 200, ""},
		{"reviewContextLine", "POST", "/repos/acme/gitops/pulls/1/reviews", comment("deploy.yaml", 1), 200, ""},
		{"reviewOutsideDiff", "POST", "/repos/acme/gitops/pulls/1/reviews", comment("deploy.yaml", 9), 422, "Pull request review thread line must be part of the diff"},
		{"reviewPathNotInPR", "POST", "/repos/acme/gitops/pulls/1/reviews", comment("other.yaml", 1), 422, "Path could not be resolved"},
		{"reviewCommentNoBody", "POST", "/repos/acme/gitops/pulls/1/reviews", map[string]any{"event": "COMMENT"}, 422, "body is required"},
		{"reviewBadEvent", "POST", "/repos/acme/gitops/pulls/1/reviews", map[string]any{"event": "LGTM"}, 422, "not a valid event"},
		{"reviewUnknownPR", "POST", "/repos/acme/gitops/pulls/9/reviews", map[string]any{"event": "COMMENT", "body": "b"}, 404, ""},
		{"fileComment", "POST", "/repos/acme/gitops/pulls/1/comments", map[string]any{"body": "b", "commit_id": head, "path": "rbac.yaml", "subject_type": "file"}, 201, ""},
		{"fileCommentNotInPR", "POST", "/repos/acme/gitops/pulls/1/comments", map[string]any{"body": "b", "commit_id": head, "path": "x.yaml", "subject_type": "file"}, 422, "Path could not be resolved"},
		{"lineCommentOutsideDiff", "POST", "/repos/acme/gitops/pulls/1/comments", map[string]any{"body": "b", "commit_id": head, "path": "deploy.yaml", "line": 10, "side": "RIGHT"}, 422, "must be part of the diff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, tok := fixture(t)
			resp, body := call(t, s, tok, tt.method, tt.path, tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status != 422 {
				return
			}
			var e apiError
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatal(err)
			}
			if e.Message != "Validation Failed" || len(e.Errors) == 0 || !strings.Contains(e.Errors[0].Message, tt.message) || e.DocumentationURL == "" {
				t.Errorf("error body %s, want Validation Failed with %q", body, tt.message)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	s, tok := fixture(t)
	other := New()
	other.Close()
	tests := []struct {
		name   string
		tok    string
		path   string
		status int
	}{
		{"token", tok, "/repos/acme/gitops/pulls/1", 200},
		{"noToken", "", "/repos/acme/gitops/pulls/1", 401},
		{"unknownToken", "ghs_nope", "/repos/acme/gitops/pulls/1", 401},
		{"otherInstallation", s.InstallationToken(8), "/repos/acme/gitops/pulls/1", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if resp, body := call(t, s, tt.tok, "GET", tt.path, nil); resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
		})
	}
	// The token endpoint wants the App JWT, not a token.
	if resp, _ := call(t, s, tok, "POST", "/app/installations/7/access_tokens", nil); resp.StatusCode != 401 {
		t.Errorf("token endpoint with a token: %d, want 401", resp.StatusCode)
	}
	if msg := s.verifyJWT("a.b.c"); msg == "" {
		t.Error("garbage JWT accepted")
	}
}

func TestTarball(t *testing.T) {
	s, tok := fixture(t)
	s.SetTree("acme", "gitops", head, map[string][]byte{"apps/api/deploy.yaml": []byte("x\n"), "README.md": []byte("r\n")})
	resp, body := call(t, s, tok, "GET", "/repos/acme/gitops/tarball/"+head, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	gz, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(h.Typeflag)+" "+h.Name)
	}
	want := []string{
		"g pax_global_header",
		"5 acme-gitops-2222222/",
		"0 acme-gitops-2222222/README.md",
		"5 acme-gitops-2222222/apps/",
		"5 acme-gitops-2222222/apps/api/",
		"0 acme-gitops-2222222/apps/api/deploy.yaml",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	// The redirect went to the download URL.
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[0].Status != http.StatusFound || !strings.HasPrefix(reqs[1].Path, "/_codeload/acme/gitops/") {
		t.Errorf("requests %+v", reqs)
	}
}

func TestPagination(t *testing.T) {
	s, tok := fixture(t)
	files := map[string][]byte{}
	for i := range 129 {
		files["f/"+strings.Repeat("x", i+1)] = []byte("y\n")
	}
	s.SetTree("acme", "gitops", "3333333", files)
	s.OpenPR("acme", "gitops", PR{Number: 2, BaseSHA: base, HeadSHA: "3333333"})
	resp, body := call(t, s, tok, "GET", "/repos/acme/gitops/pulls/2/files?page=2", nil)
	var got []map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	// 130 files (129 added, deploy.yaml removed), 30 per page by default.
	if len(got) != 30 {
		t.Errorf("%d files on page 2, want 30", len(got))
	}
	link := resp.Header.Get("Link")
	for _, want := range []string{`page=3&per_page=30>; rel="next"`, `page=5&per_page=30>; rel="last"`, `page=1&per_page=30>; rel="first"`, `page=1&per_page=30>; rel="prev"`} {
		if !strings.Contains(link, want) {
			t.Errorf("Link %s lacks %s", link, want)
		}
	}
	resp, body = call(t, s, tok, "GET", "/repos/acme/gitops/pulls/2/files?per_page=500", nil)
	_ = json.Unmarshal(body, &got)
	if len(got) != 100 || !strings.Contains(resp.Header.Get("Link"), `page=2&per_page=100>; rel="last"`) {
		t.Errorf("per_page 500: %d files, Link %s; want capped at 100", len(got), resp.Header.Get("Link"))
	}
}

func TestFaults(t *testing.T) {
	s, tok := fixture(t)
	s.Fail("GET /repos/*/*/pulls/1", 1, Status(502))
	s.Fail("/repos/acme/gitops/pulls/1/files", 1, SecondaryRateLimit(2*time.Second))
	if resp, _ := call(t, s, tok, "GET", "/repos/acme/gitops/pulls/1", nil); resp.StatusCode != 502 {
		t.Errorf("first: %d, want 502", resp.StatusCode)
	}
	if resp, _ := call(t, s, tok, "GET", "/repos/acme/gitops/pulls/1", nil); resp.StatusCode != 200 {
		t.Errorf("second: %d, want 200", resp.StatusCode)
	}
	resp, body := call(t, s, tok, "GET", "/repos/acme/gitops/pulls/1/files", nil)
	if resp.StatusCode != 403 || resp.Header.Get("Retry-After") != "2" || !strings.Contains(string(body), "secondary rate limit") {
		t.Errorf("rate limit: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	s.Fail("GET /repos/*/*/pulls/1", 1, DropConnection)
	req, _ := http.NewRequest("GET", s.URL()+"repos/acme/gitops/pulls/1", nil)
	req.Header.Set("Authorization", "token "+tok)
	// A fresh connection: Go resends a GET once when a reused one drops.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Do(req); err == nil {
		resp.Body.Close()
		t.Error("dropped connection answered")
	}
	reqs := s.Requests()
	if last := reqs[len(reqs)-1]; last.Status != 0 {
		t.Errorf("dropped request recorded with status %d, want 0", last.Status)
	}
}

func TestPatch(t *testing.T) {
	old := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n"
	cur := "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n21\n"
	files, right := diffTrees(map[string][]byte{"f": []byte(old)}, map[string][]byte{"f": []byte(cur)})
	want := "@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n@@ -18,3 +18,4 @@\n 18\n 19\n 20\n+21"
	if got := files[0].GetPatch(); got != want {
		t.Errorf("patch:\n%s\nwant:\n%s", got, want)
	}
	if files[0].GetAdditions() != 2 || files[0].GetDeletions() != 1 {
		t.Errorf("additions %d deletions %d", files[0].GetAdditions(), files[0].GetDeletions())
	}
	for line, in := range map[int]bool{1: true, 6: true, 7: false, 17: false, 18: true, 21: true} {
		if right["f"][line] != in {
			t.Errorf("line %d in diff = %v, want %v", line, right["f"][line], in)
		}
	}
}

func TestCheckRunAnnotationsAccumulate(t *testing.T) {
	s, tok := fixture(t)
	ann := []map[string]any{{"path": "deploy.yaml", "start_line": 4, "end_line": 4, "annotation_level": "failure", "message": "m"}}
	resp, body := call(t, s, tok, "POST", "/repos/acme/gitops/check-runs", map[string]any{"name": "kustoguard", "head_sha": head, "status": "in_progress",
		"output": map[string]any{"title": "t", "summary": "s", "annotations": ann}})
	if resp.StatusCode != 201 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	call(t, s, tok, "PATCH", "/repos/acme/gitops/check-runs/1001", map[string]any{"conclusion": "failure",
		"output": map[string]any{"title": "t2", "summary": "s2", "annotations": ann}})
	runs := s.CheckRuns("acme", "gitops")
	if len(runs) != 1 || runs[0].GetStatus() != "completed" || runs[0].GetOutput().GetTitle() != "t2" || len(runs[0].GetOutput().Annotations) != 2 || runs[0].CompletedAt == nil {
		t.Errorf("run %+v", runs[0])
	}
	// Listing with filter=latest keeps one run per name.
	call(t, s, tok, "POST", "/repos/acme/gitops/check-runs", map[string]any{"name": "kustoguard", "head_sha": head})
	_, body = call(t, s, tok, "GET", "/repos/acme/gitops/commits/"+head+"/check-runs?check_name=kustoguard", nil)
	var latest struct {
		Total int `json:"total_count"`
	}
	_ = json.Unmarshal(body, &latest)
	_, body = call(t, s, tok, "GET", "/repos/acme/gitops/commits/"+head+"/check-runs?check_name=kustoguard&filter=all", nil)
	var all struct {
		Total int `json:"total_count"`
	}
	_ = json.Unmarshal(body, &all)
	if latest.Total != 1 || all.Total != 2 {
		t.Errorf("latest %d all %d, want 1 and 2", latest.Total, all.Total)
	}
}

func TestNewAt(t *testing.T) {
	s, err := NewAt("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AddRepo("acme", "gitops", 1)
	if resp, _ := call(t, s, s.InstallationToken(1), "GET", "/repos/acme/gitops/pulls/1", nil); resp.StatusCode != 404 {
		t.Errorf("status %d, want 404 for a missing pull request", resp.StatusCode)
	}
	if _, err := NewAt("256.0.0.1:1"); err == nil {
		t.Error("bad address: want an error")
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, method, path string
		want                  bool
	}{
		{"GET /repos/*/*/pulls/1", "GET", "/repos/acme/gitops/pulls/1", true},
		{"GET /repos/*/*/pulls/1", "POST", "/repos/acme/gitops/pulls/1", false},
		{"/repos/*/*/pulls/1", "POST", "/repos/acme/gitops/pulls/1", true},
		{"PATCH /repos/{owner}/{repo}/check-runs/{id}", "PATCH", "/repos/acme/gitops/check-runs/1001", true},
		{"PATCH /repos/{owner}/{repo}/check-runs/{id}", "PATCH", "/repos/acme/gitops/check-runs", false},
	}
	for _, tt := range tests {
		if got := match(tt.pattern, tt.method, tt.path); got != tt.want {
			t.Errorf("match(%q, %s %s) = %v, want %v", tt.pattern, tt.method, tt.path, got, tt.want)
		}
	}
}

func TestSlow(t *testing.T) {
	s, tok := fixture(t)
	s.Fail("GET /repos/{owner}/{repo}/pulls/{number}", 1, Slow(10*time.Millisecond))
	if resp, _ := call(t, s, tok, "GET", "/repos/acme/gitops/pulls/1", nil); resp.StatusCode != 200 {
		t.Errorf("slow answer: %d, want 200", resp.StatusCode)
	}
}
