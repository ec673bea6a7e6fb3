package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kustoguard/kustoguard/checks"
)

// gitRepo makes a repository whose main branch has one commit and whose
// feature branch (checked out) has a second one.
func gitRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("init", "-q", "-b", "main")
	write(t, dir, "apps/api/kustomization.yaml", "resources: [deploy.yaml]\n")
	write(t, dir, "apps/api/deploy.yaml", "kind: Deployment\n")
	write(t, dir, "apps/web/old.yaml", "kind: Service\n")
	write(t, dir, "apps/web/gone.yaml", "kind: Service\n")
	write(t, dir, ".gitignore", "build/\n")
	run("add", ".")
	run("commit", "-q", "-m", "base")
	run("checkout", "-q", "-b", "feature")
	write(t, dir, "apps/api/deploy.yaml", "kind: Deployment # v2\n")
	run("mv", "apps/web/old.yaml", "apps/web/new.yaml")
	run("commit", "-q", "-am", "head")
	return dir
}

func TestCheck_git(t *testing.T) {
	dir := gitRepo(t)
	// Uncommitted work: a modified tracked file and an untracked one.
	write(t, dir, "apps/api/kustomization.yaml", "resources: [deploy.yaml, extra.yaml]\n")
	write(t, dir, "apps/api/extra.yaml", "kind: ConfigMap\n")
	write(t, dir, "build/kustoguard", strings.Repeat("x", 1<<20))
	if err := os.Remove(filepath.Join(dir, "apps/web/gone.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "apps/api/outside.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("deploy.yaml", filepath.Join(dir, "apps/api/inside.yaml")); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name                 string
		args                 []string
		wantBase, wantHead   string
		wantChanged          []string
		wantLoadedBaseFromMB bool
		wantHeadFiles        []string
	}{
		{name: "worktreeAgainstMergeBase", args: []string{"--repo", dir},
			wantBase: "main", wantHead: "WORKTREE", wantLoadedBaseFromMB: true,
			wantChanged: []string{"apps/api/deploy.yaml", "apps/api/extra.yaml", "apps/api/inside.yaml", "apps/api/kustomization.yaml",
				"apps/api/outside.yaml", "apps/web/gone.yaml", "apps/web/new.yaml", "apps/web/old.yaml"},
			// What git sees on disk: ignored, deleted and escaping files are not read.
			wantHeadFiles: []string{".gitignore", "apps/api/deploy.yaml", "apps/api/extra.yaml", "apps/api/inside.yaml",
				"apps/api/kustomization.yaml", "apps/web/new.yaml"}},
		{name: "twoRevisions", args: []string{"--repo", dir, "--base", "main", "--head", "feature"},
			wantBase: "main", wantHead: "feature",
			wantChanged: []string{"apps/api/deploy.yaml", "apps/web/new.yaml", "apps/web/old.yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got checks.ReviewInput
			var stdout, stderr bytes.Buffer
			if code := check(context.Background(), tc.args, &stdout, &stderr, fakeEngine(t, &checks.Result{}, &got)); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if got.BaseName != tc.wantBase || got.HeadName != tc.wantHead {
				t.Errorf("names %q, %q; want %q, %q", got.BaseName, got.HeadName, tc.wantBase, tc.wantHead)
			}
			if d := cmp.Diff(tc.wantChanged, got.Changed); d != "" {
				t.Errorf("changed (-want +got):\n%s", d)
			}
			if tc.wantHeadFiles != nil {
				if d := cmp.Diff(tc.wantHeadFiles, got.Head.Files()); d != "" {
					t.Errorf("head files (-want +got):\n%s", d)
				}
				if b, _ := got.Head.ReadFile("apps/api/inside.yaml"); string(b) != "kind: Deployment # v2\n" {
					t.Errorf("a link within the tree reads its target, got %q", b)
				}
			}
			rev, _ := got.Base.ReadFile("rev")
			if tc.wantLoadedBaseFromMB && len(rev) != 40 {
				t.Errorf("the base is the merge-base commit, got rev %q", rev)
			}
		})
	}

	t.Run("unknownRevision", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		code := check(context.Background(), []string{"--repo", dir, "--base", "nope"}, &stdout, &stderr, fakeEngine(t, &checks.Result{}, nil))
		if code != exitUsage || !strings.Contains(stderr.String(), `unknown revision "nope"`) {
			t.Errorf("exit %d, stderr %q", code, stderr.String())
		}
	})
}
