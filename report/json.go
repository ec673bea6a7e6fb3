package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/kustoguard/kustoguard/checks"
)

// JSON writes the review in the shape of `kustoguard check --format json`
// (documented in the README), indented by two spaces. Lists are never null. It writes
// what the review holds and nothing more: diffs come already redacted.
func JSON(w io.Writer, r *checks.Result) error {
	out := checks.Result{}
	if r != nil {
		out = *r
	}
	if out.Overlays == nil {
		out.Overlays = []checks.OverlayResult{}
	}
	if out.Findings == nil {
		out.Findings = []checks.Finding{}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding json report: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing json report: %w", err)
	}
	return nil
}
