package bot

import (
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

// End-to-end on an overlay whose base lives in another repository of the
// organization (github.com/acme/shared-bases//base?ref=v1.0.0): fetched
// through the fake GitHub with the installation's client when the base
// branch's configuration allows it and the author may read it, once per
// process; refused with a finding that says why otherwise.

const remoteOverlay = "apps/web/prod/kustomization.yaml"

func remoteShopTree(entry, patch string) map[string][]byte {
	k := "namePrefix: prod-\nresources:\n  - " + entry + "\n" + patch
	return map[string][]byte{
		".github/kustoguard.yml": []byte("remote:\n  allow: [\"github.com/acme/\"]\n"),
		remoteOverlay:            []byte(k),
	}
}

func sharedBasesTree() map[string][]byte {
	return map[string][]byte{
		"base/kustomization.yaml": []byte("resources:\n  - deployment.yaml\n"),
		"base/deployment.yaml": []byte(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27.0
`),
		"README.md": []byte("shared bases\n"),
	}
}

// requestsTo counts the fake GitHub's requests whose path contains part.
func requestsTo(gh *githubtest.Server, part string) int {
	n := 0
	for _, r := range gh.Requests() {
		if strings.Contains(r.Path, part) {
			n++
		}
	}
	return n
}

func TestE2E_remoteGitHubBase(t *testing.T) {
	const shared = "github.com/acme/shared-bases//base?ref=v1.0.0"
	const replicas = "patches:\n  - target: {kind: Deployment}\n    patch: |\n      - op: replace\n        path: /spec/replicas\n        value: 3\n"
	e := newE2E(t, e2eOptions{})
	gh := e.gh
	gh.AddRepo("acme", "shared-bases", e2eInstallation)
	gh.SetTree("acme", "shared-bases", "v1.0.0", sharedBasesTree())
	gh.AddRepo("acme", "secret-bases", e2eInstallation)
	gh.SetPrivate("acme", "secret-bases", true)
	gh.SetTree("acme", "secret-bases", "v1.0.0", sharedBasesTree())
	gh.AddRepo("globex", "bases", e2eInstallation)
	gh.SetTree("globex", "bases", "v1.0.0", sharedBasesTree())
	gh.SetTree(e2eOwner, e2eName, e2eBaseSHA, remoteShopTree(shared, ""))

	reviewAs := func(t *testing.T, n int, author string, head map[string][]byte) string {
		t.Helper()
		e.t = t
		sha := commitSHA("remote", n)
		gh.SetTree(e2eOwner, e2eName, sha, head)
		gh.OpenPR(e2eOwner, e2eName, githubtest.PR{Number: n, Author: author, BaseRef: "main", BaseSHA: e2eBaseSHA, HeadSHA: sha})
		e.deliver(e.prEvent(n, "opened"))
		run := e.settle(sha)
		requireEngine(t, run)
		return run.GetOutput().GetSummary() + run.GetOutput().GetText()
	}
	review := func(t *testing.T, n int, head map[string][]byte) string {
		t.Helper()
		return reviewAs(t, n, e2eAuthor, head)
	}

	t.Run("allow-listed base renders", func(t *testing.T) {
		text := review(t, 401, remoteShopTree(shared, replicas))
		if strings.Contains(text, "render-error") || !strings.Contains(text, "apps/web/prod") || !strings.Contains(text, "+0 ~1 -0") {
			t.Fatalf("the overlay on the remote base was not reviewed as one changed Deployment:\n%s", text)
		}
		if !strings.Contains(text, "prod-web") {
			t.Errorf("the review does not name the base's Deployment prod-web:\n%s", text)
		}
		// Findings on the base's objects point at the entry naming it.
		if !strings.Contains(text, "`"+remoteOverlay+":3`") || strings.Contains(text, ".kustoguard-remote") {
			t.Errorf("findings do not point at %s:3:\n%s", remoteOverlay, text)
		}
		if n := requestsTo(gh, "/_codeload/acme/shared-bases/"); n != 1 {
			t.Errorf("shared-bases downloaded %d times for one review (base and head share it), want 1", n)
		}
		// Visibility, archive link, archive: the public repository needs
		// no permission check.
		if n := requestsTo(gh, "acme/shared-bases"); n != 3 {
			t.Errorf("the first review made %d requests for shared-bases, want 3", n)
		}
	})

	t.Run("second review uses the cache", func(t *testing.T) {
		before := requestsTo(gh, "acme/shared-bases")
		text := review(t, 402, remoteShopTree(shared, replicas))
		if strings.Contains(text, "render-error") {
			t.Fatalf("second review failed:\n%s", text)
		}
		if n := requestsTo(gh, "acme/shared-bases") - before; n != 0 {
			t.Errorf("the second review made %d requests for shared-bases, want 0", n)
		}
	})

	t.Run("private repository the author cannot read", func(t *testing.T) {
		text := review(t, 403, remoteShopTree("github.com/acme/secret-bases//base?ref=v1.0.0", ""))
		want := "acme/secret-bases is private and the pull request's author @" + e2eAuthor + " cannot read it"
		if !strings.Contains(text, "render-error") || !strings.Contains(text, want) {
			t.Errorf("no render-error saying %q:\n%s", want, text)
		}
		if n := requestsTo(gh, "/repos/acme/secret-bases/tarball") + requestsTo(gh, "/_codeload/acme/secret-bases"); n != 0 {
			t.Errorf("the private repository's content was requested %d times", n)
		}
	})

	t.Run("private repository the author can read", func(t *testing.T) {
		gh.SetPermission("acme", "secret-bases", "ops", "read")
		text := reviewAs(t, 406, "ops", remoteShopTree("github.com/acme/secret-bases//base?ref=v1.0.0", replicas))
		if strings.Contains(text, "render-error") || !strings.Contains(text, "+0 ~1 -0") {
			t.Errorf("the base of a private repository its author can read was not rendered:\n%s", text)
		}
		if n := requestsTo(gh, "/_codeload/acme/secret-bases/"); n != 1 {
			t.Errorf("secret-bases downloaded %d times, want 1", n)
		}
	})

	t.Run("not allow-listed", func(t *testing.T) {
		text := review(t, 404, remoteShopTree("github.com/globex/bases//base?ref=v1.0.0", ""))
		if !strings.Contains(text, "render-error") || !strings.Contains(text, "is not allowed") || !strings.Contains(text, `remote: {allow: [`) {
			t.Errorf("no render-error saying how to allow the source:\n%s", text)
		}
		if n := requestsTo(gh, "globex"); n != 0 {
			t.Errorf("a source that is not allow-listed made %d requests", n)
		}
	})

	t.Run("floating ref", func(t *testing.T) {
		text := review(t, 405, remoteShopTree("github.com/acme/shared-bases//base?ref=main", ""))
		if !strings.Contains(text, "render-error") || !strings.Contains(text, `ref "main" is not pinned`) {
			t.Errorf("no render-error about the floating ref:\n%s", text)
		}
	})
}
