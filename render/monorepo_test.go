package render

import (
	"fmt"
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGenerateMonorepo(t *testing.T) {
	tests := []struct {
		apps, envs int
		wantChange []string // overlays a change to the shared base selects
	}{
		{apps: 1, envs: 1, wantChange: []string{"apps/checkout/overlays/dev"}},
		{apps: 3, envs: 2, wantChange: []string{
			"apps/cart/overlays/dev", "apps/cart/overlays/staging",
			"apps/search/overlays/dev", "apps/search/overlays/staging",
		}},
		{apps: 12, envs: 11},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%dx%d", tc.apps, tc.envs), func(t *testing.T) {
			files := GenerateMonorepo(tc.apps, tc.envs)
			if !maps.EqualFunc(files, GenerateMonorepo(tc.apps, tc.envs), func(a, b []byte) bool { return string(a) == string(b) }) {
				t.Fatal("two generations differ")
			}
			base := mustTree(t, files)
			overlays, err := Overlays(base, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(overlays) != tc.apps*tc.envs {
				t.Errorf("got %d overlays, want %d", len(overlays), tc.apps*tc.envs)
			}
			headFiles, changed := GenerateMonorepoChange(files)
			if d := cmp.Diff(changed, ChangedFiles(base, mustTree(t, headFiles))); d != "" {
				t.Errorf("changed paths differ from the trees' difference (-reported +actual):\n%s", d)
			}
			got, err := Affected(base, mustTree(t, headFiles), nil, nil, changed)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantChange != nil {
				if d := cmp.Diff(tc.wantChange, got); d != "" {
					t.Errorf("affected overlays (-want +got):\n%s", d)
				}
			} else if len(got) != 2*tc.envs {
				t.Errorf("a shared base change selected %d overlays, want %d (two apps): %v", len(got), 2*tc.envs, got)
			}
			readme, err := Affected(base, base, nil, nil, []string{"README.md", "docs/onboarding.md"})
			if err != nil || len(readme) != 0 {
				t.Errorf("a docs change selected %v (err %v), want none", readme, err)
			}
		})
	}
}
