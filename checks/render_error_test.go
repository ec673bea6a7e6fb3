package checks

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRenderError(t *testing.T) {
	off := false
	long := strings.Repeat("é", 400)
	tests := []struct {
		name string
		err  error
		cfg  *Config
		want Finding
		ok   bool
	}{
		{
			name: "firstLine",
			err:  errors.New("  accumulating resources: missing.yaml: no such file\n\tstack trace here\n"),
			want: Finding{Rule: "render-error", Severity: Error, State: New, Overlay: "apps/api/overlays/prod",
				File: "apps/api/overlays/prod/kustomization.yaml", Message: "accumulating resources: missing.yaml: no such file"},
			ok: true,
		},
		{
			name: "long",
			err:  errors.New(long),
			cfg:  &Config{Rules: map[string]RuleConfig{"render-error": {Severity: Warning}}},
			want: Finding{Rule: "render-error", Severity: Warning, State: New, Overlay: "apps/api/overlays/prod",
				File: "apps/api/overlays/prod/kustomization.yaml", Message: long[:296] + "…"},
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
