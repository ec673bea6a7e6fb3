package checks

import (
	"strings"
	"testing"
)

func TestParseConfig_bounds(t *testing.T) {
	tests := []struct {
		name, data, wantErr string
	}{
		{"deepFlow", strings.Repeat("[", 9999) + strings.Repeat("]", 9999), "nested deeper than 32 levels"},
		{"deepFlowMapping", "rules: " + strings.Repeat("{a: ", 40) + "b" + strings.Repeat("}", 40), "line 1: nested deeper than 32 levels"},
		{"deepBlock", "scope: all\n" + strings.Repeat("- ", 9999) + "x", "line 2: nested deeper than 128 columns"},
		{"tooLarge", "# " + strings.Repeat("x", 70_000) + "\n", "over the limit of 65536"},
		{"bracketsInQuotesAndComments", "registries: ['" + strings.Repeat("[", 100) + "', \"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\"] # " + strings.Repeat("[", 100) + "\n", ""},
		{"realConfig", "scope: all\napprovers:\n  - rules: [rbac-change]\n    teams: [acme/security]\nrules:\n  image-tag-mutable: {enabled: false}\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.data))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// BenchmarkParseConfig_deepNesting shows that refusing a deeply nested
// file costs a scan of its bytes, not go-yaml's quadratic parse.
func BenchmarkParseConfig_deepNesting(b *testing.B) {
	data := []byte(strings.Repeat("[", 9999) + strings.Repeat("]", 9999))
	for b.Loop() {
		_, _ = ParseConfig(data)
	}
}
