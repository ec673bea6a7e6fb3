package main

import "testing"

func TestIsDeprecationWarning(t *testing.T) {
	tests := map[string]bool{
		"# Warning: 'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically.": true,
		"# Warning: 'patchesStrategicMerge' is deprecated. Please use 'patches' instead.":                                                        true,
		"check: reading base: no such file": false,
		"# Warning: something else":         false,
	}
	for line, want := range tests {
		if got := isDeprecationWarning(line); got != want {
			t.Errorf("isDeprecationWarning(%q) = %v, want %v", line, got, want)
		}
	}
}
