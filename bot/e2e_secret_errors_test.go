package bot

import (
	"encoding/base64"
	"maps"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

// TestE2E_renderErrorsHideSecrets: overlays whose render errors quote
// Secret inputs fail the run, and nothing the App sends GitHub (check run,
// annotations, review, comments) carries a Secret value.
func TestE2E_renderErrorsHideSecrets(t *testing.T) {
	const n = 710
	e := newE2E(t, e2eOptions{})
	base := shopTree(t, "base")
	head := maps.Clone(base)
	for p, s := range map[string]string{
		"apps/env/kustomization.yaml":     "secretGenerator:\n- name: db\n  envs: [db.env]\n",
		"apps/env/db.env":                 "DB_USER=app\nDB_PASSWORD=HUNTER2_R\xff\n",
		"apps/literal/kustomization.yaml": "secretGenerator:\n- name: db\n  literals: [HUNTER2_X]\n",
		"apps/dup/kustomization.yaml":     "resources: [secret.yaml]\n",
		"apps/dup/secret.yaml":            "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: HUNTER2_A\n  password: HUNTER2_B\n",
	} {
		head[p] = []byte(s)
	}
	e.gh.SetTree(e2eOwner, e2eName, e2eBaseSHA, base)
	sha := commitSHA("secret-errors", n)
	e.gh.SetTree(e2eOwner, e2eName, sha, head)
	e.gh.OpenPR(e2eOwner, e2eName, githubtest.PR{Number: n, Author: e2eAuthor, BaseRef: "main",
		BaseSHA: e2eBaseSHA, HeadSHA: sha})
	e.deliver(e.prEvent(n, "opened"))
	run := e.settle(sha)
	requireEngine(t, run)
	if run.GetConclusion() != "failure" {
		t.Errorf("conclusion %s (%q), want failure", run.GetConclusion(), run.GetOutput().GetTitle())
	}
	out := run.GetOutput()
	shown := out.GetTitle() + out.GetSummary() + out.GetText() + strings.Join(runAnnotations(run), "\n")
	for _, d := range []string{"apps/env", "apps/literal", "apps/dup"} {
		if !strings.Contains(shown, d) {
			t.Errorf("the run does not name the failing overlay %s:\n%s", d, out.GetSummary())
		}
	}
	var sent strings.Builder
	for _, r := range e.gh.Requests() {
		if r.Method != "GET" {
			sent.Write(r.Body)
			sent.WriteByte('\n')
		}
	}
	_, bodies := e.comments(n)
	all := sent.String() + shown + strings.Join(bodies, "\n")
	for _, v := range []string{"HUNTER2_R\xff", "HUNTER2_X", "HUNTER2_A", "HUNTER2_B"} {
		for _, f := range []string{v, strings.ToValidUTF8(v, "\uFFFD"), base64.StdEncoding.EncodeToString([]byte(v)), "HUNTER2", "72 85 78 84"} {
			if strings.Contains(all, f) {
				t.Errorf("GitHub received %q, a form of a Secret value", f)
			}
		}
	}
}
