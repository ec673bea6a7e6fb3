package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
)

func TestParseCheckFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    checkOptions
		wantErr string
	}{
		{name: "defaults", args: nil, want: checkOptions{repo: ".", format: "text"}},
		{name: "dirs", args: []string{"a", "b"}, want: checkOptions{repo: ".", format: "text", dirs: []string{"a", "b"}}},
		{name: "flagsAfterArgs", args: []string{"a", "--format", "json", "b", "--output=r.json"},
			want: checkOptions{repo: ".", format: "json", output: "r.json", dirs: []string{"a", "b"}}},
		{name: "doubleDash", args: []string{"--format", "sarif", "--", "-a", "b"},
			want: checkOptions{repo: ".", format: "sarif", dirs: []string{"-a", "b"}}},
		{name: "git", args: []string{"--repo", "/src", "--base", "v1", "--head", "HEAD"},
			want: checkOptions{repo: "/src", base: "v1", head: "HEAD", format: "text", gitFlags: true}},
		{name: "badFormat", args: []string{"--format", "yaml"}, wantErr: `unknown format "yaml"`},
		{name: "oneDir", args: []string{"a"}, wantErr: "got 1 arguments"},
		{name: "threeDirs", args: []string{"a", "b", "c"}, wantErr: "got 3 arguments"},
		{name: "dirsAndRevs", args: []string{"a", "b", "--base", "main"}, wantErr: "do not go with BASE_DIR HEAD_DIR"},
		{name: "unknownFlag", args: []string{"--colour"}, wantErr: "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCheckFlags(tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(checkOptions{})); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestCheck_usageErrors(t *testing.T) {
	repo := gitRepo(t)
	tests := map[string][]string{
		"badRevision":     {"check", "--repo", repo, "--base", "--output"},
		"unknownInSubdir": {"check", "--repo", repo + "/apps", "--base", "v9"},
		"badFormat":       {"check", "--format", "html", "a", "b"},
		"oneArg":          {"check", "a"},
		"missingDir":      {"check", filepath.Join(t.TempDir(), "nope"), t.TempDir()},
		"notARepo":        {"check", "--repo", t.TempDir()},
		"missingConfig":   {"check", "--config", filepath.Join(t.TempDir(), "nope.yml"), t.TempDir(), t.TempDir()},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := check(context.Background(), args[1:], &stdout, &stderr, fakeEngine(t, nil, nil))
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, stderr.String())
			}
			if name == "notARepo" && !strings.Contains(stderr.String(), "finding the git work tree") {
				t.Errorf("want the reason to say it is not a work tree, got %q", stderr.String())
			}
			if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "kustoguard: check: ") {
				t.Errorf("want one line of reason on stderr, got %q", msg)
			}
			if stdout.Len() != 0 {
				t.Errorf("no report on failure, got %q", stdout.String())
			}
		})
	}
}

// fakeEngine reads directories from disk and answers every review with
// res (or err), recording what it was asked in *got.
func fakeEngine(t *testing.T, res *checks.Result, got *checks.ReviewInput) checkDeps {
	t.Helper()
	return checkDeps{
		loadDir: loadDirForTest,
		loadRev: func(ctx context.Context, repoDir, rev string, lim render.Limits) (*render.Tree, error) {
			return render.FromFiles(map[string][]byte{"rev": []byte(rev)}, lim)
		},
		review: func(_ context.Context, in checks.ReviewInput) (*checks.Result, error) {
			if got != nil {
				*got = in
			}
			if res == nil {
				return nil, errors.New("no result\nwith a second line")
			}
			r := *res
			r.Base, r.Head = in.BaseName, in.HeadName
			return &r, nil
		},
		rules: func() []checks.Rule { return nil },
	}
}

func loadDirForTest(root string, lim render.Limits) (*render.Tree, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	return render.FromFiles(files, lim)
}

