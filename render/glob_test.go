package render

import "testing"

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"clusters/*/apps/*", "clusters/eu1/apps/api", true},
		{"clusters/*/apps/*", "clusters/eu1/apps/api/extra", false},
		{"clusters/*/apps/*", "clusters/eu1/x/apps/api", false},
		{"apps/*/overlays/*", "apps/shop/overlays/prod", true},
		{"**/examples/**", "apps/shop/examples/demo", true},
		{"**/examples/**", "examples", true},
		{"**/examples/**", "apps/examples-old/demo", false},
		{"**", "anything/at/all", true},
		{"**", ".", true},
		{"apps/**/prod", "apps/prod", true},
		{"apps/**/prod", "apps/a/b/c/prod", true},
		{"apps/**/prod", "apps/a/b/c/prod-eu", false},
		{"apps/prod-*", "apps/prod-eu", true},
		{"./apps/prod/", "apps/prod", true},
		{"apps/?", "apps/a", true},
		{"apps/[ab]", "apps/c", false},
		{"**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/x", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/y", false},
	}
	for _, tc := range tests {
		got, err := matchGlob(tc.pattern, tc.name)
		if err != nil {
			t.Fatalf("matchGlob(%q, %q): %v", tc.pattern, tc.name, err)
		}
		if got != tc.want {
			t.Errorf("matchGlob(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
	if _, err := matchGlob("apps/[", "apps/a"); err == nil {
		t.Error("matchGlob with a malformed pattern: no error")
	}
}
