package report

import (
	"crypto/sha256"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/kustoguard/kustoguard/checks"
)

// Group is the findings that say the same thing at the same source line in
// several overlays: same rule, state, severity, file, line, object kind and
// name, and a message that differs only by the object's namespace (a shared
// base rendered into dev, staging and production), at most one per overlay.
// Reports show a group once, naming its overlays; JSON keeps one finding
// per overlay.
type Group struct {
	// Findings are the members in the order of the review, one per
	// overlay; the first one speaks for the group.
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
	index := map[string][]int{}
	has := func(g Group, overlay string) bool {
		for _, f := range g.Findings {
			if f.Overlay == overlay {
				return true
			}
		}
		return false
	}
outer:
	for _, f := range findings {
		k := groupKey(f)
		for _, i := range index[k] {
			// A group holds one finding per overlay: two findings of one
			// overlay are about different things.
			if !has(out[i], f.Overlay) {
				out[i].Findings = append(out[i].Findings, f)
				continue outer
			}
		}
		index[k] = append(index[k], len(out))
		out = append(out, Group{Findings: []checks.Finding{f}})
	}
	return out
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
		f.File, strconv.Itoa(f.Line), f.Object.Group(), f.Object.Kind, f.Object.Name, messageShape(f)}, "\x00")
}

// messageShape is the message with the object's namespace taken out, so
// "Role prod/api … in prod" and "Role staging/api … in staging" compare
// equal (the object's kind and name are part of the group's key).
func messageShape(f checks.Finding) string {
	m := f.Message
	if f.Object.Namespace != "" {
		m = replaceWord(m, f.Object.Namespace, "\x02ns")
	}
	return m
}

// replaceWord replaces s in m where it is not part of a longer word or
// name (letters, digits, "_", "." and "-" continue a name).
func replaceWord(m, s, with string) string {
	var b strings.Builder
	for {
		i := strings.Index(m, s)
		if i < 0 {
			b.WriteString(m)
			return b.String()
		}
		end := i + len(s)
		if (i == 0 || !nameByte(m[i-1])) && (end == len(m) || !wordByte(m[end])) {
			b.WriteString(m[:i])
			b.WriteString(with)
		} else {
			b.WriteString(m[:end])
		}
		m = m[end:]
	}
}

func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func nameByte(c byte) bool { return wordByte(c) || c == '.' || c == '-' }

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
	index := map[[sha256.Size]byte]int{}
	for _, o := range overlays {
		if o.Diff == "" {
			continue
		}
		k := diffShape(string(o.Status)+"\x00"+fmt.Sprint(o.Objects), o.Diff)
		if i, ok := index[k]; ok {
			out[i].overlays = append(out[i].overlays, o)
			continue
		}
		index[k] = len(out)
		out = append(out, diffGroup{overlays: []checks.OverlayResult{o}})
	}
	return out
}

// diffShape hashes prefix and a diff with its namespaces replaced by
// placeholders numbered in order of appearance. Namespaces are read from
// the object headers ("--- a/<group/version>/<kind>/<namespace>/<name>")
// and replaced there and in "namespace:" lines.
func diffShape(prefix, diff string) [sha256.Size]byte {
	names := map[string]string{}
	for rest := diff; rest != ""; {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		if ns := headerNamespace(l); ns != "" && names[ns] == "" {
			names[ns] = "\x02ns" + strconv.Itoa(len(names))
		}
	}
	h := sha256.New()
	h.Write([]byte(prefix + "\x00"))
	for rest := diff; rest != ""; {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		if ns := headerNamespace(l); ns != "" {
			i := strings.LastIndexByte(l, '/')
			j := strings.LastIndexByte(l[:i], '/')
			l = l[:j+1] + names[ns] + l[i:]
		} else if k, v, ok := strings.Cut(l, "namespace: "); ok && strings.TrimLeft(k, " +-") == "" {
			if p, ok := names[strings.TrimSpace(v)]; ok {
				l = k + "namespace: " + p
			}
		}
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

func headerNamespace(l string) string {
	if !strings.HasPrefix(l, "--- a/") && !strings.HasPrefix(l, "+++ b/") {
		return ""
	}
	if strings.Count(l, "/") < 4 {
		return ""
	}
	i := strings.LastIndexByte(l, '/')
	j := strings.LastIndexByte(l[:i], '/')
	return l[j+1 : i]
}
