package checks

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
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
// It hashes the findings' keys (rule, overlay, object, message), not their
// files or lines: the rules put the flagged content in the message (the
// permission delta, the toleration, the service account), so moving a
// flagged line keeps the approval and changing what it grants does not.
// The result is 16 hex characters.
func ApprovalFingerprint(findings []Finding) string {
	flagged := NeedingApproval(findings)
	if len(flagged) == 0 {
		return ""
	}
	keys := make([]string, 0, len(flagged))
	for _, f := range flagged {
		keys = append(keys, f.Key())
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
