package render

import "errors"

// Overlays returns the kustomization roots worth rendering, sorted: the
// directories matching include (path globs, "**" allowed) or, when include
// is empty, every kustomization no other one refers to; minus those
// matching ignore.
//
// STUB: replaced by the real discovery.
func Overlays(t *Tree, include, ignore []string) ([]string, error) {
	return nil, errors.New("not implemented")
}

// Affected returns, sorted, the overlays of base or head whose inputs (the
// transitive closure of files their kustomizations name) contain one of the
// changed paths on either side. When a reference cannot be resolved
// statically it errs towards selecting the overlay.
func Affected(base, head *Tree, include, ignore []string, changed []string) ([]string, error) {
	return nil, errors.New("not implemented")
}

// ChangedFiles lists, sorted, the paths whose content differs between two
// trees, including files present on one side only.
func ChangedFiles(base, head *Tree) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range base.Files() {
		seen[p] = true
		hb, ok := head.ReadFile(p)
		bb, _ := base.ReadFile(p)
		if !ok || string(hb) != string(bb) {
			out = append(out, p)
		}
	}
	for _, p := range head.Files() {
		if !seen[p] {
			out = append(out, p)
		}
	}
	return out
}
