package checks

// Run applies rules to one overlay: configuration (enabled, severity),
// suppression annotations, scope, and the new/existing/resolved states.
// The result is sorted by (file, line, object, rule).
//
// STUB: replaced by the real runner.
func Run(in *Input, rules []Rule) []Finding { return nil }
