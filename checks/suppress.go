package checks

import "github.com/kustoguard/kustoguard/render"

// SuppressPrefix starts the annotation that waives a rule for one object:
// ignore.kustoguard.dev/<rule-id>: "<reason>".
const SuppressPrefix = "ignore.kustoguard.dev/"

// suppressionIgnored is appended to a finding whose suppression does not
// count because the rule needs approval and the annotation is new: a pull
// request must not be able to waive its own approval.
const suppressionIgnored = " (suppression ignored: not on the base branch)"

// suppressed reports whether o carries the suppression annotation for rule.
func suppressed(o *render.Object, rule string) bool {
	if o == nil {
		return false
	}
	v, ok := o.Get("metadata", "annotations", SuppressPrefix+rule)
	if !ok {
		return false
	}
	_, isString := v.(string)
	return isString
}

// objectIndex maps object keys to objects of one render.
type objectIndex map[string]*render.Object

func indexObjects(objs []render.Object) objectIndex {
	idx := make(objectIndex, len(objs))
	for i := range objs {
		idx[objs[i].ID.Key()] = &objs[i]
	}
	return idx
}

// suppress applies suppression annotations to findings about one side's
// objects. side holds the objects the findings are about; base is the base
// render, consulted for rules that need approval. It returns the findings
// that remain, with the note on those whose suppression was ignored.
func suppress(fs []Finding, r Rule, side, base objectIndex) []Finding {
	kept, ignored := filterSuppressed(fs, r, side, base)
	for i := range kept {
		if ignored[i] {
			kept[i].Message += suppressionIgnored
		}
	}
	return kept
}

// filterSuppressed is suppress without the note: ignored[i] tells whether
// kept[i] carries a suppression that does not count, so that a caller can
// compare findings before their messages change.
func filterSuppressed(fs []Finding, r Rule, side, base objectIndex) (kept []Finding, ignored []bool) {
	for _, f := range fs {
		key := f.Object.Key()
		if !suppressed(side[key], r.ID()) {
			kept, ignored = append(kept, f), append(ignored, false)
			continue
		}
		if r.NeedsApproval() && !suppressed(base[key], r.ID()) {
			kept, ignored = append(kept, f), append(ignored, true)
		}
	}
	return kept, ignored
}
