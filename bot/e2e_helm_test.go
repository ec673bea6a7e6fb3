package bot

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

// End-to-end on a repository that inflates a Helm chart: a pull request
// changing the chart's values and one changing a template are reviewed
// through the webhook against the fake GitHub, with the findings at the
// chart's template and no phantom objects.

const helmApp = "apps/guestbook/"

// helmRepo is the guestbook base of testdata/helm under apps/guestbook,
// with edit applied to each file.
func helmRepo(t *testing.T, edit func(path string, b []byte) []byte) map[string][]byte {
	t.Helper()
	src, err := githubtest.ReadTree(filepath.Join("..", "testdata", "helm", "cases", "guestbook-base"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for p, b := range src {
		if edit != nil {
			b = edit(p, b)
		}
		files[helmApp+p] = b
	}
	return files
}

func TestE2E_helmChartPullRequests(t *testing.T) {
	const service = "charts/helm-guestbook/templates/service.yaml"
	const deployment = "charts/helm-guestbook/templates/deployment.yaml"
	tests := []struct {
		name        string
		edit        func(path string, b []byte) []byte
		conclusion  string
		annotations []string // "path:line rule" that must be among the run's
		counts      string   // the overlay's object counts in the summary
	}{
		{name: "values", conclusion: "success", counts: "+0 ~1 -0",
			edit: func(p string, b []byte) []byte {
				if p == "kustomization.yaml" {
					return bytes.Replace(b, []byte("    releaseName: gb\n"), []byte("    releaseName: gb\n    valuesInline:\n      service:\n        type: LoadBalancer\n"), 1)
				}
				return b
			},
			annotations: []string{helmApp + service + ":2 service-loadbalancer"}},
		{name: "template", conclusion: "failure", counts: "+0 ~1 -0",
			edit: func(p string, b []byte) []byte {
				if p == deployment {
					i := bytes.Index(b, []byte("          readinessProbe:"))
					j := bytes.Index(b, []byte("          resources:"))
					if i < 0 || j < i {
						t.Fatalf("the fixture's deployment template changed; adjust the test")
					}
					return append(append([]byte(nil), b[:i]...), b[j:]...)
				}
				return b
			},
			annotations: []string{helmApp + deployment + ":2 readiness-probe-missing"}},
	}
	e := newE2E(t, e2eOptions{})
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			n := 300 + i
			e.gh.SetTree(e2eOwner, e2eName, e2eBaseSHA, helmRepo(t, nil))
			head := commitSHA("helm-"+tc.name, n)
			e.gh.SetTree(e2eOwner, e2eName, head, helmRepo(t, tc.edit))
			e.gh.OpenPR(e2eOwner, e2eName, githubtest.PR{Number: n, Author: e2eAuthor, BaseRef: "main",
				BaseSHA: e2eBaseSHA, HeadSHA: head})
			e.deliver(e.prEvent(n, "opened"))
			run := e.settle(head)
			requireEngine(t, run)
			out := run.GetOutput()
			text := out.GetSummary() + out.GetText()
			if run.GetConclusion() != tc.conclusion {
				t.Errorf("conclusion %s (%q), want %s\n%s", run.GetConclusion(), out.GetTitle(), tc.conclusion, text)
			}
			if !strings.Contains(text, "apps/guestbook") || !strings.Contains(text, tc.counts) {
				t.Errorf("summary does not show apps/guestbook changed %s:\n%s", tc.counts, text)
			}
			got := runAnnotations(run)
			for _, a := range tc.annotations {
				if !slices.Contains(got, a) {
					t.Errorf("no annotation %q; annotations: %q", a, got)
				}
			}
		})
	}
}
