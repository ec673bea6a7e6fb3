package checks

import (
	"regexp"

	"github.com/kustoguard/kustoguard/render"
)

// Severity is how much a finding matters.
type Severity string

// The severities, from most to least serious.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Notice  Severity = "notice"
)

// State says how a finding relates to the base branch.
type State string

// The states. Only New findings block a pull request.
const (
	New      State = "new"      // the pull request introduces it
	Existing State = "existing" // already present on the base side
	Resolved State = "resolved" // present on the base side, gone at head
)

// Kind says what a rule judges.
type Kind int

const (
	// StateRule judges the objects of one render. Run applies it to base and
	// head and compares the findings to set their State.
	StateRule Kind = iota
	// ChangeRule judges the changes between base and head; its findings are New.
	ChangeRule
)

// Finding is one thing a rule has to say about one object.
type Finding struct {
	Rule     string          `json:"rule"`
	Severity Severity        `json:"severity"`
	Approval bool            `json:"approval"`
	State    State           `json:"state"`
	Overlay  string          `json:"overlay"`
	Object   render.ObjectID `json:"object"`
	File     string          `json:"file"`
	Line     int             `json:"line"`
	Message  string          `json:"message"`
	// Content is a digest of the flagged content the message leaves out
	// (see ApprovalFingerprint); set on findings that need approval.
	Content string `json:"-"`
}

// Key identifies a finding independently of where it is reported, so that
// the same problem found at base and at head compares equal.
func (f Finding) Key() string {
	return f.Rule + "\x00" + f.Overlay + "\x00" + f.Object.Key() + "\x00" + f.Message
}

// Identity names the problem a finding is about, independently of how its
// message words it: rule, overlay, object and, for per-container rules, the
// container. A problem the pull request narrows (a container that lacked
// three settings and now lacks one) keeps its identity, so it stays
// Existing instead of coming back as New.
func (f Finding) Identity() string {
	return f.Rule + "\x00" + f.Overlay + "\x00" + f.Object.Key() + "\x00" + containerOf(f.Message)
}

// containerRE finds the container a per-container message names; see
// podContainer.describe.
var containerRE = regexp.MustCompile(`container "([^"]+)" of `)

func containerOf(msg string) string {
	if m := containerRE.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return ""
}

// Blocking reports whether the finding holds the pull request back (before
// approvals): a new error, or a new finding that needs approval.
func (f Finding) Blocking() bool {
	return f.State == New && (f.Severity == Error || f.Approval)
}

// BlocksWhenApproved reports whether the finding still holds the pull
// request back once its approval gate is satisfied: approval clears every
// finding that needs approval, whatever its severity, so only a new error
// that needs none remains.
func (f Finding) BlocksWhenApproved() bool {
	return f.State == New && f.Severity == Error && !f.Approval
}

// Rule is one self-describing check.
type Rule interface {
	// ID is stable forever, kebab-case: ^[a-z0-9-]+$.
	ID() string
	// Description is one line saying what the rule flags.
	Description() string
	// Remediation is one sentence, ending in ".", saying how to fix a finding.
	Remediation() string
	// Severity is the default severity; configuration may override it.
	Severity() Severity
	// NeedsApproval reports whether a new finding holds the check until an
	// approver approves.
	NeedsApproval() bool
	// Kind says whether the rule judges one render or the changes.
	Kind() Kind
	// Check returns the findings for in. Rules fill Rule, Object, File, Line
	// and Message; Run fills Severity, Approval, State and Overlay.
	Check(in *Input) []Finding
}

// Input is what a rule sees for one overlay.
type Input struct {
	Overlay string
	// Objects is the render a StateRule judges (base or head).
	Objects []render.Object
	// Base and Head are the two renders; Base is nil for a new overlay.
	Base, Head []render.Object
	// Changes compares Base and Head, sorted by object key.
	Changes []render.Change
	// ChangedFiles are the repository paths the pull request changes.
	ChangedFiles []string
	Config       *Config
	// Repo is the head side's tree, for rules that need repository-wide
	// facts (schema-invalid reads the CRDs declared anywhere in it); nil
	// when the caller has no tree.
	Repo *render.Tree

	// cache memoizes decoded workloads per object set; Run shares one
	// cache between the base and head Inputs it builds. Not safe for
	// concurrent use, like the Input itself.
	cache *workloadCache
}
