package render

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// loadFixture reads a directory under testdata into a file map keyed by
// "/"-separated paths relative to it.
func loadFixture(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	return readFiles(t, filepath.Join("testdata", dir))
}

// readFiles reads every file below root into a map keyed by "/"-separated
// paths relative to root.
func readFiles(t testing.TB, root string) map[string][]byte {
	t.Helper()
	tree, err := LoadDir(root, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, p := range tree.Files() {
		files[p], _ = tree.ReadFile(p)
	}
	return files
}

func mustTree(t testing.TB, files map[string][]byte) *Tree {
	t.Helper()
	tr, err := FromFiles(files, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// edit returns a copy of files with the given paths set (nil removes).
func edit(files map[string][]byte, changes map[string]string, removed ...string) map[string][]byte {
	out := maps.Clone(files)
	for p, s := range changes {
		out[p] = []byte(s)
	}
	for _, p := range removed {
		delete(out, p)
	}
	return out
}

// appendTo returns the content of path in files with s appended.
func appendTo(files map[string][]byte, path, s string) string {
	return string(files[path]) + s
}

func TestOverlays(t *testing.T) {
	files := loadFixture(t, "monorepo")
	tests := []struct {
		name            string
		include, ignore []string
		want            []string
	}{
		{
			name: "unreferencedRoots",
			want: []string{
				"apps/batch/overlays/dev", "apps/batch/overlays/prod", "apps/shop/examples/demo",
				"apps/shop/overlays/prod-eu", "clusters/edge/shop",
			},
		},
		{
			name:   "ignoreExamples",
			ignore: []string{"**/examples/**"},
			want: []string{
				"apps/batch/overlays/dev", "apps/batch/overlays/prod",
				"apps/shop/overlays/prod-eu", "clusters/edge/shop",
			},
		},
		{
			name:    "includeGlobEvenWhenReferred",
			include: []string{"apps/*/overlays/*"},
			want: []string{
				"apps/batch/overlays/dev", "apps/batch/overlays/prod", "apps/shop/overlays/dev",
				"apps/shop/overlays/prod", "apps/shop/overlays/prod-eu",
			},
		},
		{
			name:    "includeAndIgnore",
			include: []string{"apps/*/overlays/*", "clusters/**"},
			ignore:  []string{"apps/shop/**"},
			want:    []string{"apps/batch/overlays/dev", "apps/batch/overlays/prod", "clusters/edge/shop"},
		},
		{
			name:    "componentsNeverOverlays",
			include: []string{"components/*", "bases/*"},
			want:    []string{"bases/redis", "bases/web", "bases/worker"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Overlays(mustTree(t, files), tc.include, tc.ignore)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("overlays (-want +got):\n%s", d)
			}
		})
	}
}

func TestOverlays_errors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		include []string
		want    string
	}{
		{
			name: "twoKustomizationFiles",
			files: map[string]string{
				"a/kustomization.yaml": "resources: []\n",
				"a/Kustomization":      "resources: []\n",
			},
			want: "a holds more than one of kustomization.yaml",
		},
		{
			name:    "badGlob",
			files:   map[string]string{"a/kustomization.yaml": "resources: []\n"},
			include: []string{"apps/[x"},
			want:    `matching "apps/[x"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string][]byte{}
			for p, s := range tc.files {
				files[p] = []byte(s)
			}
			tr := mustTree(t, files)
			_, err := Overlays(tr, tc.include, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Overlays error = %v, want one containing %q", err, tc.want)
			}
			_, err = Affected(tr, tr, tc.include, nil, []string{"a/x"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Affected error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestChangedFiles(t *testing.T) {
	base := map[string][]byte{"a": []byte("1"), "b": []byte("2"), "c": []byte("3")}
	head := map[string][]byte{"a": []byte("1"), "b": []byte("two"), "d": []byte("4")}
	got := ChangedFiles(mustTree(t, base), mustTree(t, head))
	if d := cmp.Diff([]string{"b", "c", "d"}, got); d != "" {
		t.Errorf("changed files (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"a", "b", "d"}, ChangedFiles(nil, mustTree(t, head))); d != "" {
		t.Errorf("changed files from nothing (-want +got):\n%s", d)
	}
}
