package checks

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kustoguard/kustoguard/render"
)

func TestRenderError(t *testing.T) {
	off := false
	long := strings.Repeat("é", 600)
	tests := []struct {
		name string
		err  error
		cfg  *Config
		want Finding
		ok   bool
	}{
		{
			name: "keepsDetail",
			err:  errors.New("  yaml: unmarshal errors:\n  line 3: one\n  line 5: two\n"),
			want: Finding{Rule: "render-error", Severity: Error, State: New, Overlay: "apps/api/overlays/prod",
				File: "apps/api/overlays/prod/kustomization.yaml", Message: "yaml: unmarshal errors: line 3: one line 5: two"},
			ok: true,
		},
		{
			name: "long",
			err:  errors.New(long),
			cfg:  &Config{Rules: map[string]RuleConfig{"render-error": {Severity: Warning}}},
			want: Finding{Rule: "render-error", Severity: Warning, State: New, Overlay: "apps/api/overlays/prod",
				File: "apps/api/overlays/prod/kustomization.yaml", Message: long[:996] + "…"},
			ok: true,
		},
		{
			name: "disabled",
			err:  errors.New("boom"),
			cfg:  &Config{Rules: map[string]RuleConfig{"render-error": {Enabled: &off}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RenderError("apps/api/overlays/prod", tt.err, tt.cfg)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RenderError (-want +got):\n%s", diff)
			}
			if len(got.Message) > maxRenderErrorLen {
				t.Errorf("message has %d bytes, want at most %d", len(got.Message), maxRenderErrorLen)
			}
		})
	}
}

// A render error names the file and line at fault; the finding points there.
func TestRenderError_pointsAtTheCause(t *testing.T) {
	tree, err := render.FromFiles(map[string][]byte{
		"apps/guestbook/kustomization.yaml": []byte("namePrefix: kustomize-\n\nresources:\n- ./all.yaml\n\npatches:\n- overlays/guestbook-deployment.yaml\n"),
	}, render.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	_, rerr := tree.Render(context.Background(), "apps/guestbook")
	f, ok := RenderError("apps/guestbook", rerr, nil)
	if !ok {
		t.Fatal("no finding")
	}
	if f.File != "apps/guestbook/kustomization.yaml" || f.Line != 7 {
		t.Errorf("finding at %s:%d, want apps/guestbook/kustomization.yaml:7 (%s)", f.File, f.Line, f.Message)
	}
	if !strings.Contains(f.Message, "patches[0]: found a string where a patch entry") {
		t.Errorf("message %q does not say which field is wrong, in kustomization terms", f.Message)
	}
}
