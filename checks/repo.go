package checks

// RenderError is the render-error finding for an affected overlay that no
// longer renders at head, with the configuration applied (ok is false when
// the rule is disabled).
//
// STUB: replaced by the real rule.
func RenderError(overlay string, err error, cfg *Config) (f Finding, ok bool) {
	return Finding{Rule: "render-error", Severity: Error, State: New, Overlay: overlay, Message: err.Error()}, true
}

// ConfigChange returns the config-change finding when the pull request
// changes ConfigPath (none when the rule is disabled). base and head are
// the file's contents on each side (nil when absent).
//
// STUB: replaced by the real rule.
func ConfigChange(changed []string, base, head []byte, cfg *Config) []Finding { return nil }
