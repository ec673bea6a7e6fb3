package report

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kustoguard/kustoguard/checks"
)

func TestConclusion(t *testing.T) {
	newErr := checks.Finding{Rule: "readiness-probe-missing", Severity: checks.Error, State: checks.New}
	newApproval := checks.Finding{Rule: "rbac-change", Severity: checks.Warning, Approval: true, State: checks.New}
	existingErr := checks.Finding{Rule: "liveness-probe-missing", Severity: checks.Error, State: checks.Existing}
	newWarning := checks.Finding{Rule: "cpu-limit-missing", Severity: checks.Warning, State: checks.New}
	broken := checks.OverlayResult{Path: "clusters/prod/apps/api", Status: checks.OverlayError}

	tests := []struct {
		name     string
		findings []checks.Finding
		overlays []checks.OverlayResult
		approval Approval
		want     string
	}{
		{name: "nothing", want: Success},
		{name: "warningOnly", findings: []checks.Finding{newWarning}, want: Success},
		{name: "existingErrorDoesNotBlock", findings: []checks.Finding{existingErr}, want: Success},
		{name: "newError", findings: []checks.Finding{newErr}, want: Failure},
		{name: "renderError", overlays: []checks.OverlayResult{broken}, want: Failure},
		{name: "approvalNeeded", findings: []checks.Finding{newApproval}, approval: Approval{Required: true}, want: ActionRequired},
		{name: "approvalWinsOverFailure", findings: []checks.Finding{newErr, newApproval}, approval: Approval{Required: true}, want: ActionRequired},
		{name: "approved", findings: []checks.Finding{newApproval}, approval: Approval{Required: true, By: []string{"alice"}}, want: Success},
		{name: "approvedThenErrorsFail", findings: []checks.Finding{newErr, newApproval}, approval: Approval{Required: true, By: []string{"alice"}}, want: Failure},
		// The gate is decided by the findings, not by a caller forgetting Required.
		{name: "approvalFromFindings", findings: []checks.Finding{newApproval}, want: Success},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &checks.Result{Findings: tc.findings, Overlays: tc.overlays}
			if got := Conclusion(r, tc.approval); got != tc.want {
				t.Errorf("Conclusion = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTitle(t *testing.T) {
	r := testResult()
	tests := []struct {
		name     string
		result   *checks.Result
		approval Approval
		want     string
	}{
		{name: "approvalNeeded", result: r, approval: Approval{Required: true},
			want: "Approval needed: image-registry-untrusted, rbac-change, rbac-escalation · 5 blocking, 2 warnings, 1 notice in 4 overlays"},
		{name: "approved", result: r, approval: Approval{Required: true, By: []string{"alice"}},
			want: "Approved by @alice · 2 blocking, 5 warnings, 1 notice in 4 overlays"},
		{name: "noChanges", result: &checks.Result{}, want: "No rendered changes"},
		{name: "unchangedOverlays", result: &checks.Result{Overlays: []checks.OverlayResult{{Path: "a", Status: checks.OverlayUnchanged}}},
			want: "No rendered changes in 1 overlay"},
		{name: "changedClean", result: &checks.Result{Overlays: []checks.OverlayResult{{Path: "a", Status: checks.OverlayChanged}, {Path: "b", Status: checks.OverlayAdded}}},
			want: "No new findings in 2 overlays"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Title(tc.result, tc.approval); got != tc.want {
				t.Errorf("Title =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestMarkdown(t *testing.T) {
	tests := map[string]struct {
		result   *checks.Result
		approval Approval
	}{
		"approvalNeeded": {testResult(), Approval{Required: true, Approvers: []string{"@acme/platform-security", "@alice"}}},
		"approved":       {testResult(), Approval{Required: true, By: []string{"alice"}}},
		"noChanges":      {&checks.Result{Base: "main", Head: "WORKTREE"}, Approval{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Markdown(&b, tc.result, tc.approval); err != nil {
				t.Fatal(err)
			}
			assertGolden(t, "testdata/golden/markdown-"+name+".md", b.Bytes())
			cr := Build(tc.result, tc.approval)
			want := "## " + cr.Title + "\n\n"
			if !strings.HasPrefix(b.String(), want) {
				t.Errorf("markdown does not start with the title line %q", want)
			}
		})
	}
}

func TestBuild_diffOrderAndDetails(t *testing.T) {
	cr := Build(testResult(), Approval{Required: true})
	prod := strings.Index(cr.Text, "<code>clusters/prod/apps/api</code>")
	staging := strings.Index(cr.Text, "<code>clusters/staging/apps/api</code>")
	if prod < 0 || staging < 0 || prod > staging {
		t.Errorf("want the overlay with blocking findings first; prod at %d, staging at %d", prod, staging)
	}
	if strings.Contains(cr.Text, "clusters/prod/apps/worker") {
		t.Error("an unchanged overlay has no diff to show")
	}
	if n := strings.Count(cr.Text, "```diff"); n != 2 {
		t.Errorf("want 2 diff fences, got %d", n)
	}
}

func TestBuild_limits(t *testing.T) {
	tests := map[string]*checks.Result{
		"manyDiffs":    bigResult(60, 1),
		"manyFindings": bigResult(20, 150),
		"oneHugeDiff":  bigResult(1, 0),
	}
	tests["oneHugeDiff"].Overlays[0].Diff = strings.Repeat(tests["oneHugeDiff"].Overlays[0].Diff, 20)
	for name, r := range tests {
		t.Run(name, func(t *testing.T) {
			cr := Build(r, Approval{})
			if len(cr.Summary) > MaxOutput {
				t.Errorf("summary is %d bytes, over %d", len(cr.Summary), MaxOutput)
			}
			if len(cr.Text) > MaxOutput {
				t.Errorf("text is %d bytes, over %d", len(cr.Text), MaxOutput)
			}
			if !strings.Contains(cr.Text, "omitted; run `kustoguard check` locally for the full diff") {
				t.Error("a cut text must say so")
			}
			if strings.Count(cr.Text, "<details>") != strings.Count(cr.Text, "</details>") {
				t.Error("unbalanced <details> blocks")
			}
		})
	}
	cr := Build(bigResult(20, 150), Approval{})
	if !strings.Contains(cr.Summary, "more new findings; run `kustoguard check` locally") {
		t.Error("a shortened findings table must say how many rows it left out")
	}
}

func TestAnnotations(t *testing.T) {
	cr := Build(testResult(), Approval{Required: true})
	want := []Annotation{
		{Path: "clusters/dev/apps/api/kustomization.yaml", Line: 1, Level: LevelFailure, Title: "render-error: Kustomization clusters/dev/apps/api",
			Message: "clusters/dev/apps/api no longer renders: accumulating resources from '../../../../bases/api-v2': not a valid directory"},
		{Path: "bases/api/rbac.yaml", Line: 8, Level: LevelWarning, Title: "rbac-change: Role api", Message: "Role prod/api changed: now grants get, list on secrets"},
		{Path: "bases/api/rbac.yaml", Line: 14, Level: LevelFailure, Title: "rbac-escalation: Role api", Message: "ServiceAccount prod/api can read secrets in prod (get, list on secrets)"},
		{Path: "clusters/prod/apps/api/sidecar-patch.yaml", Line: 9, Level: LevelFailure, Title: "readiness-probe-missing: Deployment api", Message: "container metrics-sidecar has no readinessProbe"},
		{Path: "clusters/prod/apps/api/sidecar-patch.yaml", Line: 10, Level: LevelWarning, Title: "image-registry-untrusted: Deployment api", Message: "image docker.io/library/busybox:latest is not from an allowed registry (ghcr.io/acme/)"},
		{Path: "clusters/prod/apps/api/sidecar-patch.yaml", Line: 10, Level: LevelWarning, Title: "image-tag-mutable: Deployment api", Message: "image docker.io/library/busybox:latest uses the mutable tag latest"},
		{Path: "clusters/prod/apps/api/service-public.yaml", Line: 1, Level: LevelWarning, Title: "service-loadbalancer: Service api-public", Message: "Service api-public of type LoadBalancer has no loadBalancerSourceRanges | open to the internet"},
		{Path: "bases/worker/deployment.yaml", Line: 17, Level: LevelNotice, Title: "liveness-probe-missing: Deployment worker", Message: "container worker has no livenessProbe"},
	}
	if d := cmp.Diff(want, cr.Annotations); d != "" {
		t.Errorf("annotations (-want +got):\n%s", d)
	}
}

func TestComments(t *testing.T) {
	got := comments(testResult(), testRules())
	var b strings.Builder
	for _, c := range got {
		b.WriteString("=== " + c.Path + ":" + strconv.Itoa(c.Line) + "\n" + c.Body)
	}
	assertGolden(t, "testdata/golden/comments.md", []byte(b.String()))

	// Seven new findings have a file; two share sidecar-patch.yaml:10.
	if len(got) != 6 {
		t.Fatalf("want one comment per source line with new findings (6), got %d", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i-1].Path > got[i].Path || (got[i-1].Path == got[i].Path && got[i-1].Line > got[i].Line) {
			t.Errorf("comments not sorted by path and line at %d", i)
		}
	}
	for _, c := range got {
		var want []string
		for _, p := range c.Parts {
			want = append(want, p.Fingerprints...)
		}
		if fps := FingerprintsIn(c.Body); !slices.Equal(fps, want) || fps[0] != c.Fingerprint {
			t.Errorf("body of %s:%d hides %v, want %v (first %s)", c.Path, c.Line, fps, want, c.Fingerprint)
		}
	}
}

func TestFingerprint(t *testing.T) {
	f := testResult().Findings[1]
	moved := f
	moved.Line, moved.File = 40, "bases/api/rbac-moved.yaml"
	otherMsg := f
	otherMsg.Message = "Role prod/api changed: now grants get on secrets"
	otherOverlay := f
	otherOverlay.Overlay = "clusters/staging/apps/api"

	if Fingerprint(f) != Fingerprint(moved) {
		t.Error("a finding that only moves must keep its fingerprint")
	}
	for name, g := range map[string]checks.Finding{"message": otherMsg, "overlay": otherOverlay} {
		if Fingerprint(f) == Fingerprint(g) {
			t.Errorf("a different %s must change the fingerprint", name)
		}
	}
	if fp := Fingerprint(f); len(fp) != 32 || strings.Trim(fp, "0123456789abcdef") != "" {
		t.Errorf("fingerprint %q is not 32 hex digits", fp)
	}
}

func TestFingerprintsIn(t *testing.T) {
	tests := map[string]struct {
		body string
		want []string
	}{
		"none":     {"just a comment", nil},
		"one":      {"text\n<!-- kustoguard:fingerprint=00ff -->\n", []string{"00ff"}},
		"two":      {"<!-- kustoguard:fingerprint=aa -->x<!-- kustoguard:fingerprint=bb -->", []string{"aa", "bb"}},
		"notHex":   {"<!-- kustoguard:fingerprint=zz -->", nil},
		"quotedUp": {"<!-- KUSTOGUARD:fingerprint=aa -->", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, FingerprintsIn(tc.body)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestApproversOf(t *testing.T) {
	cfg := &checks.Config{Approvers: []checks.Approvers{
		{Rules: []string{"rbac-change", "rbac-escalation"}, Teams: []string{"acme/platform-security"}, Users: []string{"alice"}},
		{Rules: []string{"config-change"}, Users: []string{"bob"}},
		{Users: []string{"carol"}},
	}}
	got := ApproversOf(cfg, testResult().Findings)
	want := []string{"@acme/platform-security", "@alice", "@carol"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if got := ApproversOf(cfg, nil); len(got) != 0 {
		t.Errorf("nothing needs approval, yet approvers %v", got)
	}
}

func TestSummary_escaping(t *testing.T) {
	r := &checks.Result{
		Overlays: []checks.OverlayResult{{Path: "apps/a|b", Status: checks.OverlayChanged}},
		Findings: []checks.Finding{{Rule: "x", Severity: checks.Warning, State: checks.New, Overlay: "apps/a|b",
			File: "apps/a&b/k.yaml", Line: 3, Message: "<script>alert(1)</script> | two\nlines"}},
	}
	s := Build(r, Approval{}).Summary
	for _, want := range []string{"`apps/a\\|b`", "`apps/a&b/k.yaml:3`", "&lt;script&gt;alert(1)&lt;/script&gt; \\| two<br>lines"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}
