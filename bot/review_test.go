package bot

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/report"
)

func TestRightLines(t *testing.T) {
	tests := []struct {
		name  string
		patch string
		want  []int
	}{
		{name: "empty"},
		{name: "newFile", patch: "@@ -0,0 +1,3 @@\n+a\n+b\n+c", want: []int{1, 2, 3}},
		{name: "contextAndRemoved", patch: "@@ -10,4 +10,4 @@ func x() {\n ctx\n-old\n+new\n ctx\n-gone\n ctx", want: []int{10, 11, 12, 13}},
		{name: "twoHunks", patch: "@@ -1,2 +1,2 @@\n a\n-b\n+B\n@@ -40 +40,2 @@\n x\n+y", want: []int{1, 2, 40, 41}},
		{name: "noNewline", patch: "@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file", want: []int{1}},
		{name: "singleLineCount", patch: "@@ -3 +3 @@\n-a\n+b", want: []int{3}},
		{name: "deletedFile", patch: "@@ -1,2 +0,0 @@\n-a\n-b"},
		{name: "malformedHeader", patch: "@@ -1,2 +x,y @@\n+a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []int
			for l := range rightLines(tc.patch) {
				got = append(got, l)
			}
			sort.Ints(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProcess_reviewComments(t *testing.T) {
	const file = "apps/api/deploy.yaml"
	tests := []struct {
		name     string
		findings []checks.Finding
		// inline is "path:line" of the inline comments, file the paths of
		// file-level ones.
		inline, fileLevel []string
		body              string // a part of the review body; "" means no review
	}{
		{name: "nothingToSay"},
		{name: "onAddedLine", findings: []checks.Finding{finding("readiness-probe-missing", checks.Error, false, file, 2, "no probe")},
			inline: []string{file + ":2"}, body: "kustoguard: 1 new finding on"},
		{name: "onContextLine", findings: []checks.Finding{finding("readiness-probe-missing", checks.Error, false, file, 1, "no probe")},
			inline: []string{file + ":1"}, body: "1 new finding"},
		{name: "lineOutsideDiff", findings: []checks.Finding{finding("readiness-probe-missing", checks.Error, false, file, 30, "no probe")},
			fileLevel: []string{file}, body: "1 new finding"},
		{name: "unknownLine", findings: []checks.Finding{finding("rbac-change", checks.Warning, true, file, 0, "role")},
			fileLevel: []string{file}, body: "1 new finding"},
		{name: "fileNotInPR", findings: []checks.Finding{finding("readiness-probe-missing", checks.Error, false, "bases/api/deploy.yaml", 3, "no probe")}},
		{name: "existingAndResolvedNotCommented", findings: []checks.Finding{
			func() checks.Finding {
				f := finding("readiness-probe-missing", checks.Error, false, file, 2, "old")
				f.State = checks.Existing
				return f
			}(),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.setResult(tc.findings...)
			h.mustProcess(h.job("pull_request", "opened"))
			revs := h.gh.created[prNumber]
			if tc.body == "" {
				if len(revs) != 0 || len(h.gh.rcs[prNumber]) != 0 {
					t.Fatalf("posted %d reviews, %d comments; want none", len(revs), len(h.gh.rcs[prNumber]))
				}
				return
			}
			if len(revs) != 1 {
				t.Fatalf("reviews: %d, want 1", len(revs))
			}
			rev := revs[0]
			if rev.Event != "COMMENT" || rev.CommitSHA != headSHA || !strings.Contains(rev.Body, tc.body) {
				t.Errorf("review %s on %s: %q", rev.Event, short(rev.CommitSHA), rev.Body)
			}
			var inline []string
			for _, c := range rev.Comments {
				inline = append(inline, fmt.Sprintf("%s:%d", c.Path, c.Line))
				if len(report.FingerprintsIn(c.Body)) != 1 {
					t.Errorf("comment without a fingerprint: %q", c.Body)
				}
			}
			if diff := cmp.Diff(tc.inline, inline); diff != "" {
				t.Errorf("inline comments (-want +got):\n%s", diff)
			}
			var fileLevel []string
			for _, c := range h.gh.rcs[prNumber] {
				if !strings.Contains(c.Body, "kustoguard:fingerprint") {
					continue
				}
				isInline := false
				for _, ic := range rev.Comments {
					isInline = isInline || ic.Body == c.Body
				}
				if !isInline {
					fileLevel = append(fileLevel, c.Path)
				}
			}
			if diff := cmp.Diff(tc.fileLevel, fileLevel); diff != "" {
				t.Errorf("file-level comments (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProcess_reviewCap(t *testing.T) {
	h := newHarness(t)
	var patch strings.Builder
	patch.WriteString("@@ -0,0 +1,60 @@")
	for range 60 {
		patch.WriteString("\n+x")
	}
	h.gh.files[prNumber] = []ChangedFile{{Path: "apps/api/deploy.yaml", Status: "added", Patch: patch.String()}}
	var fs []checks.Finding
	for i := range 45 {
		fs = append(fs, finding("cpu-limit-missing", checks.Warning, false, "apps/api/deploy.yaml", i+1, fmt.Sprintf("c%02d", i)))
	}
	h.setResult(fs...)
	h.mustProcess(h.job("pull_request", "opened"))
	revs := h.gh.created[prNumber]
	if len(revs) != 1 || len(revs[0].Comments) != 30 {
		t.Fatalf("want one review with 30 comments, got %d reviews", len(revs))
	}
	if !strings.Contains(revs[0].Body, "15 more new findings are listed in the kustoguard check run") {
		t.Errorf("body does not mention the rest:\n%s", revs[0].Body)
	}
	if strings.Contains(revs[0].Body, "http") {
		t.Errorf("body has a link:\n%s", revs[0].Body)
	}
}

func TestPlanReview_skipsPosted(t *testing.T) {
	files := []ChangedFile{{Path: "a.yaml", Patch: "@@ -0,0 +1,2 @@\n+a\n+b"}}
	c := testComments(&checks.Result{Findings: []checks.Finding{
		finding("r", checks.Error, false, "a.yaml", 1, "one"),
		finding("r", checks.Error, false, "a.yaml", 2, "two"),
	}})
	plan := planReview(append(c, c[0]), files, map[string]bool{c[1].Fingerprint: true})
	if len(plan.inline) != 1 || plan.inline[0].Line != 1 || len(plan.fileLevel) != 0 {
		t.Errorf("plan: %+v", plan)
	}
}

func TestProcess_humanMarkersIgnored(t *testing.T) {
	h := newHarness(t)
	f := finding("readiness-probe-missing", checks.Error, false, "apps/api/deploy.yaml", 2, "no probe")
	h.setResult(f)
	// Someone quoting the bot's marker does not stop the bot commenting.
	h.gh.rcs[prNumber] = []PostedComment{{User: "dev", Path: "apps/api/deploy.yaml", Body: "<!-- kustoguard:fingerprint=" + findingFingerprint(f) + " -->"}}
	h.gh.reviews[prNumber] = []PRReview{{ID: 1, User: "dev", State: "COMMENTED", CommitSHA: headSHA, Body: reviewMarker}}
	h.mustProcess(h.job("pull_request", "opened"))
	if revs := h.gh.created[prNumber]; len(revs) != 1 || len(revs[0].Comments) != 1 {
		t.Errorf("reviews %+v, want one with one comment", revs)
	}
}
