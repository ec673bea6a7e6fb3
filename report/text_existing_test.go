package report

import (
	"strings"
	"testing"
)

// TestTextWith_existing: the terminal report lists what the change
// introduces and counts the findings already on the base side; with
// ShowExisting it lists them too.
func TestTextWith_existing(t *testing.T) {
	const existing = "bases/worker/deployment.yaml:17: error liveness-probe-missing (existing)"
	tests := []struct {
		name         string
		showExisting bool
		want, not    string
	}{
		{name: "counted", want: "1 existing finding already on the base side, not listed (--show-existing lists them).", not: existing},
		{name: "listed", showExisting: true, want: existing, not: "not listed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := TextWith(&b, testResult(), Approval{}, TextOptions{ShowExisting: tt.showExisting}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tt.want) {
				t.Errorf("report does not contain %q:\n%s", tt.want, b.String())
			}
			if strings.Contains(b.String(), tt.not) {
				t.Errorf("report contains %q:\n%s", tt.not, b.String())
			}
		})
	}
}
