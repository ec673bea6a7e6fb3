package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"
)

// Render errors about Secret inputs: kustomize quotes the values, and no
// output of kustoguard may (the security issue's three cases).
var secretErrorOverlays = map[string]string{
	"apps/env/kustomization.yaml":     "secretGenerator:\n- name: db\n  envs: [db.env]\n",
	"apps/env/db.env":                 "DB_USER=app\nDB_PASSWORD=HUNTER2_R\xff\n",
	"apps/literal/kustomization.yaml": "secretGenerator:\n- name: db\n  literals: [HUNTER2_X]\n",
	"apps/dup/kustomization.yaml":     "resources: [secret.yaml]\n",
	"apps/dup/secret.yaml":            "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: HUNTER2_A\n  password: HUNTER2_B\n",
}

// leakForms are the forms of the values above a leak could take.
func leakForms() []string {
	var out []string
	for _, v := range []string{"HUNTER2_R\xff", "HUNTER2_X", "HUNTER2_A", "HUNTER2_B"} {
		out = append(out, v, strings.ToValidUTF8(v, "\uFFFD"), base64.StdEncoding.EncodeToString([]byte(v)))
	}
	// kustomize prints an invalid line's bytes in decimal: "H U N T".
	return append(out, "HUNTER2", "72 85 78 84")
}

func assertNoLeak(t *testing.T, where, out string) {
	t.Helper()
	for _, f := range leakForms() {
		if strings.Contains(out, f) {
			t.Errorf("%s carries %q, a form of a Secret value:\n%s", where, f, out)
		}
	}
}

func TestCheck_renderErrorsHideSecrets(t *testing.T) {
	base, head := t.TempDir(), t.TempDir()
	for _, d := range []string{"env", "literal", "dup"} {
		write(t, base, "apps/"+d+"/kustomization.yaml", "resources: []\n")
	}
	for p, s := range secretErrorOverlays {
		write(t, head, p, s)
	}
	deps := reviewOnce()
	for _, format := range []string{"text", "markdown", "json", "sarif"} {
		t.Run(format, func(t *testing.T) {
			code, out, stderr := runWith(t, deps, "--format", format, base, head)
			if code != exitBlocking {
				t.Fatalf("exit %d, want %d; stderr %q", code, exitBlocking, stderr)
			}
			for _, d := range []string{"apps/env", "apps/literal", "apps/dup"} {
				if !strings.Contains(out, d) {
					t.Errorf("%s output does not name the failing overlay %s", format, d)
				}
			}
			assertNoLeak(t, format+" output", out+stderr)
		})
	}
	for _, d := range []string{"env", "literal", "dup"} {
		var stdout, stderr bytes.Buffer
		dir := filepath.Join(head, "apps", d)
		if code := run(context.Background(), []string{"render", "--root", head, dir}, &stdout, &stderr); code == exitOK {
			t.Errorf("render %s: exit 0, want a failure", d)
		}
		assertNoLeak(t, "render "+d, stdout.String()+stderr.String())
	}
}
