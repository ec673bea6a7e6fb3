package bot

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kustoguard/kustoguard/report"
)

// JobSummary is the markdown the step writes to GITHUB_STEP_SUMMARY: the
// check run's title, summary and diffs as posted, under a line saying where
// the result went.
func (r *ActionResult) JobSummary() string {
	if r.Skipped != "" {
		return "## kustoguard\n\nNothing to review: " + r.Skipped + ".\n"
	}
	var b strings.Builder
	b.WriteString("## " + r.Title + "\n\n")
	if r.Posted {
		fmt.Fprintf(&b, "Posted as the `%s` check run on %s of #%d.", CheckName, short(r.HeadSHA), r.Number)
	} else {
		fmt.Fprintf(&b, "The workflow's token may not write check runs (a pull request from a fork under `pull_request`, "+
			"or no `checks: write` permission): the findings are this step's annotations instead, and the step fails while something blocks.")
	}
	if len(r.NotPosted) > 0 {
		fmt.Fprintf(&b, " Not posted, for want of permission: %s.", strings.Join(r.NotPosted, ", "))
	}
	b.WriteString("\n\n" + strings.TrimRight(r.Summary, "\n") + "\n")
	if r.Text != "" {
		b.WriteString("\n" + strings.TrimRight(r.Text, "\n") + "\n")
	}
	return b.String()
}

// Outputs are the step outputs: conclusion (a check run conclusion, or
// "skipped"), and the counts of new findings.
func (r *ActionResult) Outputs() [][2]string {
	conclusion := r.Conclusion
	if r.Skipped != "" {
		conclusion = "skipped"
	}
	return [][2]string{
		{"conclusion", conclusion},
		{"blocking", strconv.Itoa(r.Counts.Blocking)},
		{"warnings", strconv.Itoa(r.Counts.Warnings)},
		{"findings", strconv.Itoa(r.Findings)},
	}
}

// WriteOutputs appends outputs to a GITHUB_OUTPUT file in the multi-line
// form (name<<DELIMITER), with a random delimiter no value can contain.
func WriteOutputs(w io.Writer, outputs [][2]string) error {
	for _, kv := range outputs {
		delim := outputDelimiter()
		for strings.Contains(kv[1], delim) {
			delim = outputDelimiter()
		}
		if _, err := fmt.Fprintf(w, "%s<<%s\n%s\n%s\n", kv[0], delim, kv[1], delim); err != nil {
			return fmt.Errorf("writing step output %s: %w", kv[0], err)
		}
	}
	return nil
}

func outputDelimiter() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "ghadelimiter_" + hex.EncodeToString(b)
}

// WriteWorkflowCommands prints the findings as workflow commands, for the
// runner to show as annotations when no check run could carry them: one
// per annotation at its file and line, then the title at the verdict's
// level.
func (r *ActionResult) WriteWorkflowCommands(w io.Writer) error {
	for _, a := range r.Annotations {
		props := "file=" + escapeProperty(a.Path)
		if a.Line > 0 {
			props += ",line=" + strconv.Itoa(a.Line)
		}
		if a.Title != "" {
			props += ",title=" + escapeProperty(a.Title)
		}
		if _, err := fmt.Fprintf(w, "::%s %s::%s\n", commandLevel(a.Level), props, escapeData(a.Message)); err != nil {
			return fmt.Errorf("writing workflow commands: %w", err)
		}
	}
	level := "notice"
	if r.Blocks() {
		level = "error"
	}
	if _, err := fmt.Fprintf(w, "::%s title=%s::%s\n", level, CheckName, escapeData(r.Title)); err != nil {
		return fmt.Errorf("writing workflow commands: %w", err)
	}
	return nil
}

// commandLevel maps a check run annotation level to a workflow command.
func commandLevel(level string) string {
	switch level {
	case report.LevelFailure:
		return "error"
	case report.LevelWarning:
		return "warning"
	}
	return "notice"
}

// escapeData escapes a workflow command's message as the runner decodes it.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
