package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/kustoguard/kustoguard/checks"
)

// Group is the findings that say the same thing at the same source line in
// several overlays: same rule, state, severity, file, line, object kind, and
// a message that differs only by the object's namespace and name (a shared
// base rendered into dev, staging and production). Reports show a group
// once, naming its overlays; JSON keeps one finding per overlay.
type Group struct {
	// Findings are the members in the order of the review, one per overlay
	// (or object); the first one speaks for the group.
	Findings []checks.Finding
}

// First is the finding that speaks for the group.
func (g Group) First() checks.Finding { return g.Findings[0] }

// Overlays are the distinct overlays of the group, in review order.
func (g Group) Overlays() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range g.Findings {
		if !seen[f.Overlay] {
			seen[f.Overlay] = true
			out = append(out, f.Overlay)
		}
	}
	return out
}

// Fingerprints are the members' fingerprints, in order.
func (g Group) Fingerprints() []string {
	out := make([]string, len(g.Findings))
	for i, f := range g.Findings {
		out[i] = Fingerprint(f)
	}
	return out
}

// Groups groups findings (see Group), keeping the order of each group's
// first member.
func Groups(findings []checks.Finding) []Group {
	var out []Group
	index := map[string]int{}
	for _, f := range findings {
		k := groupKey(f)
		if i, ok := index[k]; ok {
			out[i].Findings = append(out[i].Findings, f)
			continue
		}
		index[k] = len(out)
		out = append(out, Group{Findings: []checks.Finding{f}})
	}
	return out
}

// GroupID names the group a finding belongs to: equal for the findings
// Groups puts together, 16 hex characters.
func GroupID(f checks.Finding) string {
	sum := sha256.Sum256([]byte(groupKey(f)))
	return hex.EncodeToString(sum[:8])
}

func groupKey(f checks.Finding) string {
	if f.File == "" {
		// Without a source line there is no shared place to point at.
		return "\x01" + f.Key()
	}
	approval := "0"
	if f.Approval {
		approval = "1"
	}
	return strings.Join([]string{f.Rule, string(f.State), string(f.Severity), approval,
		f.File, strconv.Itoa(f.Line), f.Object.Kind, messageShape(f)}, "\x00")
}

// messageShape is the message with the object's namespace and name taken
// out, so "Role prod/api … in prod" and "Role staging/api … in staging"
// compare equal.
func messageShape(f checks.Finding) string {
	m := f.Message
	if f.Object.Namespace != "" && f.Object.Name != "" {
		m = strings.ReplaceAll(m, f.Object.Namespace+"/"+f.Object.Name, "\x02obj")
	}
	if f.Object.Name != "" {
		m = strings.ReplaceAll(m, f.Object.Name, "\x02name")
	}
	if f.Object.Namespace != "" {
		m = wordRE(f.Object.Namespace).ReplaceAllString(m, "${1}\x02ns")
	}
	return m
}

// wordRE matches s where it is not part of a longer word or name.
func wordRE(s string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[^A-Za-z0-9_.-])` + regexp.QuoteMeta(s) + `\b`)
}

// overlayList names overlays compactly: "deploy/overlays/{dev, staging}"
// when they share a parent directory, else their paths.
func overlayList(overlays []string) string {
	if len(overlays) == 1 {
		return overlayLabel(overlays[0])
	}
	sorted := append([]string(nil), overlays...)
	sort.Strings(sorted)
	dir := path.Dir(sorted[0])
	same := dir != "."
	names := make([]string, len(sorted))
	for i, o := range sorted {
		if path.Dir(o) != dir {
			same = false
		}
		names[i] = path.Base(o)
	}
	if same {
		return dir + "/{" + strings.Join(names, ", ") + "}"
	}
	labels := make([]string, len(sorted))
	for i, o := range sorted {
		labels[i] = overlayLabel(o)
	}
	return strings.Join(labels, ", ")
}

func overlayLabel(o string) string {
	if o == "" {
		return "(repository)" // findings of no overlay, such as config-change
	}
	return o
}

// inOverlays says where a group was found when that is more than one
// overlay: "in 3 overlays: deploy/overlays/{dev, production, staging}".
func inOverlays(g Group) string {
	os := g.Overlays()
	if len(os) < 2 {
		return ""
	}
	return "in " + plural(len(os), "overlay") + ": " + overlayList(os)
}

// groupMessage is the group's message: the first member's, saying how many
// more overlays have the same finding when there are others.
func groupMessage(g Group) string {
	f := g.First()
	if n := len(g.Overlays()) - 1; n > 0 {
		return f.Message + " (the same in " + plural(n, "more overlay") + ")"
	}
	return f.Message
}

// diffGroup is overlays whose rendered diffs show the same change; the
// diff shown is the first overlay's.
type diffGroup struct {
	overlays []checks.OverlayResult
}

func (d diffGroup) first() checks.OverlayResult { return d.overlays[0] }

func (d diffGroup) paths() []string {
	out := make([]string, len(d.overlays))
	for i, o := range d.overlays {
		out[i] = o.Path
	}
	return out
}

// groupDiffs puts together the overlays (with a diff) whose diffs are the
// same change: equal line for line once each overlay's namespaces are
// taken out, with the same status and object counts. Order is kept.
func groupDiffs(overlays []checks.OverlayResult) []diffGroup {
	var out []diffGroup
	index := map[string]int{}
	for _, o := range overlays {
		if o.Diff == "" {
			continue
		}
		k := string(o.Status) + "\x00" + fmt.Sprint(o.Objects) + "\x00" + diffShape(o.Diff)
		if i, ok := index[k]; ok {
			out[i].overlays = append(out[i].overlays, o)
			continue
		}
		index[k] = len(out)
		out = append(out, diffGroup{overlays: []checks.OverlayResult{o}})
	}
	return out
}

// diffShape is a diff with its namespaces replaced by placeholders numbered
// in order of appearance. Namespaces are read from the object headers
// ("--- a/<group/version>/<kind>/<namespace>/<name>") and replaced there
// and in "namespace:" lines.
func diffShape(diff string) string {
	lines := strings.Split(diff, "\n")
	names := map[string]string{}
	for _, l := range lines {
		if ns := headerNamespace(l); ns != "" && names[ns] == "" {
			names[ns] = "\x02ns" + strconv.Itoa(len(names))
		}
	}
	if len(names) == 0 {
		return diff
	}
	for i, l := range lines {
		if ns := headerNamespace(l); ns != "" {
			segs := strings.Split(l, "/")
			segs[len(segs)-2] = names[ns]
			lines[i] = strings.Join(segs, "/")
			continue
		}
		if k, v, ok := strings.Cut(l, "namespace: "); ok && strings.TrimLeft(k, " +-") == "" {
			if p, ok := names[strings.TrimSpace(v)]; ok {
				lines[i] = k + "namespace: " + p
			}
		}
	}
	return strings.Join(lines, "\n")
}

func headerNamespace(l string) string {
	if !strings.HasPrefix(l, "--- a/") && !strings.HasPrefix(l, "+++ b/") {
		return ""
	}
	segs := strings.Split(l, "/")
	if len(segs) < 5 {
		return ""
	}
	return segs[len(segs)-2]
}
