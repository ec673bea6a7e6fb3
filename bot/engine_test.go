package bot

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/checks"
)

// These tests run the real engine (render, checks, report) end to end over
// the fake GitHub. Until every part of the engine is in place they skip,
// naming the missing part.

// loadRepo reads testdata/repos/<name>/<side> into a file map.
func loadRepo(t *testing.T, name, side string) map[string]string {
	t.Helper()
	root := filepath.Join("testdata", "repos", name, side)
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// wholeFilePatch is a patch replacing old with new in one hunk, as GitHub
// would show a rewritten file.
func wholeFilePatch(old, new string) string {
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	}
	o, n := split(old), split(new)
	var b strings.Builder
	start := func(lines []string) int { return min(len(lines), 1) }
	b.WriteString("@@ -" + strconv.Itoa(start(o)) + "," + strconv.Itoa(len(o)) + " +" + strconv.Itoa(start(n)) + "," + strconv.Itoa(len(n)) + " @@")
	for _, l := range o {
		b.WriteString("\n-" + l)
	}
	for _, l := range n {
		b.WriteString("\n+" + l)
	}
	return b.String()
}

// engineHarness opens a pull request from the testdata repository's base
// to one of its head variants.
func engineHarness(t *testing.T, repo, head string) *fakeGitHub {
	t.Helper()
	gh := newFakeGitHub(testBot)
	base, hd := loadRepo(t, repo, "base"), loadRepo(t, repo, head)
	gh.setTree(baseSHA, base)
	gh.setTree(headSHA, hd)
	var files []ChangedFile
	for p, c := range hd {
		if base[p] != c {
			status := "modified"
			if _, ok := base[p]; !ok {
				status = "added"
			}
			files = append(files, ChangedFile{Path: p, Status: status, Patch: wholeFilePatch(base[p], c)})
		}
	}
	gh.openPR(PullRequest{Number: prNumber, Author: "dev", BaseRef: "main", BaseSHA: baseSHA, HeadSHA: headSHA}, files)
	return gh
}

func TestProcess_engine(t *testing.T) {
	tests := []struct {
		head       string
		conclusion string
		title      string // a part of the title
		// annotations: "path:first-last" ranges each annotation must fall in.
		annotations []string
	}{
		{head: "clean", conclusion: "success"},
		{head: "docs-only", conclusion: "success", title: "No rendered changes"},
		{head: "missing-probes", conclusion: "failure",
			annotations: []string{"apps/api/deployment.yaml:17-24", "apps/api/deployment.yaml:17-24"}},
		{head: "rbac", conclusion: "action_required"},
	}
	for _, tc := range tests {
		t.Run(tc.head, func(t *testing.T) {
			gh := engineHarness(t, "api", tc.head)
			p := NewPipeline(PipelineConfig{
				Clients:  func(int64) (GitHub, error) { return gh, nil },
				Rules:    checks.Default(),
				BotLogin: testBot,
				Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			err := p.Process(context.Background(), Job{Repo: testRepo, Number: prNumber, HeadSHA: headSHA, Event: "pull_request", Action: "opened"})
			runs := gh.checkRuns(headSHA)
			if len(runs) != 1 {
				t.Fatalf("check runs: %d, want 1 (err %v)", len(runs), err)
			}
			r := runs[0]
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if r.run.Status != "completed" || r.run.Conclusion != tc.conclusion {
				t.Errorf("run %s %s (%q), want completed %s", r.run.Status, r.run.Conclusion, r.run.Output.Title, tc.conclusion)
			}
			if !strings.Contains(r.run.Output.Title, tc.title) {
				t.Errorf("title %q, want it to contain %q", r.run.Output.Title, tc.title)
			}
			if tc.annotations != nil && len(r.annotations) != len(tc.annotations) {
				t.Errorf("annotations: %+v, want %d", r.annotations, len(tc.annotations))
			}
			for i, want := range tc.annotations {
				if i >= len(r.annotations) {
					break
				}
				a := r.annotations[i]
				path, span, _ := strings.Cut(want, ":")
				lo, hi, _ := strings.Cut(span, "-")
				if a.Path != path || a.StartLine < mustAtoi(t, lo) || a.StartLine > mustAtoi(t, hi) {
					t.Errorf("annotation at %s:%d, want %s", a.Path, a.StartLine, want)
				}
			}
		})
	}
}

func firstLine(s, containing string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, containing) {
			return l
		}
	}
	return s
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
