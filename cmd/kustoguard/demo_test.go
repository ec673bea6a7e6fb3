package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kustoguard/kustoguard/checks"
)

// The demo's Secret values, plain and as the rendered Secret holds them:
// no report may show any of them.
var demoSecretValues = []string{
	"prod-db-password-2024", "cHJvZC1kYi1wYXNzd29yZC0yMDI0",
	"rotated-prod-db-password-2025", "cm90YXRlZC1wcm9kLWRiLXBhc3N3b3JkLTIwMjU=",
	"staging-db-password", "c3RhZ2luZy1kYi1wYXNzd29yZA==",
}

// runEngine runs the real command, skipping while the review engine of
// this build is still a placeholder.
func runEngine(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runWith(t, engine(), args...)
}

func runWith(t *testing.T, deps checkDeps, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	code = check(context.Background(), args, &out, &errw, deps)
	return code, out.String(), errw.String()
}

// reviewOnce is the real engine, except that the review runs once and is
// reused for every format (the formats are what these tests compare).
func reviewOnce() checkDeps {
	deps := engine()
	var (
		once sync.Once
		res  *checks.Result
		err  error
	)
	review := deps.review
	deps.review = func(ctx context.Context, in checks.ReviewInput) (*checks.Result, error) {
		once.Do(func() { res, err = review(ctx, in) })
		return res, err
	}
	return deps
}

// TestCheck_demo runs the README's main command in every format (needs
// the real engine): exit 1, goldens for markdown and json, no Secret value
// anywhere, and the findings the demo pull request is built to trip.
func TestCheck_demo(t *testing.T) {
	t.Chdir("../..")
	deps := reviewOnce()
	outputs := map[string]string{}
	for _, format := range []string{"json", "markdown", "text", "sarif"} {
		t.Run(format, func(t *testing.T) {
			code, out, stderr := runWith(t, deps, "--format", format, "testdata/demo/base", "testdata/demo/head")
			if code != exitBlocking {
				t.Fatalf("exit %d, want %d (blocking findings); stderr %q", code, exitBlocking, stderr)
			}
			outputs[format] = out
			for _, v := range demoSecretValues {
				if strings.Contains(out, v) {
					t.Errorf("%s report shows the secret value %q", format, v)
				}
			}
			switch format {
			case "markdown":
				assertGolden(t, "cmd/kustoguard/testdata/golden/demo.md", []byte(out))
			case "json":
				assertGolden(t, "cmd/kustoguard/testdata/golden/demo.json", []byte(out))
				if !strings.Contains(out, "DB_PASSWORD") {
					t.Error("the diff should still say which Secret key changed")
				}
			}
		})
	}
	if outputs["json"] == "" {
		return
	}
	var res checks.Result
	if err := json.Unmarshal([]byte(outputs["json"]), &res); err != nil {
		t.Fatal(err)
	}
	if res.Base != "testdata/demo/base" || res.Head != "testdata/demo/head" {
		t.Errorf("names %q, %q: want the directories as given", res.Base, res.Head)
	}
	status := map[string]checks.OverlayStatus{}
	for _, o := range res.Overlays {
		status[o.Path] = o.Status
	}
	wantStatus := map[string]checks.OverlayStatus{
		"clusters/prod/apps/api":    checks.OverlayChanged,
		"clusters/staging/apps/api": checks.OverlayChanged,
		"clusters/prod/apps/worker": checks.OverlayUnchanged, // only comments and key order changed
	}
	for p, want := range wantStatus {
		if status[p] != want {
			t.Errorf("overlay %s: status %q, want %q", p, status[p], want)
		}
	}
	newRules := map[string]bool{}
	for _, f := range res.Findings {
		if f.State == checks.New {
			newRules[f.Rule] = true
		}
		if f.Overlay == "clusters/prod/apps/worker" && f.State == checks.New {
			t.Errorf("the reformatted worker overlay has a new finding: %+v", f)
		}
	}
	for _, rule := range []string{"rbac-change", "rbac-escalation", "readiness-probe-missing",
		"image-registry-untrusted", "image-tag-mutable", "service-loadbalancer"} {
		if !newRules[rule] {
			t.Errorf("the demo pull request should trip %s", rule)
		}
	}
}

// TestCheck_demoGit reviews the demo as two commits of a repository
// (needs the real engine).
func TestCheck_demoGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	copyTree(t, "../../testdata/demo/base", dir)
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	git("checkout", "-q", "-b", "pr")
	if err := os.RemoveAll(filepath.Join(dir, "clusters")); err != nil {
		t.Fatal(err)
	}
	copyTree(t, "../../testdata/demo/head", dir)
	git("add", "-A")
	git("commit", "-q", "-m", "head")

	for name, args := range map[string][]string{
		"revisions": {"check", "--repo", dir, "--base", "main", "--head", "pr", "--format", "json"},
		"worktree":  {"check", "--repo", dir, "--format", "json"},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, stderr := runEngine(t, args[1:]...)
			if code != exitBlocking {
				t.Fatalf("exit %d, want %d; stderr %q", code, exitBlocking, stderr)
			}
			var res checks.Result
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			wantHead := map[string]string{"revisions": "pr", "worktree": "WORKTREE"}[name]
			if res.Base != "main" || res.Head != wantHead {
				t.Errorf("names %q, %q; want main, %s", res.Base, res.Head, wantHead)
			}
			if len(res.Overlays) == 0 {
				t.Error("want the affected overlays")
			}
		})
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		write(t, to, filepath.ToSlash(rel), string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
