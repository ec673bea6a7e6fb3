package checks

import (
	"errors"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/kustoguard/kustoguard/render"
)

// renderErrorRule describes render-error in the catalog. Review produces
// its findings through RenderError, since a render that fails has no
// objects for Check to see.
type renderErrorRule struct{ meta }

var _ Rule = (*renderErrorRule)(nil)

func newRenderErrorRule() Rule {
	return &renderErrorRule{meta{
		id:          "render-error",
		description: "An affected overlay that fails to render at head.",
		remediation: "Run `kustoguard render` on the overlay and fix the kustomization it reports.",
		severity:    Error,
		kind:        ChangeRule,
	}}
}

// Check returns nothing: see RenderError.
func (r *renderErrorRule) Check(*Input) []Finding { return nil }

// maxRenderErrorLen bounds the message so that one bad overlay cannot fill
// a check run.
const maxRenderErrorLen = 1000

// renderErrorFinding builds the finding for overlay's render error.
func renderErrorFinding(overlay string, err error, cfg *Config) (Finding, bool) {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	r := newRenderErrorRule()
	if !cfg.Enabled(r.ID()) {
		return Finding{}, false
	}
	msg := "does not render"
	// The renderer reports the error, not always a line; the overlay's
	// kustomization is where a person starts.
	file, line := path.Join(overlay, "kustomization.yaml"), 0
	if err != nil {
		// Render errors come sanitized and on one line; an error from
		// elsewhere keeps its detail on one line too.
		msg = truncate(strings.Join(strings.Fields(err.Error()), " "), maxRenderErrorLen)
		var re *render.Error
		if errors.As(err, &re) && re.File != "" {
			file, line = re.File, re.Line
		}
	}
	return Finding{
		Rule:     r.ID(),
		Severity: cfg.SeverityOf(r),
		State:    New,
		Overlay:  overlay,
		File:     file,
		Line:     line,
		Message:  msg,
	}, true
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
