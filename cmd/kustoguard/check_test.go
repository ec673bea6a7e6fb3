package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
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
	badConfig := filepath.Join(t.TempDir(), "kustoguard.yml")
	if err := os.WriteFile(badConfig, []byte("scope: bogus\nfoo: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := map[string][]string{
		"badRevision":     {"check", "--repo", repo, "--base", "--output"},
		"unknownInSubdir": {"check", "--repo", repo + "/apps", "--base", "v9"},
		"badFormat":       {"check", "--format", "html", "a", "b"},
		"oneArg":          {"check", "a"},
		"missingDir":      {"check", filepath.Join(t.TempDir(), "nope"), t.TempDir()},
		"notARepo":        {"check", "--repo", t.TempDir()},
		"missingConfig":   {"check", "--config", filepath.Join(t.TempDir(), "nope.yml"), t.TempDir(), t.TempDir()},
		"badConfig":       {"check", "--config", badConfig, t.TempDir(), t.TempDir()},
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
			if name == "badConfig" && !strings.Contains(stderr.String(), "changed or all; line 2: unknown key") {
				t.Errorf("want each problem of the configuration kept apart, got %q", stderr.String())
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
		loadDir: render.LoadDir,
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

func TestUseColor(t *testing.T) {
	// /dev/null is a character device, as a terminal is.
	dev, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer dev.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	tests := []struct {
		name    string
		stdout  io.Writer
		output  string
		noColor string
		want    bool
	}{
		{name: "terminal", stdout: dev, want: true},
		{name: "noColor", stdout: dev, noColor: "1", want: false},
		{name: "outputFile", stdout: dev, output: "report.txt", want: false},
		{name: "regularFile", stdout: file, want: false},
		{name: "buffer", stdout: &bytes.Buffer{}, want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tc.noColor)
			if got := useColor(tc.stdout, tc.output); got != tc.want {
				t.Errorf("useColor = %v, want %v", got, tc.want)
			}
		})
	}
}
