package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/kustoguard/kustoguard/checks"
)

// RuleInfo is one catalog entry as `kustoguard rules --format json` prints it.
type RuleInfo struct {
	ID          string          `json:"id"`
	Severity    checks.Severity `json:"severity"`
	Approval    bool            `json:"approval"`
	Description string          `json:"description"`
	Remediation string          `json:"remediation"`
}

// Catalog describes rules in the order given.
func Catalog(rules []checks.Rule) []RuleInfo {
	out := make([]RuleInfo, 0, len(rules))
	for _, r := range rules {
		out = append(out, RuleInfo{ID: r.ID(), Severity: r.Severity(), Approval: r.NeedsApproval(),
			Description: r.Description(), Remediation: r.Remediation()})
	}
	return out
}

// RulesJSON writes the catalog as a JSON array (never null).
func RulesJSON(w io.Writer, rules []checks.Rule) error {
	b, err := json.MarshalIndent(Catalog(rules), "", "  ")
	if err != nil {
		return fmt.Errorf("encoding rules: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing rules: %w", err)
	}
	return nil
}

// RulesText writes the catalog as an aligned table.
func RulesText(w io.Writer, rules []checks.Rule) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tAPPROVAL\tDESCRIPTION")
	for _, r := range Catalog(rules) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, yesNo(r.Approval), r.Description)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing rules: %w", err)
	}
	return nil
}

// RulesMarkdown writes docs/rules.md: a table of the catalog, then one
// section per rule with its remediation.
func RulesMarkdown(w io.Writer, rules []checks.Rule) error {
	var b strings.Builder
	b.WriteString("# Rules\n\n")
	b.WriteString("<!-- Generated from checks.Default() by `go test ./cmd/kustoguard -run TestRulesDoc -update`. Do not edit. -->\n\n")
	b.WriteString("Rule ids are stable. Configure a rule under `rules:` in `.github/kustoguard.yml` " +
		"(`{enabled: false}` or `{severity: warning}`), or silence it on one object with the annotation " +
		"`ignore.kustoguard.dev/<rule-id>: \"<reason>\"`; for a rule that needs approval the annotation " +
		"counts only when it is already on the base branch. Only new findings block a pull request: " +
		"those of severity `error`, and those that need approval until an approver approves.\n\n")
	cat := Catalog(rules)
	writeRulesTable(&b, cat, "#")
	for _, r := range cat {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n- Default severity: `%s`\n- Needs approval: %s\n- Remediation: %s\n",
			r.ID, r.Description, r.Severity, yesNo(r.Approval), r.Remediation)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing rules doc: %w", err)
	}
	return nil
}

// RulesTable writes the catalog as the Markdown table the README embeds,
// each id linking to its section of docs/rules.md.
func RulesTable(w io.Writer, rules []checks.Rule) error {
	var b strings.Builder
	writeRulesTable(&b, Catalog(rules), "docs/rules.md#")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing rules table: %w", err)
	}
	return nil
}

func writeRulesTable(b *strings.Builder, cat []RuleInfo, anchor string) {
	b.WriteString("| id | default severity | needs approval | description |\n|---|---|---|---|\n")
	for _, r := range cat {
		fmt.Fprintf(b, "| [`%s`](%s%s) | %s | %s | %s |\n", r.ID, anchor, r.ID, r.Severity, yesNo(r.Approval), cell(r.Description, 1000))
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
