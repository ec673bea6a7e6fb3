package checks

// RenderError is the render-error finding for an affected overlay that no
// longer renders at head, with the configuration applied (ok is false when
// the rule is disabled). The message is the error's first line, cut to 300
// bytes; File is the overlay's kustomization.yaml.
func RenderError(overlay string, err error, cfg *Config) (f Finding, ok bool) {
	return renderErrorFinding(overlay, err, cfg)
}

// ConfigChange returns the config-change finding when the pull request
// changes ConfigPath (none when the rule is disabled, when changed is
// non-nil and lacks ConfigPath, or when the change is only formatting or
// comments). base and head are the file's contents on each side (nil when
// absent).
func ConfigChange(changed []string, base, head []byte, cfg *Config) []Finding {
	return configChangeFindings(changed, base, head, cfg)
}
