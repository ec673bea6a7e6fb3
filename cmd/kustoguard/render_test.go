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
