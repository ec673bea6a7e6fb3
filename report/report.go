package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/kustoguard/kustoguard/checks"
)

// Check run conclusions.
const (
	Success        = "success"
	Failure        = "failure"
	ActionRequired = "action_required"
)

// MaxOutput is GitHub's limit on a check run's summary and text.
const MaxOutput = 65535

// Approval is the state of the approval gate for a review.
type Approval struct {
	// Required is true when new findings need an approver.
	Required bool
	// By lists who approved the current fingerprint; empty when not approved.
	By []string
	// Approvers names who may approve, as shown to people ("@alice",
	// "@acme/platform-security"); empty means the repository's admins.
	Approvers []string
	// ReviewsOnly is set where approvals come from APPROVED reviews alone:
	// in GitHub Actions the check run has no Approve button, since a
	// requested_action goes to the App that created the run.
	ReviewsOnly bool
}

// Approved reports whether the gate is satisfied.
func (a Approval) Approved() bool { return !a.Required || len(a.By) > 0 }

// Gate is the approval gate of a review, built the same way by the CLI and
// the App so both name the same approvers: it is required when a new
// finding needs approval, names who may approve under cfg, and records who
// approved (by: nobody for a local run).
func Gate(cfg *checks.Config, findings []checks.Finding, by []string) Approval {
	need := checks.NeedingApproval(findings)
	if len(need) == 0 {
		return Approval{}
	}
	return Approval{Required: true, By: by, Approvers: ApproversOf(cfg, need)}
}

