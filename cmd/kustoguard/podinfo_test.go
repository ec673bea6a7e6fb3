package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/checks"
)

// podinfoPR lays a change of testdata/podinfo (a podinfo excerpt, see its
// README) over the base into a temporary directory holding "base" and
// "head", and changes into it, so reports name the sides "base" and "head".
func podinfoPR(t *testing.T, change string) {
	t.Helper()
	src, err := filepath.Abs("../../testdata/podinfo")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	copyTree(t, filepath.Join(src, "base"), filepath.Join(dir, "base"))
	copyTree(t, filepath.Join(src, "base"), filepath.Join(dir, "head"))
	copyTree(t, filepath.Join(src, "changes", change), filepath.Join(dir, "head"))
	t.Chdir(dir)
}

// TestCheck_podinfoImagesTag reviews the most common GitOps change, a tag
// bump through the staging overlay's images:. Every image-tag-mutable
// finding must sit at the images: entry, the only line the pull request
// changed, and be grouped there.
func TestCheck_podinfoImagesTag(t *testing.T) {
	golden, err := filepath.Abs("testdata/golden")
	if err != nil {
		t.Fatal(err)
	}
	podinfoPR(t, "images-latest")
	deps := reviewOnce()
	_, out, stderr := runWith(t, deps, "--format", "json", "base", "head")
	var res checks.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v; stderr %q", err, stderr)
	}
	n := 0
	for _, f := range res.Findings {
		if f.Rule != "image-tag-mutable" || f.State != checks.New {
			continue
		}
		n++
		if f.File != "deploy/overlays/staging/kustomization.yaml" || f.Line != 12 {
			t.Errorf("%s: image-tag-mutable at %s:%d, want the images: entry (deploy/overlays/staging/kustomization.yaml:12)", f.Object, f.File, f.Line)
		}
	}
	if n != 9 {
		t.Errorf("new image-tag-mutable findings: %d, want 9 (one per podinfo container in staging)", n)
	}
	_, text, _ := runWith(t, deps, "--format", "text", "base", "head")
	assertGolden(t, filepath.Join(golden, "podinfo-images-latest.txt"), []byte(text))
}

// TestCheck_podinfoSharedBase reviews one new container in the backend base
// that dev, staging and production share: each finding once per source
// line, naming the three overlays, and the diff once.
func TestCheck_podinfoSharedBase(t *testing.T) {
	golden, err := filepath.Abs("testdata/golden")
	if err != nil {
		t.Fatal(err)
	}
	podinfoPR(t, "backend-sidecar")
	deps := reviewOnce()
	_, md, stderr := runWith(t, deps, "--format", "markdown", "base", "head")
	if !strings.Contains(md, "## ") {
		t.Fatalf("no markdown report; stderr %q", stderr)
	}
	assertGolden(t, filepath.Join(golden, "podinfo-shared-base.md"), []byte(md))
	_, text, _ := runWith(t, deps, "--format", "text", "base", "head")
	assertGolden(t, filepath.Join(golden, "podinfo-shared-base.txt"), []byte(text))
	if n := strings.Count(md, "<details><summary><code>"); n != 1 {
		t.Errorf("diff blocks: %d, want 1 (one distinct change)", n)
	}
	if n := strings.Count(text, "\n=== "); n != 1 {
		t.Errorf("text diffs: %d, want 1 (one distinct change)", n)
	}
	_, js, _ := runWith(t, deps, "--format", "json", "base", "head")
	var res checks.Result
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatal(err)
	}
	perOverlay := map[string]int{}
	for _, f := range res.Findings {
		if f.State == checks.New {
			perOverlay[f.Overlay]++
		}
	}
	if len(perOverlay) != 3 || perOverlay["deploy/overlays/dev"] == 0 || perOverlay["deploy/overlays/dev"] != perOverlay["deploy/overlays/production"] {
		t.Errorf("JSON keeps one finding per overlay; new findings per overlay: %v", perOverlay)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "  deploy/overlays/") && !strings.Contains(line, "{dev, production, staging}") {
			t.Errorf("a finding of the shared base listed for one overlay only: %q", line)
		}
	}
}
