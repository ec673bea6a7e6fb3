package checks

import (
	"sort"

	"github.com/kustoguard/kustoguard/render"
)

// Run applies rules to one overlay: configuration (enabled, severity),
// suppression annotations, scope, and the new/existing/resolved states.
//
// A StateRule is checked against the base and the head render and its
// findings compared by Finding.Key: head only is New, both is Existing
// (reported where head has it), base only is Resolved (reported where base
// had it); see matchBase. New findings are kept on every object: they are
// what the pull request introduces, whichever object it touched. With
// scope "changed", Existing findings are kept only for objects the pull
// request adds or changes. A ChangeRule is checked once; its findings are
// New.
//
// The result is sorted by (file, line, object, rule, message), without
// duplicates. When in.Changes is nil, Run computes it with render.Diff.
// Run is pure and does not modify in's renders.
func Run(in *Input, rules []Rule) []Finding {
	cfg := in.Config
	if cfg == nil {
		cfg = DefaultConfig()
	}
	work := *in
	work.Config = cfg
	if work.Changes == nil && (len(in.Base) > 0 || len(in.Head) > 0) {
		work.Changes = render.Diff(in.Base, in.Head)
	}
	if work.cache == nil {
		work.cache = newWorkloadCache()
	}
	baseIdx, headIdx := indexObjects(in.Base), indexObjects(in.Head)
	touched := touchedObjects(work.Changes)
	rules = withPolicies(rules, cfg)

	var out []Finding
	for _, r := range rules {
		if !cfg.Enabled(r.ID()) {
			continue
		}
		var fs []Finding
		switch r.Kind() {
		case StateRule:
			fs = runState(&work, r, cfg.Scope == ScopeAll, touched, baseIdx, headIdx)
		default:
			fs = runChange(&work, r, baseIdx, headIdx)
		}
		sev := cfg.SeverityOf(r)
		for i := range fs {
			fs[i].Rule = r.ID()
			fs[i].Severity = sev
			fs[i].Approval = r.NeedsApproval()
			fs[i].Overlay = in.Overlay
			if fs[i].Approval {
				fs[i].Content = approvalContent(r.ID(), fs[i].Object, baseIdx, headIdx)
			}
		}
		out = append(out, fs...)
	}
	return sortFindings(out)
}

func runChange(in *Input, r Rule, baseIdx, headIdx objectIndex) []Finding {
	in.Objects = in.Head
	fs := r.Check(in)
	// A finding about a removed object is judged on the object as it was.
	var onHead, onBase []Finding
	for _, f := range fs {
		f.State = New
		if _, ok := headIdx[f.Object.Key()]; ok || f.Object == (render.ObjectID{}) {
			onHead = append(onHead, f)
		} else {
			onBase = append(onBase, f)
		}
	}
	return append(suppress(onHead, r, headIdx, baseIdx), suppress(onBase, r, baseIdx, baseIdx)...)
}

func runState(in *Input, r Rule, all bool, touched map[string]bool, baseIdx, headIdx objectIndex) []Finding {
	baseIn, headIn := *in, *in
	baseIn.Objects, headIn.Objects = in.Base, in.Head
	var baseFs []Finding
	if len(in.Base) > 0 {
		baseFs = suppress(r.Check(&baseIn), r, baseIdx, baseIdx)
	}
	// States are decided before the ignored-suppression note changes
	// messages, so that the same problem still matches its base finding.
	headFs, ignored := filterSuppressed(r.Check(&headIn), r, headIdx, baseIdx)

	matched := matchBase(baseFs, headFs, renamedObjects(in.Changes))
	var out []Finding
	for i, f := range headFs {
		f.State = New
		if matched[i] >= 0 {
			f.State = Existing
		}
		if ignored[i] {
			f.Message += suppressionIgnored
		}
		// A new finding is news wherever it is: a change to one object
		// (a removed NetworkPolicy) can create a finding on another. An
		// existing one is context, listed for the objects the pull
		// request touches unless the scope is all.
		if f.State == New || all || touched[f.Object.Key()] {
			out = append(out, f)
		}
	}
	used := make(map[int]bool, len(matched))
	for _, b := range matched {
		used[b] = true
	}
	for i, f := range baseFs {
		if !used[i] {
			f.State = Resolved
			out = append(out, f)
		}
	}
	return out
}

// matchBase pairs each head finding with the base finding it continues,
// returning for each head finding the index of its base finding or -1.
// Findings first pair by Key (the same problem, worded the same), then by
// Identity (the same problem, narrowed or reworded). Base findings are
// judged on renamed objects under their new ID, so a rename carries its
// findings over.
func matchBase(baseFs, headFs []Finding, renamed map[string]render.ObjectID) []int {
	byKey := map[string][]int{}
	byIdentity := map[string][]int{}
	for i, f := range baseFs {
		if id, ok := renamed[f.Object.Key()]; ok {
			f.Object = id
		}
		byKey[f.Key()] = append(byKey[f.Key()], i)
		byIdentity[f.Identity()] = append(byIdentity[f.Identity()], i)
	}
	used := make([]bool, len(baseFs))
	take := func(cands []int) int {
		for _, b := range cands {
			if !used[b] {
				used[b] = true
				return b
			}
		}
		return -1
	}
	out := make([]int, len(headFs))
	for i, f := range headFs {
		out[i] = take(byKey[f.Key()])
	}
	for i, f := range headFs {
		if out[i] < 0 {
			out[i] = take(byIdentity[f.Identity()])
		}
	}
	return out
}

// renamedObjects maps the base key of each object the diff paired under a
// new name (a regenerated ConfigMap, a new name prefix) to its head ID.
func renamedObjects(changes []render.Change) map[string]render.ObjectID {
	out := map[string]render.ObjectID{}
	for _, c := range changes {
		if c.Base != nil && c.Head != nil && c.Base.ID.Key() != c.Head.ID.Key() {
			out[c.Base.ID.Key()] = c.Head.ID
		}
	}
	return out
}

// touchedObjects is the set of object keys the pull request adds or changes.
func touchedObjects(changes []render.Change) map[string]bool {
	t := map[string]bool{}
	for _, c := range changes {
		if c.Type == render.Added || c.Type == render.Modified {
			t[c.ID.Key()] = true
		}
	}
	return t
}

// sortFindings orders findings deterministically and drops exact duplicates.
func sortFindings(fs []Finding) []Finding {
	sort.Slice(fs, func(i, j int) bool { return findingLess(fs[i], fs[j]) })
	out := fs[:0]
	for i, f := range fs {
		if i > 0 && f == fs[i-1] {
			continue
		}
		out = append(out, f)
	}
	return out
}

func findingLess(a, b Finding) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	if ak, bk := a.Object.Key(), b.Object.Key(); ak != bk {
		return ak < bk
	}
	if a.Rule != b.Rule {
		return a.Rule < b.Rule
	}
	if a.Message != b.Message {
		return a.Message < b.Message
	}
	if a.Overlay != b.Overlay {
		return a.Overlay < b.Overlay
	}
	return a.State < b.State
}
