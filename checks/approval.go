package checks

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
// STUB: replaced by the real fingerprint.
func ApprovalFingerprint(findings []Finding) string { return "" }
