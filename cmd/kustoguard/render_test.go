package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunRender(t *testing.T) {
	repo, err := filepath.Abs("../../testdata/render/repo")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../testdata/render/golden/apps_api_prod-eu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"rendersLikeKustomizeBuild", []string{"--root", repo, filepath.Join(repo, "apps/api/prod-eu")}, exitOK, string(want), ""},
		{"gitWorkTreeIsTheDefaultRoot", []string{filepath.Join(repo, "apps/api/prod-eu")}, exitOK, string(want), ""},
		{"dirOutsideRoot", []string{"--root", filepath.Join(repo, "apps"), filepath.Join(repo, "bases/api")}, exitUsage, "", "is outside the root"},
		{"baseOutsideRoot", []string{"--root", filepath.Join(repo, "apps/api"), filepath.Join(repo, "apps/api/prod")}, exitUsage, "", `prod/kustomization.yaml: path "../../../bases/api" leaves the tree`},
		{"noDir", nil, exitUsage, "", "usage: kustoguard render"},
		{"flagAfterDir", []string{filepath.Join(repo, "apps/api/prod-eu"), "--root", repo}, exitOK, string(want), ""},
		{"mistypedDirIsNamedNotTheRoot", []string{filepath.Join(repo, "apps/api/prod-eux")}, exitUsage, "", "prod-eux: no such directory"},
		{"hostile", []string{"--root", "../../testdata/render/hostile/remote-git", "../../testdata/render/hostile/remote-git/app"}, exitUsage, "", "remote reference"},
	}
	inGit := exec.Command("git", "-C", repo, "rev-parse", "--show-toplevel").Run() == nil
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "gitWorkTreeIsTheDefaultRoot" && !inGit {
				t.Skip("the sources are not in a git work tree")
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"render"}, tt.args...), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr.String())
			}
			if stdout.String() != tt.stdout {
				t.Errorf("stdout differs from kustomize build:\n%s", stdout.String())
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tt.stderr)
			}
			if tt.code != exitOK && strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 {
				t.Errorf("the reason is not one line: %q", stderr.String())
			}
		})
	}
}

// TestRunRender_defaultRootHint renders an overlay from its own directory
// outside a git work tree: the default root is that directory, its base
// is outside it, and the error says how to widen the root.
func TestRunRender_defaultRootHint(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"base/kustomization.yaml":    "resources: [cm.yaml]\n",
		"base/cm.yaml":               "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
		"overlay/kustomization.yaml": "resources: [../base]\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if exec.Command("git", "-C", dir, "rev-parse", "--show-toplevel").Run() == nil {
		t.Skip("the temporary directory is in a git work tree")
	}
	t.Chdir(filepath.Join(dir, "overlay"))
	var stdout, stderr bytes.Buffer
	if code := runRender(context.Background(), []string{"."}, &stdout, &stderr); code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitUsage, stderr.String())
	}
	if !strings.Contains(stderr.String(), "leaves the tree") || !strings.Contains(stderr.String(), "--root names a wider one") {
		t.Errorf("want the error to point at --root, got %q", stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := runRender(context.Background(), []string{"--root", dir, "."}, &stdout, &stderr); code != exitOK {
		t.Fatalf("with --root: exit %d; stderr %q", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "name: cm") {
		t.Errorf("with --root: want the ConfigMap, got %q", stdout.String())
	}
}
