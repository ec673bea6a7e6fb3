package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestConfigChange(t *testing.T) {
	base := `# policy
scope: changed
registries: [ghcr.io/acme/]
rules:
  liveness-probe-missing: {severity: warning}
`
	tests := []struct {
		name       string
		changed    []string
		base, head string
		noHead     bool
		want       []brief
	}{
		{name: "unchanged", base: base, head: base},
		{name: "commentsAndFormatting", base: base, head: "scope:   changed   # still\nregistries:\n  - ghcr.io/acme/\nrules: {liveness-probe-missing: {severity: warning}}\n"},
		{name: "notInChangedFiles", changed: []string{"apps/x.yaml"}, base: base, head: "scope: all\n"},
		{
			name: "scopeAndRule",
			base: base,
			head: base + "  image-tag-mutable: {enabled: false}\n",
			want: []brief{{" ", 6, "kustoguard configuration changed: rules.image-tag-mutable disabled"}},
		},
		{
			name: "several",
			base: base,
			head: "scope: all\nregistries: [ghcr.io/acme/, docker.io/]\nrules:\n  liveness-probe-missing: {severity: error}\nrequireDigest: true\n",
			want: []brief{{" ", 1, "kustoguard configuration changed: scope changed from changed to all; registries: added docker.io/; rules.liveness-probe-missing severity changed from warning to error; requireDigest set to true"}},
		},
		{
			name: "added",
			head: "scope: all\n",
			want: []brief{{" ", 1, "kustoguard configuration added: scope set to all"}},
		},
		{
			name:   "removed",
			base:   base,
			noHead: true,
			want:   []brief{{" ", 0, "kustoguard configuration removed: every setting goes back to its default"}},
		},
		{
			name: "unparseable",
			base: base,
			head: "scope: [\n",
			want: []brief{{" ", 0, "kustoguard configuration changed and no longer parses: line 1: did not find expected node content"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b, h []byte
			if tt.base != "" {
				b = []byte(tt.base)
			}
			if !tt.noHead {
				h = []byte(tt.head)
			}
			changed := tt.changed
			if changed == nil {
				changed = []string{ConfigPath}
			}
			fs := ConfigChange(changed, b, h, nil)
			for _, f := range fs {
				if f.File != ConfigPath || !f.Approval || f.State != New || f.Rule != "config-change" {
					t.Errorf("finding %+v: want a new config-change needing approval on %s", f, ConfigPath)
				}
			}
			if diff := cmp.Diff(tt.want, briefs(fs)); diff != "" {
				t.Errorf("ConfigChange (-want +got):\n%s", diff)
			}
		})
	}
}
