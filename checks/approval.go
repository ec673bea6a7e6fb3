package checks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/kustoguard/kustoguard/render"
)

// NeedingApproval returns the new findings that need an approver.
func NeedingApproval(findings []Finding) []Finding {
	var out []Finding
	for _, f := range findings {
		if f.State == New && f.Approval {
			out = append(out, f)
		}
	}
	return out
}

// ApprovalFingerprint is a stable hash of the flagged changes (the new
// findings that need approval). An approval is bound to it: a push that
// leaves it unchanged keeps the approval. Empty when nothing needs approval.
//
// It hashes the findings' keys (rule, overlay, object, message) and their
// Content, the digest of what they flag at base and head (the RBAC rules,
// subjects and role reference, the service account fields, the
// tolerations, the images, the changed configuration values), but not
// their files or lines: moving a flagged line keeps the approval, and
// changing what it grants does not, even where the message reads the same.
// The result is 16 hex characters.
func ApprovalFingerprint(findings []Finding) string {
	flagged := NeedingApproval(findings)
	if len(flagged) == 0 {
		return ""
	}
	keys := make([]string, 0, len(flagged))
	for _, f := range flagged {
		keys = append(keys, f.Key()+"\x00"+f.Content)
	}
	sort.Strings(keys)
	h := sha256.New()
	prev := ""
	for i, k := range keys {
		if i > 0 && k == prev {
			continue
		}
		prev = k
		h.Write([]byte(k))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// approvalFields are, per rule, the fields an approver judges: a push that
// changes one of them at base or head needs a new approval. A rule missing
// here binds its approvals to the whole object.
var approvalFields = map[string][][]string{
	"rbac-change":     rbacFields,
	"rbac-escalation": rbacFields,
	"serviceaccount-change": {
		{"automountServiceAccountToken"}, {"secrets"}, {"imagePullSecrets"},
		{"@pod", "serviceAccountName"}, {"@pod", "serviceAccount"}, {"@pod", "automountServiceAccountToken"},
	},
	"control-plane-toleration": {{"@pod", "tolerations"}, {"@pod", "nodeSelector"}, {"@pod", "nodeName"}},
	"image-registry-untrusted": {{"@pod", "containers", "@image"}, {"@pod", "initContainers", "@image"}, {"@pod", "ephemeralContainers", "@image"}},
}

var rbacFields = [][]string{{"rules"}, {"aggregationRule"}, {"subjects"}, {"roleRef"}}

// podSpecPaths are where the kinds this project reviews keep a pod spec.
var podSpecPaths = [][]string{
	{"spec", "template", "spec"},
	{"spec", "jobTemplate", "spec", "template", "spec"},
	{"spec"},
}

// approvalContent digests what a finding about id flags: the rule's
// approvalFields of the object at base and at head.
func approvalContent(rule string, id render.ObjectID, base, head objectIndex) string {
	if id == (render.ObjectID{}) {
		return ""
	}
	key := id.Key()
	sides := [2]any{flaggedFields(rule, base[key]), flaggedFields(rule, head[key])}
	return digest(sides)
}

func flaggedFields(rule string, o *render.Object) any {
	if o == nil {
		return nil
	}
	fields, ok := approvalFields[rule]
	if !ok {
		return o.Fields
	}
	out := map[string]any{}
	for _, f := range fields {
		if f[0] != "@pod" {
			if v, ok := o.Get(f...); ok {
				out[f[0]] = v
			}
			continue
		}
		for _, p := range podSpecPaths {
			if _, ok := o.Get(p...); !ok {
				continue
			}
			if v, ok := o.Get(append(append([]string{}, p...), f[1])...); ok {
				if len(f) > 2 && f[2] == "@image" {
					v = images(v)
				}
				out["pod."+f[1]] = v
			}
			break
		}
	}
	return out
}

// images maps a container list to each container's image, by name.
func images(v any) map[string]any {
	list, _ := v.([]any)
	out := make(map[string]any, len(list))
	for i, c := range list {
		m, _ := c.(map[string]any)
		name, _ := m["name"].(string)
		if name == "" {
			name = fmt.Sprintf("[%d]", i)
		}
		out[name] = m["image"]
	}
	return out
}

// digest is a hex SHA-256 of v's JSON, whose map keys encoding/json sorts.
func digest(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// A YAML value with non-string keys is no JSON; fmt prints maps
		// sorted, so its Go syntax is as stable.
		b = []byte(fmt.Sprintf("%#v", v))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
