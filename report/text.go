package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/kustoguard/kustoguard/checks"
)

// ANSI styles for the terminal report.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiDim    = "\x1b[2m"
)

type painter bool

func (p painter) paint(style, s string) string {
	if !p || s == "" {
		return s
	}
	return style + s + ansiReset
}

// Text writes the terminal report: the affected overlays with their counts,
// the findings grouped by overlay with file:line, a summary line, and the
// diffs. With color, it uses ANSI colours (the caller decides: a TTY and no
// NO_COLOR).
func Text(w io.Writer, r *checks.Result, a Approval, color bool) error {
	return TextWith(w, r, a, TextOptions{Color: color})
}

// TextOptions tunes the terminal report.
type TextOptions struct {
	// Color turns on ANSI colours.
	Color bool
	// ShowExisting lists the findings already on the base side; without
	// it the report lists what the change introduces and counts the rest.
	ShowExisting bool
}

// TextWith is Text with options.
func TextWith(w io.Writer, r *checks.Result, a Approval, opt TextOptions) error {
	if r == nil {
		r = &checks.Result{}
	}
	p := painter(opt.Color)
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s %s → %s\n\n", p.paint(ansiBold, "kustoguard"), r.Base, r.Head)

	textOverlays(bw, p, r)
	textFindings(bw, p, r, opt.ShowExisting)

	conclusion := Conclusion(r, a)
	style := ansiGreen
	switch conclusion {
	case Failure:
		style = ansiRed
	case ActionRequired:
		style = ansiYellow
	}
	fmt.Fprintf(bw, "%s %s\n", p.paint(ansiBold+style, strings.ToUpper(strings.ReplaceAll(conclusion, "_", " "))+":"), Title(r, a))
	if ap := approvalOf(r, a); ap.Required && !ap.Approved {
		who := "a repository admin"
		if ap.Approvers != "" {
			who = ap.Approvers
		}
		fmt.Fprintf(bw, "  %d new %s approval (%s); %s may approve on the pull request.\n",
			ap.Count, pluralVerb(ap.Count), ap.Rules, who)
	}

	for _, g := range groupDiffs(r.Overlays) {
		o := g.first()
		title := "=== " + o.Path
		if len(g.overlays) > 1 {
			title = fmt.Sprintf("=== %s (the same change in %s; shown for %s)", overlayList(g.paths()), plural(len(g.overlays), "overlay"), o.Path)
		}
		fmt.Fprintf(bw, "\n%s\n", p.paint(ansiBold, title))
		for _, line := range strings.Split(strings.TrimRight(o.Diff, "\n"), "\n") {
			fmt.Fprintln(bw, diffLine(p, line))
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing text report: %w", err)
	}
	return nil
}

func pluralVerb(n int) string {
	if n == 1 {
		return "finding needs"
	}
	return "findings need"
}

func textOverlays(w io.Writer, p painter, r *checks.Result) {
	if len(r.Overlays) == 0 {
		fmt.Fprintf(w, "No overlay renders differently.\n\n")
		return
	}
	fmt.Fprintf(w, "%s (%d affected)\n", p.paint(ansiBold, "Overlays"), len(r.Overlays))
	width := 0
	for _, o := range r.Overlays {
		width = max(width, len(o.Path))
	}
	perOverlay := map[string]int{}
	for _, f := range r.Findings {
		if f.State == checks.New {
			perOverlay[f.Overlay]++
		}
	}
	for _, o := range r.Overlays {
		status := fmt.Sprintf("%-9s", o.Status)
		if o.Status == checks.OverlayError {
			status = p.paint(ansiRed, status)
		}
		fmt.Fprintf(w, "  %s  %-*s  +%d ~%d -%d  %s\n", status, width, o.Path,
			o.Objects.Added, o.Objects.Changed, o.Objects.Removed, plural(perOverlay[o.Path], "new finding"))
		if o.Reason != "" {
			fmt.Fprintf(w, "             %s\n", p.paint(ansiDim, "reviewed: "+o.Reason))
		}
		switch {
		case o.Error != "" && o.BaseError != "":
			fmt.Fprintf(w, "             %s\n", p.paint(ansiDim, "does not render, as on the base side (not blocking): "+firstLine(o.Error)))
		case o.Error != "":
			fmt.Fprintf(w, "             %s\n", p.paint(ansiRed, firstLine(o.Error)))
		case o.BaseError != "":
			fmt.Fprintf(w, "             %s\n", p.paint(ansiDim, "did not render on the base side: its findings block only through approval"))
		}
	}
	fmt.Fprintln(w)
}

// textFindings lists the findings by overlay; a finding at the same source
// line in several overlays is listed once, under all of them. Existing
// findings are counted, and listed only with showExisting.
func textFindings(w io.Writer, p painter, r *checks.Result, showExisting bool) {
	var resolved []checks.Finding
	groups := Groups(r.Findings)
	shown, total, rows, hidden := false, 0, 0, 0
	var header string
	for _, o := range overlayOrder(r) {
		for _, g := range groups {
			f := g.First()
			if f.Overlay != o || f.State == checks.Resolved {
				continue
			}
			if f.State == checks.Existing && !showExisting {
				hidden += len(g.Findings)
				continue
			}
			if !shown {
				fmt.Fprintf(w, "%s\n", p.paint(ansiBold, "Findings"))
				shown = true
			}
			total += len(g.Findings)
			rows++
			if label := overlayList(g.Overlays()); label != header {
				header = label
				fmt.Fprintf(w, "  %s\n", p.paint(ansiCyan, label))
			}
			if loc := textLocation(f); loc != "" {
				fmt.Fprintf(w, "    %s: %s\n", loc, severityTag(p, f))
			} else {
				fmt.Fprintf(w, "    %s\n", severityTag(p, f))
			}
			msg := firstLine(f.Message)
			if !strings.Contains(msg, f.Object.Name) {
				msg = f.Object.String() + ": " + msg
			}
			if n := len(g.Overlays()) - 1; n > 0 {
				msg += " (the same in " + plural(n, "more overlay") + ")"
			}
			fmt.Fprintf(w, "        %s\n", msg)
		}
	}
	for _, f := range r.Findings {
		if f.State == checks.Resolved {
			resolved = append(resolved, f)
		}
	}
	if shown {
		if rows < total {
			entries := fmt.Sprintf("%d entries", rows)
			if rows == 1 {
				entries = "1 entry"
			}
			fmt.Fprintf(w, "  (%s, counted once per overlay, listed as %s)\n", plural(total, "finding"), entries)
		}
		fmt.Fprintln(w)
	}
	if len(resolved) > 0 {
		fmt.Fprintf(w, "Resolved by this change: %s\n\n", strings.ReplaceAll(resolvedList(resolved, 10), "`", ""))
	}
	if len(r.Deprecations) > 0 {
		fmt.Fprintf(w, "%s\n", p.paint(ansiBold, "Deprecated kustomization fields"))
		for _, d := range r.Deprecations {
			loc := d.File
			if d.Line > 0 {
				loc = fmt.Sprintf("%s:%d", d.File, d.Line)
			}
			fmt.Fprintf(w, "  %s: %s\n", loc, d.Message)
		}
		fmt.Fprintln(w)
	}
	if hidden > 0 {
		fmt.Fprintf(w, "%s already on the base side, not listed (--show-existing lists them).\n\n",
			plural(hidden, "existing finding"))
	}
}

// overlayOrder lists overlays as the review does, then any overlay only
// findings name (repository-level findings such as config-change).
func overlayOrder(r *checks.Result) []string {
	var out []string
	seen := map[string]bool{}
	for _, o := range r.Overlays {
		if !seen[o.Path] {
			seen[o.Path] = true
			out = append(out, o.Path)
		}
	}
	for _, f := range r.Findings {
		if !seen[f.Overlay] {
			seen[f.Overlay] = true
			out = append(out, f.Overlay)
		}
	}
	return out
}

func severityTag(p painter, f checks.Finding) string {
	style := ansiDim
	switch f.Severity {
	case checks.Error:
		style = ansiRed
	case checks.Warning:
		style = ansiYellow
	}
	tag := p.paint(style, string(f.Severity)) + " " + f.Rule
	if f.Approval {
		tag += " [needs approval]"
	}
	if f.State == checks.Existing {
		tag += p.paint(ansiDim, " (existing)")
	}
	return tag
}

func textLocation(f checks.Finding) string {
	switch {
	case f.File == "":
		return ""
	case f.Line > 0:
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return f.File
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func diffLine(p painter, line string) string {
	switch {
	case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"):
		return p.paint(ansiBold, line)
	case strings.HasPrefix(line, "+"):
		return p.paint(ansiGreen, line)
	case strings.HasPrefix(line, "-"):
		return p.paint(ansiRed, line)
	case strings.HasPrefix(line, "@@"):
		return p.paint(ansiCyan, line)
	}
	return line
}
