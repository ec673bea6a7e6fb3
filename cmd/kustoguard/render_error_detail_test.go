package main

import (
	"strings"
	"testing"
)

// A render error keeps its detail in every format, points at the line and
// speaks in kustomization terms. The head is argoproj/argocd-example-apps'
// plugins/kustomized-helm/kustomization.yaml, whose pre-v5 string form of
// patches: kustomize v5 refuses.
func TestCheck_renderErrorDetail(t *testing.T) {
	base, head := t.TempDir(), t.TempDir()
	const all = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: guestbook}\n"
	write(t, base, "plugins/kustomized-helm/kustomization.yaml", "namePrefix: kustomize-\n\nresources:\n- ./all.yaml\n")
	write(t, base, "plugins/kustomized-helm/all.yaml", all)
	write(t, head, "plugins/kustomized-helm/kustomization.yaml", "namePrefix: kustomize-\n\nresources:\n- ./all.yaml\n\npatches:\n- overlays/guestbook-deployment.yaml\n")
	write(t, head, "plugins/kustomized-helm/all.yaml", all)

	want := map[string][]string{
		"text":     {"plugins/kustomized-helm/kustomization.yaml:7", "patches[0]: found a string where a patch entry"},
		"markdown": {"patches[0]: found a string where a patch entry", "kustomization.yaml"},
		"json":     {`"line": 7`, "patches[0]: found a string where a patch entry"},
		"sarif":    {`"startLine": 7`, "patches[0]: found a string where a patch entry"},
	}
	deps := reviewOnce()
	for format, parts := range want {
		t.Run(format, func(t *testing.T) {
			code, out, stderr := runWith(t, deps, "--format", format, base, head)
			if code != exitBlocking {
				t.Fatalf("exit %d, want %d; stderr %q", code, exitBlocking, stderr)
			}
			for _, p := range parts {
				if !strings.Contains(out, p) {
					t.Errorf("%s output lacks %q:\n%s", format, p, out)
				}
			}
			for _, bad := range []string{"render.patchEntry", "unmarshal errors", "!!str"} {
				if strings.Contains(out, bad) {
					t.Errorf("%s output carries %q", format, bad)
				}
			}
		})
	}
}
