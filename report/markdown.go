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
	ReviewsOnly        bool
}

type summaryData struct {
	Overlays        []overlayRow
	OverlaysOmitted int
	Errors          []overlayRow
	Reasons         []overlayRow // overlays with a reason, in table order
	New             []findingRow
	NewOmitted      int
	// NewCount counts new findings, one per overlay; NewGrouped says, when
	// some rows stand for several overlays, how many rows show them.
	NewCount        int
	NewGrouped      string
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
	groups := Groups(r.Findings)
	for rows := 300; rows >= 5; rows /= 2 {
		s := renderSummary(r, a, groups, rows)
		if len(s) <= MaxOutput {
			return s
		}
	}
	return cut(renderSummary(r, a, groups, 5), MaxOutput)
}

func renderSummary(r *checks.Result, a Approval, groups []Group, rows int) string {
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
	newRows := 0
	for _, g := range groups {
		n := len(g.Findings)
		switch g.First().State {
		case checks.New:
			d.NewCount += n
			newRows++
			if len(d.New) < rows {
				d.New = append(d.New, toRow(g))
			} else {
				d.NewOmitted += n
			}
		case checks.Existing:
			d.ExistingCount += n
			if len(d.Existing) < rows/3+1 {
				d.Existing = append(d.Existing, toRow(g))
			} else {
				d.ExistingOmitted += n
			}
		case checks.Resolved:
			d.Resolved = append(d.Resolved, g.Findings...)
		}
	}
	if newRows < d.NewCount {
		d.NewGrouped = fmt.Sprintf("%s, counted once per overlay, in %s: a finding at the same source line in several overlays is one row.",
			plural(d.NewCount, "new finding"), plural(newRows, "row"))
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

		ReviewsOnly: a.ReviewsOnly,
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

func toRow(g Group) findingRow {
	f := g.First()
	msg := cell(f.Message, 400)
	if in := inOverlays(g); in != "" {
		msg += "<br>_" + cell(in, 400) + "_"
	}
	return findingRow{
		Icon:     Icon(f.Severity),
		Rule:     f.Rule,
		Approval: f.Approval,
		Object:   cell(f.Object.String(), 200),
		Location: location(f),
		Message:  msg,
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
		g                  diffGroup
		blocking, findings int
	}
	var list []scored
	for _, g := range groupDiffs(r.Overlays) {
		s := scored{g: g}
		in := map[string]bool{}
		for _, p := range g.paths() {
			in[p] = true
		}
		for _, f := range r.Findings {
			if in[f.Overlay] && f.State == checks.New {
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
		return a.g.first().Path < b.g.first().Path
	})
	var b strings.Builder
	for i, s := range list {
		block := diffBlock(s.g, s.findings, s.g.first().Diff)
		omitted := len(list) - i - 1
		room := limit - b.Len() - len(omittedNote(len(r.Overlays)))
		if omitted == 0 {
			room = limit - b.Len()
		}
		if len(block) <= room {
			b.WriteString(block)
			continue
		}
		// Show what fits of the first diff that does not, then stop.
		rest := 0
		for _, r := range list[i:] {
			rest += len(r.g.overlays)
		}
		room = limit - b.Len() - len(omittedNote(rest)) - len(diffBlock(s.g, s.findings, ""))
		if room > 1000 {
			b.WriteString(diffBlock(s.g, s.findings, cut(s.g.first().Diff, room-200)))
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

// diffBlock shows the diff of a group of overlays; when several overlays
// share it, the summary names them and says whose diff is shown.
func diffBlock(g diffGroup, findings int, diff string) string {
	fence := "```"
	for strings.Contains(diff, fence) {
		fence += "`"
	}
	o := g.first()
	counts := fmt.Sprintf("+%d ~%d -%d", o.Objects.Added, o.Objects.Changed, o.Objects.Removed)
	head := fmt.Sprintf("<code>%s</code> — %s: %s, %s", htmlEscaper.Replace(o.Path), o.Status, counts, plural(findings, "new finding"))
	if len(g.overlays) > 1 {
		head = fmt.Sprintf("<code>%s</code> — the same change in %s, shown for <code>%s</code> — %s: %s in each, %s in all",
			htmlEscaper.Replace(overlayList(g.paths())), plural(len(g.overlays), "overlay"), htmlEscaper.Replace(o.Path),
			o.Status, counts, plural(findings, "new finding"))
	}
	return fmt.Sprintf("<details><summary>%s</summary>\n\n%sdiff\n%s\n%s\n\n</details>\n\n",
		head, fence, strings.TrimRight(diff, "\n"), fence)
}

type commentData struct {
	Icon, Rule, Object, Message, Overlays, Remediation string
	Fingerprints                                       []string
	Approval                                           bool
}

func commentBody(g Group, remediation string, fps []string) string {
	f := g.First()
	var b bytes.Buffer
	in := inOverlays(g)
	if in != "" {
		in = strings.ToUpper(in[:1]) + in[1:] + "."
	}
	err := templates.ExecuteTemplate(&b, "comment.md.tmpl", commentData{
		Icon: Icon(f.Severity), Rule: f.Rule, Object: f.Object.String(), Message: f.Message, Overlays: in,
		Remediation: remediation, Fingerprints: fps, Approval: f.Approval,
	})
	if err != nil {
		out := f.Rule + ": " + f.Message + "\n\n"
		for _, fp := range fps {
			out += markerPrefix + fp + " -->\n"
		}
		return out
	}
	return b.String()
}