func TestCheck_exitCodes(t *testing.T) {
	newFinding := func(sev checks.Severity, approval bool) checks.Finding {
		return checks.Finding{Rule: "some-rule", Severity: sev, Approval: approval, State: checks.New, Overlay: "apps/api", Message: "m"}
	}
	tests := []struct {
		name string
		res  *checks.Result
		want int
	}{
		{name: "clean", res: &checks.Result{}, want: exitOK},
		{name: "warning", res: &checks.Result{Findings: []checks.Finding{newFinding(checks.Warning, false)}}, want: exitOK},
		{name: "existingError", res: &checks.Result{Findings: []checks.Finding{{Rule: "x", Severity: checks.Error, State: checks.Existing}}}, want: exitOK},
		{name: "error", res: &checks.Result{Findings: []checks.Finding{newFinding(checks.Error, false)}}, want: exitBlocking},
		{name: "needsApproval", res: &checks.Result{Findings: []checks.Finding{newFinding(checks.Notice, true)}}, want: exitBlocking},
		{name: "renderError", res: &checks.Result{Overlays: []checks.OverlayResult{{Path: "apps/api", Status: checks.OverlayError, Error: "boom"}}}, want: exitBlocking},
		{name: "reviewFails", res: nil, want: exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := check(context.Background(), []string{t.TempDir(), t.TempDir()}, &stdout, &stderr, fakeEngine(t, tc.res, nil))
			if code != tc.want {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.want, stderr.String())
			}
			if tc.want == exitUsage && strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("a multi-line engine error must become one line, got %q", stderr.String())
			}
		})
	}
}

func TestCheck_formatsAndOutput(t *testing.T) {
	res := &checks.Result{Findings: []checks.Finding{{Rule: "image-tag-mutable", Severity: checks.Warning, State: checks.New,
		Overlay: "apps/api", File: "apps/api/kustomization.yaml", Line: 7, Message: "image api uses the mutable tag latest"}}}
	base, head := t.TempDir(), t.TempDir()
	wantIn := map[string]string{
		"text":     "apps/api/kustomization.yaml:7: warning image-tag-mutable",
		"markdown": "## 1 warning in 0 overlays",
		"json":     `"rule": "image-tag-mutable"`,
		"sarif":    `"version": "2.1.0"`,
	}
	for format, want := range wantIn {
		t.Run(format, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := check(context.Background(), []string{"--format", format, base, head}, &stdout, &stderr, fakeEngine(t, res, nil)); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("want %q in\n%s", want, stdout.String())
			}
			if strings.Contains(stdout.String(), "\x1b[") {
				t.Error("no colour when stdout is not a terminal")
			}
		})
	}
	t.Run("outputFile", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "report.json")
		var stdout, stderr bytes.Buffer
		if code := check(context.Background(), []string{base, head, "--format=json", "--output", out}, &stdout, &stderr, fakeEngine(t, res, nil)); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		b, err := os.ReadFile(out)
		if err != nil || !strings.Contains(string(b), `"base": "`+base+`"`) {
			t.Errorf("report file: %v\n%s", err, b)
		}
		if stdout.Len() != 0 {
			t.Errorf("stdout must stay empty with --output, got %q", stdout.String())
		}
	})
}

func TestCheck_dirs(t *testing.T) {
	base, head := t.TempDir(), t.TempDir()
	write(t, base, "apps/api/kustomization.yaml", "resources: [a.yaml]\n")
	write(t, base, "apps/api/a.yaml", "kind: ConfigMap\n")
	write(t, head, "apps/api/kustomization.yaml", "resources: [a.yaml]\n")
	write(t, head, "apps/api/a.yaml", "kind: ConfigMap # changed\n")
	write(t, head, "apps/web/kustomization.yaml", "resources: []\n")

	var got checks.ReviewInput
	var stdout, stderr bytes.Buffer
	if code := check(context.Background(), []string{base, head}, &stdout, &stderr, fakeEngine(t, &checks.Result{}, &got)); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got.BaseName != base || got.HeadName != head {
		t.Errorf("names %q, %q; want the directories as given", got.BaseName, got.HeadName)
	}
	if d := cmp.Diff([]string{"apps/api/a.yaml", "apps/web/kustomization.yaml"}, got.Changed); d != "" {
		t.Errorf("changed (-want +got):\n%s", d)
	}
	if got.Config == nil || got.Config.Scope != checks.ScopeChanged {
		t.Errorf("without a config file the defaults apply, got %+v", got.Config)
	}
}

func write(t *testing.T, root, path, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

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
