package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
)

// sharedBaseResult is one new container in a base three overlays share:
// the same two findings at the same lines in each, and the same diff but
// for the namespace.
func sharedBaseResult() *checks.Result {
	r := &checks.Result{Base: "main", Head: "feature"}
	for _, env := range []string{"dev", "staging", "production"} {
		overlay := "deploy/overlays/" + env
		r.Overlays = append(r.Overlays, checks.OverlayResult{Path: overlay, Status: checks.OverlayChanged,
			Objects: checks.Counts{Changed: 1, Unchanged: 5},
			Diff:    "--- a/apps/v1/Deployment/" + env + "/backend\n+++ b/apps/v1/Deployment/" + env + "/backend\n@@ -20,3 +20,5 @@\n     spec:\n       containers:\n+      - image: fluent/fluent-bit:latest\n+        name: log-shipper\n"})
		obj := render.ObjectID{APIVersion: "apps/v1", Kind: "Deployment", Namespace: env, Name: "backend"}
		r.Findings = append(r.Findings,
			checks.Finding{Rule: "image-tag-mutable", Severity: checks.Warning, State: checks.New, Overlay: overlay, Object: obj,
				File: "deploy/bases/backend/deployment.yaml", Line: 27,
				Message: `image "fluent/fluent-bit:latest" of container "log-shipper" of Deployment ` + env + `/backend uses the mutable tag latest`},
			checks.Finding{Rule: "readiness-probe-missing", Severity: checks.Error, State: checks.New, Overlay: overlay, Object: obj,
				File: "deploy/bases/backend/deployment.yaml", Line: 25,
				Message: `container "log-shipper" of Deployment ` + env + `/backend has no readinessProbe`})
	}
	// Same rule and line, but a different image: not the same finding.
	r.Findings = append(r.Findings, checks.Finding{Rule: "image-tag-mutable", Severity: checks.Warning, State: checks.New,
		Overlay: "deploy/overlays/staging", Object: render.ObjectID{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "staging", Name: "backend"},
		File: "deploy/bases/backend/deployment.yaml", Line: 27,
		Message: `image "busybox" of container "debug" of Deployment staging/backend has no tag, so it runs whatever latest is when pulled`})
	return r
}

func TestGroups(t *testing.T) {
	var got []string
	for _, g := range Groups(sharedBaseResult().Findings) {
		got = append(got, g.First().Rule+" "+overlayList(g.Overlays()))
	}
	want := []string{
		"image-tag-mutable deploy/overlays/{dev, production, staging}",
		"readiness-probe-missing deploy/overlays/{dev, production, staging}",
		"image-tag-mutable deploy/overlays/staging",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("groups (-want +got):\n%s", d)
	}
}

// TestGroups_messageShape keeps apart what only looks alike: a namespace
// that is part of a longer word is not taken out.
func TestGroups_messageShape(t *testing.T) {
	f := func(ns, msg string) checks.Finding {
		return checks.Finding{Rule: "r", State: checks.New, File: "a.yaml", Line: 1, Overlay: ns,
			Object: render.ObjectID{Kind: "Role", Namespace: ns, Name: "api"}, Message: msg}
	}
	tests := map[string]struct {
		a, b checks.Finding
		same bool
	}{
		"namespaceAndObject": {f("prod", "Role prod/api grants get on secrets in prod"), f("staging", "Role staging/api grants get on secrets in staging"), true},
		"differentVerbs":     {f("prod", "Role prod/api grants get on secrets in prod"), f("staging", "Role staging/api grants list on secrets in staging"), false},
		"namespaceInWord":    {f("prod", "uses production-db"), f("staging", "uses staging-db"), false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := len(Groups([]checks.Finding{tt.a, tt.b})) == 1; got != tt.same {
				t.Errorf("grouped = %v, want %v", got, tt.same)
			}
		})
	}
}

// TestSharedBase_onceEach checks every output shows each finding and the
// diff once, naming the overlays, while counts stay per overlay and JSON
// keeps one finding per overlay.
func TestSharedBase_onceEach(t *testing.T) {
	r := sharedBaseResult()
	cr := Build(r, Approval{})
	if len(cr.Annotations) != 3 {
		t.Errorf("annotations: %d, want one per group (3)", len(cr.Annotations))
	}
	if n := strings.Count(cr.Text, "<details>"); n != 1 {
		t.Errorf("diff blocks: %d, want 1 for the one change", n)
	}
	if !strings.Contains(cr.Text, "the same change in 3 overlays") {
		t.Errorf("the diff does not name its overlays:\n%s", cr.Text)
	}
	if !strings.Contains(cr.Summary, "7 new findings, counted once per overlay, in 3 rows") {
		t.Errorf("summary does not say what its rows count:\n%s", cr.Summary)
	}
	if want := "1 blocking, 1 warning in 3 overlays"; !strings.Contains(cr.Title, "3 blocking, 4 warnings in 3 overlays") {
		t.Errorf("title %q: want the per-overlay counts (%s is what grouping would wrongly give)", cr.Title, want)
	}
	cs := Comments(r)
	if len(cs) != 2 {
		t.Fatalf("comments: %d, want one per source line (2)", len(cs))
	}
	for _, c := range cs {
		if c.Line == 27 && (len(c.Parts) != 2 || len(FingerprintsIn(c.Body)) != 4) {
			t.Errorf("line 27: %d parts hiding %d fingerprints, want 2 parts (two images) and 4 (one per finding)", len(c.Parts), len(FingerprintsIn(c.Body)))
		}
	}
	var text bytes.Buffer
	if err := Text(&text, r, Approval{}, false); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "testdata/golden/text-sharedBase.txt", text.Bytes())
	var md bytes.Buffer
	if err := Markdown(&md, r, Approval{}); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "testdata/golden/markdown-sharedBase.md", md.Bytes())
	var js bytes.Buffer
	if err := JSON(&js, r); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(js.String(), `"rule": `); n != 7 {
		t.Errorf("JSON findings: %d, want one per overlay (7)", n)
	}
}