// ApproversOf lists who may approve the new findings needing approval under
// cfg, as "@user" and "@org/team", sorted; empty when the configuration
// names nobody for them (repository admins then decide).
func ApproversOf(cfg *checks.Config, findings []checks.Finding) []string {
	if cfg == nil {
		return nil
	}
	set := map[string]bool{}
	for _, f := range checks.NeedingApproval(findings) {
		users, teams, _ := cfg.ApproversFor(f.Rule)
		for _, u := range users {
			set["@"+u] = true
		}
		for _, t := range teams {
			set["@"+t] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

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

// Comment is one review comment: the new findings at one source line (all
// rules, all overlays). Line 0 means a file-level comment. Body is the
// parts joined (CommentBody); each part hides its findings' fingerprints so
// that a later review can tell they were already commented on.
// Fingerprint is the first part's first fingerprint.
type Comment struct {
	Path        string
	Line        int
	Body        string
	Fingerprint string
	Parts       []CommentPart
}

// CommentPart is what a comment says about one group of findings (one rule,
// possibly in several overlays).
type CommentPart struct {
	Body string
	// Fingerprints are the group's findings' fingerprints, one per overlay.
	Fingerprints []string
}

// CommentBody joins parts into one comment.
func CommentBody(parts []CommentPart) string {
	bodies := make([]string, len(parts))
	for i, p := range parts {
		bodies[i] = strings.TrimRight(p.Body, "\n") + "\n"
	}
	return strings.Join(bodies, "\n---\n\n")
}

// Conclusion computes the check run conclusion: action_required while
// findings need an approval they lack, else failure on a new error that
// needs no approval (approval clears the others, whatever their severity)
// or on an overlay that rendered at base and no longer does, else success.
func Conclusion(r *checks.Result, a Approval) string {
	if r == nil {
		return Success
	}
	if len(checks.NeedingApproval(r.Findings)) > 0 && !a.Approved() {
		return ActionRequired
	}
	if stillBlocking(r) > 0 {
		return Failure
	}
	for _, o := range r.Overlays {
		if o.Status == checks.OverlayError && o.BaseError == "" {
			return Failure
		}
	}
	return Success
}

// Build renders the check run for a review. It is deterministic and keeps
// Summary and Text within GitHub's limits.
func Build(r *checks.Result, a Approval) CheckRun {
	if r == nil {
		r = &checks.Result{}
	}
	return CheckRun{
		Conclusion:  Conclusion(r, a),
		Title:       Title(r, a),
		Summary:     summary(r, a),
		Text:        diffText(r, MaxOutput),
		Annotations: annotations(r),
	}
}

// Title is the check run's one-line title: the approval state when there is
// one, then the counts.
func Title(r *checks.Result, a Approval) string {
	c := countNew(r, a)
	if len(r.Overlays) == 0 && len(r.Findings) == 0 {
		return "No rendered changes"
	}
	counts := c.phrase(len(r.Overlays))
	// The counts are per overlay; say how many distinct findings they are
	// when a shared base makes them fewer (the tables show those).
	if distinct := distinctNew(r.Findings); distinct < c.total() {
		counts += " (" + plural(distinct, "distinct finding") + ")"
	}
	needing := checks.NeedingApproval(r.Findings)
	switch {
	case len(needing) > 0 && !a.Approved():
		return "Approval needed: " + ruleList(needing) + " · " + counts
	case len(needing) > 0 && len(a.By) > 0:
		return "Approved by " + mentions(a.By) + " · " + counts
	case c.total() == 0 && !changedAny(r):
		return fmt.Sprintf("No rendered changes in %s", plural(len(r.Overlays), "overlay"))
	}
	return counts
}

// distinctNew counts the groups of new findings (see Group).
func distinctNew(findings []checks.Finding) int {
	n := 0
	for _, g := range Groups(findings) {
		if g.First().State == checks.New {
			n++
		}
	}
	return n
}

// counts tallies new findings as the gate sees them.
type counts struct{ blocking, warnings, notices int }

func (c counts) total() int { return c.blocking + c.warnings + c.notices }

func (c counts) phrase(overlays int) string {
	var parts []string
	if c.blocking > 0 {
		parts = append(parts, fmt.Sprintf("%d blocking", c.blocking))
	}
	if c.warnings > 0 {
		parts = append(parts, plural(c.warnings, "warning"))
	}
	if c.notices > 0 {
		parts = append(parts, plural(c.notices, "notice"))
	}
	if len(parts) == 0 {
		parts = []string{"No new findings"}
	}
	return strings.Join(parts, ", ") + " in " + plural(overlays, "overlay")
}

// stillBlocking counts the new findings approval cannot clear.
func stillBlocking(r *checks.Result) int {
	n := 0
	for _, f := range r.Findings {
		if f.BlocksWhenApproved() {
			n++
		}
	}
	return n
}

// countNew counts new findings; one that needs approval blocks only while
// the gate is closed.
func countNew(r *checks.Result, a Approval) counts {
	var c counts
	for _, f := range r.Findings {
		if f.State != checks.New {
			continue
		}
		switch {
		case f.BlocksWhenApproved() || (f.Approval && !a.Approved()):
			c.blocking++
		case f.Severity == checks.Warning || f.Approval:
			c.warnings++
		default:
			c.notices++
		}
	}
	return c
}

func changedAny(r *checks.Result) bool {
	for _, o := range r.Overlays {
		if o.Status != checks.OverlayUnchanged {
			return true
		}
	}
	return false
}

// ruleList names the distinct rules of findings, at most three.
func ruleList(fs []checks.Finding) string {
	var ids []string
	seen := map[string]bool{}
	for _, f := range fs {
		if !seen[f.Rule] {
			seen[f.Rule] = true
			ids = append(ids, f.Rule)
		}
	}
	sort.Strings(ids)
	if len(ids) > 3 {
		return strings.Join(ids[:3], ", ") + fmt.Sprintf(" and %d more", len(ids)-3)
	}
	return strings.Join(ids, ", ")
}

func mentions(users []string) string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = "@" + strings.TrimPrefix(u, "@")
	}
	return strings.Join(out, ", ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// annotations places one annotation per group of findings (the same
// finding at the same line in several overlays is one annotation).
func annotations(r *checks.Result) []Annotation {
	var out []Annotation
	for _, g := range Groups(r.Findings) {
		f := g.First()
		if f.File == "" || f.State == checks.Resolved {
			continue
		}
		msg := f.Message
		if in := inOverlays(g); in != "" {
			msg += "\n\n" + strings.ToUpper(in[:1]) + in[1:] + "."
		}
		out = append(out, Annotation{
			Path:    f.File,
			Line:    max(f.Line, 1),
			Level:   annotationLevel(f),
			Title:   f.Rule + ": " + f.Object.Kind + " " + f.Object.Name,
			Message: msg,
		})
	}
	for _, d := range r.Deprecations {
		out = append(out, Annotation{Path: d.File, Line: max(d.Line, 1), Level: LevelNotice,
			Title: "kustomize deprecation", Message: d.Message})
	}
	return out
}

// annotationLevel is a finding's annotation level: its severity's when the
// pull request introduces it, notice for an existing one, which is context
// rather than news, so that a clean pull request shows no warning.
func annotationLevel(f checks.Finding) string {
	if f.State != checks.New {
		return LevelNotice
	}
	return level(f.Severity)
}

func level(s checks.Severity) string {
	switch s {
	case checks.Error:
		return LevelFailure
	case checks.Warning:
		return LevelWarning
	}
	return LevelNotice
}

// Fingerprint is a stable hash of what a finding says about which object:
// rule, overlay, object and message, but not the line, so a finding that
// only moves is recognised as the same one.
func Fingerprint(f checks.Finding) string {
	sum := sha256.Sum256([]byte(f.Key()))
	return hex.EncodeToString(sum[:16])
}

const markerPrefix = "<!-- kustoguard:fingerprint="

var markerRE = regexp.MustCompile(`<!-- kustoguard:fingerprint=([0-9a-f]+) -->`)

// FingerprintsIn returns the fingerprints hidden in a comment body, in order.
func FingerprintsIn(body string) []string {
	var out []string
	for _, m := range markerRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// Comments returns one review comment per source line that has new
// findings (several rules and overlays in one), sorted by path and line. The remediation comes from the rule catalog.
func Comments(r *checks.Result) []Comment {
	return comments(r, checks.Default())
}

func comments(r *checks.Result, rules []checks.Rule) []Comment {
	if r == nil {
		return nil
	}
	remedies := map[string]string{}
	for _, rule := range rules {
		remedies[rule.ID()] = rule.Remediation()
	}
	var out []Comment
	at := map[string]int{} // "path\x00line" → index in out
	for _, g := range Groups(r.Findings) {
		f := g.First()
		if f.State != checks.New || f.File == "" {
			continue
		}
		fps := g.Fingerprints()
		part := CommentPart{Body: commentBody(g, remedies[f.Rule], fps), Fingerprints: fps}
		k := f.File + "\x00" + strconv.Itoa(f.Line)
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, Comment{Path: f.File, Line: f.Line, Fingerprint: fps[0]})
		}
		out[i].Parts = append(out[i].Parts, part)
	}
	for i := range out {
		out[i].Body = CommentBody(out[i].Parts)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Line < out[j].Line
	})
	return out
}
