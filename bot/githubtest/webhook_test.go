package githubtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"
)

func TestSign(t *testing.T) {
	// The example of GitHub's "Validating webhook deliveries".
	got := Sign([]byte("It's a Secret to Everybody"), []byte("Hello, World!"))
	if want := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestEvents(t *testing.T) {
	s, tok := fixture(t)
	ev, err := s.PullRequestEvent("acme", "gitops", 1, "opened")
	if err != nil {
		t.Fatal(err)
	}
	var pr github.PullRequestEvent
	if err := json.Unmarshal(ev.Payload, &pr); err != nil {
		t.Fatal(err)
	}
	if ev.Name != "pull_request" || pr.GetAction() != "opened" || pr.GetInstallation().GetID() != 7 ||
		pr.GetRepo().GetFullName() != "acme/gitops" || pr.GetPullRequest().GetHead().GetSHA() != head || pr.GetNumber() != 1 {
		t.Errorf("pull_request payload %s", ev.Payload)
	}

	id := s.AddReview("acme", "gitops", 1, "alice", "APPROVED", head)
	ev, err = s.ReviewEvent("acme", "gitops", 1, id, "submitted")
	if err != nil {
		t.Fatal(err)
	}
	var rv github.PullRequestReviewEvent
	_ = json.Unmarshal(ev.Payload, &rv)
	if rv.GetReview().GetState() != "APPROVED" || rv.GetSender().GetLogin() != "alice" {
		t.Errorf("review payload %s", ev.Payload)
	}

	call(t, s, tok, "POST", "/repos/acme/gitops/check-runs", map[string]any{"name": "kustoguard", "head_sha": head})
	runID := s.CheckRuns("acme", "gitops")[0].GetID()
	ev, err = s.CheckRunEvent("acme", "gitops", runID, "requested_action", "approve", "bob")
	if err != nil {
		t.Fatal(err)
	}
	var cr github.CheckRunEvent
	_ = json.Unmarshal(ev.Payload, &cr)
	if cr.GetRequestedAction().Identifier != "approve" || cr.GetSender().GetLogin() != "bob" || len(cr.GetCheckRun().PullRequests) != 1 {
		t.Errorf("check_run payload %s", ev.Payload)
	}
	if _, err := s.PullRequestEvent("acme", "gitops", 9, "opened"); err == nil {
		t.Error("event for an unknown pull request: want an error")
	}
}

func TestDeliver(t *testing.T) {
	var got http.Header
	var body []byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hook.Close()
	ev := Event{Name: "ping", Payload: []byte(`{"zen":"Keep it logically awesome."}`)}
	resp, err := Deliver(context.Background(), hook.URL, []byte("s3cret"), "d-1", ev)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := map[string]string{"X-Github-Event": "ping", "X-Github-Delivery": "d-1", "X-Hub-Signature-256": Sign([]byte("s3cret"), ev.Payload)}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Get(k), v)
		}
	}
	if string(body) != string(ev.Payload) {
		t.Errorf("body %s", body)
	}
}

func TestReadTree(t *testing.T) {
	dir := t.TempDir()
	for p, c := range map[string]string{"apps/api/kustomization.yaml": "resources: []\n", ".git/HEAD": "ref\n", "README.md": "r\n"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"apps/api/kustomization.yaml": []byte("resources: []\n"), "README.md": []byte("r\n")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
}
