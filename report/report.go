package report

import "github.com/kustoguard/kustoguard/checks"

// Check run conclusions.
const (
	Success        = "success"
	Failure        = "failure"
	ActionRequired = "action_required"
)

// Approval is the state of the approval gate for a review.
type Approval struct {
	// Required is true when new findings need an approver.
	Required bool
	// By lists who approved the current fingerprint; empty when not approved.
	By []string
}

// Approved reports whether the gate is satisfied.
func (a Approval) Approved() bool { return !a.Required || len(a.By) > 0 }

// CheckRun is the completed check run's content.
type CheckRun struct {
	Conclusion  string
	Title       string
	Summary     string // at most 65,535 characters
	Text        string // at most 65,535 characters
	Annotations []Annotation
}

// Annotation levels as GitHub names them.
const (
	LevelNotice  = "notice"
	LevelWarning = "warning"
	LevelFailure = "failure"
)

// Annotation is one finding placed at a source line.
type Annotation struct {
	Path    string
	Line    int
	Level   string
	Title   string
	Message string
}

// Comment is one review comment for a new finding. Line 0 means a
// file-level comment. Fingerprint is also hidden in Body so that a later
// review can tell the finding was already commented on.
type Comment struct {
	Path        string
	Line        int
	Body        string
	Fingerprint string
}

// Conclusion computes the check run conclusion: action_required while
// findings need an approval they lack, else failure on a new error or a
// render error, else success.
//
// STUB: replaced by the real report.
func Conclusion(r *checks.Result, a Approval) string { return Success }

// Build renders the check run for a review.
//
// STUB: replaced by the real report.
func Build(r *checks.Result, a Approval) CheckRun {
	return CheckRun{Conclusion: Conclusion(r, a), Title: "kustoguard"}
}

// Comments returns one review comment per new finding that has a file,
// sorted by path and line.
//
// STUB: replaced by the real report.
func Comments(r *checks.Result) []Comment { return nil }
