package bot

import (
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/bot/githubtest"
	"github.com/kustoguard/kustoguard/report"
)

// TestE2E_demoOneCommentPerLine posts the review of the README's demo pull
// request: the Role grant in the shared base trips rbac-change and
// rbac-escalation in two overlays, four findings on one line, which must be
// one inline comment that hides all four fingerprints.
func TestE2E_demoOneCommentPerLine(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	for sha, dir := range map[string]string{e2eBaseSHA: "../testdata/demo/base", commitSHA("demo", 1): "../testdata/demo/head"} {
		files, err := githubtest.ReadTree(dir)
		if err != nil {
			t.Fatal(err)
		}
		e.gh.SetTree(e2eOwner, e2eName, sha, files)
	}
	head := commitSHA("demo", 1)
	e.gh.OpenPR(e2eOwner, e2eName, githubtest.PR{Number: 1, Author: e2eAuthor, BaseRef: "main", BaseSHA: e2eBaseSHA, HeadSHA: head})
	e.deliver(e.prEvent(1, "opened"))
	requireEngine(t, e.settle(head))

	where, bodies := e.comments(1)
	perLine := map[string]int{}
	for _, w := range where {
		perLine[w]++
	}
	for w, n := range perLine {
		if n > 1 && !strings.HasSuffix(w, ":0") {
			t.Errorf("%s has %d inline comments, want one per line", w, n)
		}
	}
	const grant = "bases/api/rbac.yaml:11"
	if perLine[grant] != 1 {
		t.Fatalf("comments at %s: %d, want 1; comments at %q", grant, perLine[grant], where)
	}
	for i, w := range where {
		if w != grant {
			continue
		}
		b := bodies[i]
		if n := len(report.FingerprintsIn(b)); n != 4 {
			t.Errorf("the comment at %s hides %d fingerprints, want 4 (two rules in two overlays):\n%s", grant, n, b)
		}
		for _, want := range []string{"rbac-change", "rbac-escalation", "In 2 overlays"} {
			if !strings.Contains(b, want) {
				t.Errorf("the comment at %s does not say %q:\n%s", grant, want, b)
			}
		}
	}

	// A redelivery after a push that changes nothing flagged posts nothing
	// again: every fingerprint of the grouped comment counts as posted.
	before := len(where)
	next := commitSHA("demo", 2)
	files, err := githubtest.ReadTree("../testdata/demo/head")
	if err != nil {
		t.Fatal(err)
	}
	e.gh.Push(e2eOwner, e2eName, 1, next, files)
	e.deliver(e.prEvent(1, "synchronize"))
	e.settle(next)
	if after, _ := e.comments(1); len(after) != before {
		t.Errorf("comments after a push that changes nothing: %d, want %d", len(after), before)
	}
}

// TestPlanReview_partsPostedEarlier keeps of a comment only the parts with
// a finding not yet commented on, and counts findings, not comments.
func TestPlanReview_partsPostedEarlier(t *testing.T) {
	files := []ChangedFile{{Path: "a.yaml", Patch: "@@ -0,0 +1,2 @@\n+a\n+b"}}
	parts := []report.CommentPart{
		{Body: "rule one <!-- kustoguard:fingerprint=aa -->\n", Fingerprints: []string{"aa", "ab"}},
		{Body: "rule two <!-- kustoguard:fingerprint=bb -->\n", Fingerprints: []string{"bb"}},
	}
	c := report.Comment{Path: "a.yaml", Line: 1, Parts: parts, Fingerprint: "aa", Body: report.CommentBody(parts)}
	tests := map[string]struct {
		posted   map[string]bool
		want     string // part bodies kept, "" for no comment
		findings int
	}{
		"nonePosted":        {map[string]bool{}, "rule one|rule two", 3},
		"firstPartPosted":   {map[string]bool{"aa": true, "ab": true}, "rule two", 1},
		"newOverlayInGroup": {map[string]bool{"aa": true, "bb": true}, "rule one", 2},
		"allPosted":         {map[string]bool{"aa": true, "ab": true, "bb": true}, "", 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			p := planReview([]report.Comment{c}, files, tt.posted)
			var got []string
			for _, ic := range p.inline {
				for _, r := range []string{"rule one", "rule two"} {
					if strings.Contains(ic.Body, r) {
						got = append(got, r)
					}
				}
			}
			if strings.Join(got, "|") != tt.want || p.findings != tt.findings {
				t.Errorf("kept %q with %d findings, want %q with %d", got, p.findings, tt.want, tt.findings)
			}
		})
	}
}
