package report

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/kustoguard/kustoguard/checks"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").ParseFS(templateFS, "templates/*.tmpl"))

// Markdown writes exactly what the bot posts as the check run's output, as
// one document: "## <title>\n\n<summary>\n\n<text>" (the text, the
// collapsible diffs, is left out when no overlay renders differently).
func Markdown(w io.Writer, r *checks.Result, a Approval) error {
	cr := Build(r, a)
	doc := "## " + cr.Title + "\n\n" + strings.TrimRight(cr.Summary, "\n") + "\n"
	if cr.Text != "" {
		doc += "\n" + strings.TrimRight(cr.Text, "\n") + "\n"
	}
	if _, err := io.WriteString(w, doc); err != nil {
		return fmt.Errorf("writing markdown report: %w", err)
	}
	return nil
}

// Icon is the symbol shown beside a finding of severity s.
func Icon(s checks.Severity) string {
	switch s {
	case checks.Error:
		return "🛑"
	case checks.Warning:
		return "⚠️"
	}
	return "ℹ️"
}

type overlayRow struct {
	Path, Status, Objects, Error string
	Findings                     int
	// Reason says why the overlay was reviewed; ErrorAtBase that its
	// render error is the base branch's too.
	Reason      string
	ErrorAtBase bool
}

type findingRow struct {
	Icon, Rule, Object, Location, Message string
	Approval                              bool
}

type approvalData struct {
	Required, Approved bool
	Count, Still       int
	By, Approvers      string
	Rules              string
}

type summaryData struct {
	Overlays        []overlayRow
	OverlaysOmitted int
	Errors          []overlayRow
	Reasons         []overlayRow // overlays with a reason, in table order
	New             []findingRow
	NewOmitted      int
	Existing        []findingRow
	ExistingCount   int
	ExistingOmitted int
	Resolved        []checks.Finding
	ResolvedList    string
	Approval        approvalData
}

// summary renders the summary, shrinking its tables until it fits GitHub's
// limit; the last resort is a hard cut.
func summary(r *checks.Result, a Approval) string {
	for rows := 300; rows >= 5; rows /= 2 {
		s := renderSummary(r, a, rows)
		if len(s) <= MaxOutput {
			return s
		}
	}
	return cut(renderSummary(r, a, 5), MaxOutput)
}

func renderSummary(r *checks.Result, a Approval, rows int) string {
	d := summaryData{}
	perOverlay := map[string]int{}
	for _, f := range r.Findings {
		if f.State == checks.New {
			perOverlay[f.Overlay]++
		}
	}
	for _, o := range r.Overlays {
		row := overlayRow{
			Path:        codeCell(o.Path),
			Status:      string(o.Status),
			Objects:     fmt.Sprintf("+%d ~%d -%d", o.Objects.Added, o.Objects.Changed, o.Objects.Removed),
			Error:       cell(o.Error, 500),
			Findings:    perOverlay[o.Path],
			Reason:      cell(o.Reason, 300),
			ErrorAtBase: o.BaseError != "",
		}
		if o.Status == checks.OverlayError {
			d.Errors = append(d.Errors, row)
		}
		if row.Reason != "" && len(d.Reasons) < rows {
			d.Reasons = append(d.Reasons, row)
		}
		if len(d.Overlays) < rows {
			d.Overlays = append(d.Overlays, row)
		} else {
			d.OverlaysOmitted++
		}
	}
	for _, f := range r.Findings {
		switch f.State {
		case checks.New:
			if len(d.New) < rows {
				d.New = append(d.New, toRow(f))
			} else {
				d.NewOmitted++
			}
		case checks.Existing:
			d.ExistingCount++
			if len(d.Existing) < rows/3+1 {
				d.Existing = append(d.Existing, toRow(f))
			} else {
				d.ExistingOmitted++
			}
		case checks.Resolved:
			d.Resolved = append(d.Resolved, f)
		}
	}
	d.ResolvedList = resolvedList(d.Resolved, rows/3+1)
	d.Approval = approvalOf(r, a)
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, "summary.md.tmpl", d); err != nil {
		// The templates are fixed and the data is plain strings, so this
		// cannot happen short of a programming error caught by the tests.
		return "kustoguard could not render its summary: " + err.Error()
	}
	return b.String()
}

func approvalOf(r *checks.Result, a Approval) approvalData {
	needing := checks.NeedingApproval(r.Findings)
	if len(needing) == 0 {
		return approvalData{}
	}
	return approvalData{
		Required:  true,
		Approved:  a.Approved() && len(a.By) > 0,
		Count:     len(needing),
		Still:     stillBlocking(r),
		By:        mentions(a.By),
		Approvers: strings.Join(a.Approvers, ", "),
		Rules:     ruleList(needing),
	}
}

