package report

import "github.com/kustoguard/kustoguard/checks"

// Counts counts the new findings as the check run's title does: one that
// needs approval blocks only while the gate is closed. OverlaysAffected is
// the number of overlays the review looked at.
func Counts(r *checks.Result, a Approval) checks.Summary {
	if r == nil {
		return checks.Summary{}
	}
	c := countNew(r, a)
	return checks.Summary{OverlaysAffected: len(r.Overlays), Blocking: c.blocking, Warnings: c.warnings, Notices: c.notices}
}
