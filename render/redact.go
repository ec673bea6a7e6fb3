package render

import "strings"

// Secret values never leave the renderer's output: diffs show which keys
// of a Secret were added, removed or changed, never a value.
//
// What counts as a Secret is decided conservatively, on the object as
// rendered rather than as the API server would accept it: any kind
// spelled "Secret" in any case and under any apiVersion (a misspelled
// group or version still carries the values to the diff), and the Secrets
// among the items of a List-like object. Their "data" and "stringData"
// fields, in any case, are redacted whatever their shape. Other
// secret-bearing kinds keep no plaintext values in their manifests
// (SealedSecret's encryptedData is ciphertext, ExternalSecret holds
// references), so they are shown.

const (
	redacted        = "(redacted)"
	redactedChanged = "(redacted, changed)"
)

func isSecretKind(kind any) bool {
	k, _ := kind.(string)
	return strings.EqualFold(k, "Secret")
}

// isSecret reports whether o is a Secret or holds one among its items.
func isSecret(o *Object) bool {
	return isSecretKind(o.ID.Kind) || holdsSecrets(o.Fields)
}

func holdsSecrets(fields map[string]any) bool {
	items, _ := fields["items"].([]any)
	for _, it := range items {
		if m, ok := it.(map[string]any); ok && (isSecretKind(m["kind"]) || holdsSecrets(m)) {
			return true
		}
	}
	return false
}

func isValueField(key string) bool {
	return strings.EqualFold(key, "data") || strings.EqualFold(key, "stringData")
}

// redactFields replaces, in a copy of fields' top level, the values of a
// Secret's value fields (secret) and of the Secrets among its items,
// marking the keys whose value differs from base's (nil: none marked).
func redactFields(fields, base map[string]any, secret bool) map[string]any {
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		switch {
		case secret && isValueField(k):
			bm, _ := base[k].(map[string]any)
			out[k] = redactValues(v, bm, base != nil)
		case k == "items":
			out[k] = redactItems(v)
		default:
			out[k] = v
		}
	}
	return out
}

func redactValues(v any, base map[string]any, mark bool) any {
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return nil
		}
		return redacted // a malformed value field is still a value
	}
	r := make(map[string]any, len(m))
	for k, val := range m {
		old, had := base[k]
		if mark && had && old != val {
			r[k] = redactedChanged
		} else {
			r[k] = redacted
		}
	}
	return r
}

func redactItems(v any) any {
	items, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, len(items))
	for i, it := range items {
		m, ok := it.(map[string]any)
		if ok && (isSecretKind(m["kind"]) || holdsSecrets(m)) {
			out[i] = redactFields(m, nil, isSecretKind(m["kind"]))
		} else {
			out[i] = it
		}
	}
	return out
}

// redactPair1 returns a copy of a Secret with every value replaced.
func redactPair1(o *Object) *Object {
	c := shallowWithout(o)
	c.Fields = redactFields(c.Fields, nil, isSecretKind(o.ID.Kind))
	return c
}

// redactPair returns copies of two versions of a Secret with every value
// replaced, marking on the head side the keys whose value changed.
func redactPair(b, h *Object) (*Object, *Object) {
	bc, hc := shallowWithout(b), shallowWithout(h)
	bc.Fields = redactFields(bc.Fields, nil, isSecretKind(b.ID.Kind))
	base := b.Fields
	if base == nil {
		base = map[string]any{}
	}
	hc.Fields = redactFields(hc.Fields, base, isSecretKind(h.ID.Kind))
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