func resolvedList(fs []checks.Finding, n int) string {
	var parts []string
	for i, f := range fs {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(fs)-n))
			break
		}
		parts = append(parts, fmt.Sprintf("`%s` on %s", f.Rule, cell(f.Object.String(), 200)))
	}
	return fmt.Sprintf("%d (%s)", len(fs), strings.Join(parts, ", "))
}

func toRow(f checks.Finding) findingRow {
	return findingRow{
		Icon:     Icon(f.Severity),
		Rule:     f.Rule,
		Approval: f.Approval,
		Object:   cell(f.Object.String(), 200),
		Location: location(f),
		Message:  cell(f.Message, 400),
	}
}

func location(f checks.Finding) string {
	switch {
	case f.File == "":
		return "—"
	case f.Line > 0:
		return fmt.Sprintf("`%s:%d`", codeCell(f.File), f.Line)
	}
	return "`" + codeCell(f.File) + "`"
}

// codeCell makes s safe inside a code span in a table cell, where entities
// are not decoded: only column breaks, backticks and newlines need care.
func codeCell(s string) string { return codeEscaper.Replace(s) }

var codeEscaper = strings.NewReplacer("|", `\|`, "`", "'", "\n", " ", "\r", "")

// htmlEscaper keeps text from being read as HTML; quotes stay readable.
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// cell makes s safe inside a Markdown table cell: one line, no raw HTML, no
// column breaks, at most n runes.
func cell(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n-1]) + "…"
	}
	s = htmlEscaper.Replace(s)
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", "<br>")
}

// cut shortens s to at most n bytes at a line boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const note = "\n… (cut to fit GitHub's size limit)\n"
	s = s[:n-len(note)]
	if i := strings.LastIndexByte(s, '\n'); i > 0 {
		s = s[:i]
	}
	return strings.ToValidUTF8(s, "") + note
}

// diffText renders each overlay's diff as a collapsible block, most risky
// first, within limit bytes.
func diffText(r *checks.Result, limit int) string {
	type scored struct {
		o                  checks.OverlayResult
		blocking, findings int
	}
	var list []scored
	for _, o := range r.Overlays {
		if o.Diff == "" {
			continue
		}
		s := scored{o: o}
		for _, f := range r.Findings {
			if f.Overlay == o.Path && f.State == checks.New {
				s.findings++
				if f.Blocking() {
					s.blocking++
				}
			}
		}
		list = append(list, s)
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.blocking != b.blocking {
			return a.blocking > b.blocking
		}
		if a.findings != b.findings {
			return a.findings > b.findings
		}
		return a.o.Path < b.o.Path
	})
	var b strings.Builder
	for i, s := range list {
		block := diffBlock(s.o, s.findings, s.o.Diff)
		omitted := len(list) - i - 1
		room := limit - b.Len() - len(omittedNote(len(list)))
		if omitted == 0 {
			room = limit - b.Len()
		}
		if len(block) <= room {
			b.WriteString(block)
			continue
		}
		// Show what fits of the first diff that does not, then stop.
		rest := len(list) - i
		room = limit - b.Len() - len(omittedNote(rest)) - len(diffBlock(s.o, s.findings, ""))
		if room > 1000 {
			b.WriteString(diffBlock(s.o, s.findings, cut(s.o.Diff, room-200)))
		}
		b.WriteString(omittedNote(rest))
		break
	}
	return b.String()
}

func omittedNote(n int) string {
	what := fmt.Sprintf("%d overlays' diffs", n)
	if n == 1 {
		what = "1 overlay's diff"
	}
	return "\n… " + what + " omitted; run `kustoguard check` locally for the full diff\n"
}

func diffBlock(o checks.OverlayResult, findings int, diff string) string {
	fence := "```"
	for strings.Contains(diff, fence) {
		fence += "`"
	}
	return fmt.Sprintf("<details><summary><code>%s</code> — %s: +%d ~%d -%d, %s</summary>\n\n%sdiff\n%s\n%s\n\n</details>\n\n",
		htmlEscaper.Replace(o.Path), o.Status, o.Objects.Added, o.Objects.Changed, o.Objects.Removed,
		plural(findings, "new finding"), fence, strings.TrimRight(diff, "\n"), fence)
}

type commentData struct {
	Icon, Rule, Object, Message, Remediation, Fingerprint string
	Approval                                              bool
}

func commentBody(f checks.Finding, remediation, fp string) string {
	var b bytes.Buffer
	err := templates.ExecuteTemplate(&b, "comment.md.tmpl", commentData{
		Icon: Icon(f.Severity), Rule: f.Rule, Object: f.Object.String(), Message: f.Message,
		Remediation: remediation, Fingerprint: fp, Approval: f.Approval,
	})
	if err != nil {
		return f.Rule + ": " + f.Message + "\n\n" + markerPrefix + fp + " -->\n"
	}
	return b.String()
}
