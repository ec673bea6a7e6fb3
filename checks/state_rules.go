package checks

// stateRules returns the rules that judge one render (probes, resources,
// images, NetworkPolicy, Services).
func stateRules() []Rule { return nil }
