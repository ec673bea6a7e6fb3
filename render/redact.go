package render

// Secret values never leave the renderer's output: diffs show which keys
// of a Secret were added, removed or changed, never a value.

const (
	redacted        = "(redacted)"
	redactedChanged = "(redacted, changed)"
)

func isSecret(o *Object) bool { return o.ID.Kind == "Secret" && o.ID.Group() == "" }

// secretFields are the fields of a Secret that hold values.
var secretFields = []string{"data", "stringData"}

// redactPair1 returns a copy of a Secret with every value replaced.
func redactPair1(o *Object) *Object {
	c := shallowWithout(o)
	for _, f := range secretFields {
		if m, ok := o.Fields[f].(map[string]any); ok {
			r := make(map[string]any, len(m))
			for k := range m {
				r[k] = redacted
			}
			c.Fields[f] = r
		}
	}
	return c
}

// redactPair returns copies of two versions of a Secret with every value
// replaced, marking on the head side the keys whose value changed.
func redactPair(b, h *Object) (*Object, *Object) {
	bc, hc := shallowWithout(b), shallowWithout(h)
	for _, f := range secretFields {
		bm, _ := b.Fields[f].(map[string]any)
		hm, _ := h.Fields[f].(map[string]any)
		if bm != nil {
			r := make(map[string]any, len(bm))
			for k := range bm {
				r[k] = redacted
			}
			bc.Fields[f] = r
		}
		if hm != nil {
			r := make(map[string]any, len(hm))
			for k, v := range hm {
				old, had := bm[k]
				if had && old != v {
					r[k] = redactedChanged
				} else {
					r[k] = redacted
				}
			}
			hc.Fields[f] = r
		}
	}
	return bc, hc
}

// shallowWithout copies the top level of o's fields, dropping the
// last-applied-configuration annotation, which would repeat the values.
func shallowWithout(o *Object) *Object {
	c := &Object{ID: o.ID, Fields: make(map[string]any, len(o.Fields))}
	for k, v := range o.Fields {
		c.Fields[k] = v
	}
	if md, ok := o.Fields["metadata"].(map[string]any); ok {
		if ann, ok := md["annotations"].(map[string]any); ok {
			if _, has := ann["kubectl.kubernetes.io/last-applied-configuration"]; has {
				mdc := make(map[string]any, len(md))
				for k, v := range md {
					mdc[k] = v
				}
				annc := make(map[string]any, len(ann))
				for k, v := range ann {
					if k != "kubectl.kubernetes.io/last-applied-configuration" {
						annc[k] = v
					}
				}
				mdc["annotations"] = annc
				c.Fields["metadata"] = mdc
			}
		}
	}
	return c
}
