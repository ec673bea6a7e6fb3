package render

import (
	"fmt"
	"path"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTrimIrrelevant checks that parsing the trimmed text names exactly
// what parsing the whole text names, or fails to parse (which selects
// more), on every kustomization we have and on awkward layouts.
func TestTrimIrrelevant(t *testing.T) {
	inputs := map[string]string{
		"flow":            "{resources: [a.yaml], namespace: x}\n",
		"documentMarker":  "---\nresources:\n- a.yaml\n",
		"quotedKey":       "\"resources\": [a.yaml]\nnamespace: x\n",
		"mergeKey":        "base: &b\n  - a.yaml\nresources: *b\nnamespace: x\n",
		"mergeKeyTop":     "x: &x {resources: [a.yaml]}\n<<: *x\n",
		"caseInsensitive": "Resources:\n- a.yaml\nNameSpace: x\nPatchesStrategicMerge: [b.yaml]\n",
		"quotedRunOn":     "namespace: \"x\nresources: [a.yaml]\"\ncomponents: [c]\n",
		"blockScalar":     "commonAnnotations:\n  note: |\n    resources: [evil.yaml]\nresources:\n- a.yaml # comment\n# comment\n\n- b.yaml\n",
		"tab":             "resources:\n\t- a.yaml\n",
		"crlf":            "namespace: x\r\nresources:\r\n- a.yaml\r\n",
		"indentedDoc":     "  resources:\n  - a.yaml\n",
		"itemFirst":       "- a.yaml\n",
		"bom":             "\ufeffresources:\n- a.yaml\n",
		"noTrailingNL":    "namespace: x\nresources: [a.yaml]",
		"emptyKeyValue":   "images:\nresources:\n- a.yaml\n",
		"commentFirst":    "# header\nresources: [a.yaml]\n",
		"dashNoSpace":     "resources:\n-a.yaml\n",
	}
	add := func(prefix string, files map[string][]byte) {
		for p, b := range files {
			if isKustomizationName(path.Base(p)) {
				inputs[prefix+p] = string(b)
			}
		}
	}
	add("fixture:", loadFixture(t, "monorepo"))
	add("generated:", GenerateMonorepo(12, 11))
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			full, fullErr := parseKustomization([]byte(in))
			trimmed, trimErr := parseKustomization(trimIrrelevant([]byte(in)))
			if trimErr != nil {
				return // unparseable: selected by any change
			}
			if fullErr != nil {
				t.Fatalf("whole text does not parse (%v) but the trimmed one does", fullErr)
			}
			if d := cmp.Diff(describe(full), describe(trimmed)); d != "" {
				t.Errorf("trimmed parse differs (-whole +trimmed):\n%s", d)
			}
		})
	}
}

func describe(k *kustomization) []string {
	return append(k.refs(), fmt.Sprintf("kind=%s", k.Kind))
}

func TestTrimIrrelevant_drops(t *testing.T) {
	in := "apiVersion: v1\nnamespace: x\nresources:\n- a.yaml\nimages:\n- name: y\n  newTag: \"1\"\n"
	if got, want := string(trimIrrelevant([]byte(in))), "resources:\n- a.yaml\n"; got != want {
		t.Errorf("trimmed = %q, want %q", got, want)
	}
}

// FuzzTrimIrrelevant: whenever the whole text parses, the trimmed text
// either fails to parse or names exactly what the whole text names. (When
// the whole text does not parse, kustomize fails on it at base and head
// alike, and the trimmed parse still names its inputs.)
func FuzzTrimIrrelevant(f *testing.F) {
	for _, s := range []string{
		"namespace: x\nresources:\n- a.yaml\n",
		"images:\n- name: x\n  newTag: \"1\"\npatches:\n- path: p.yaml\n  target: {kind: D}\n",
		"namespace: \"x\nresources: [a.yaml]\"\n",
		"configMapGenerator:\n- name: c\n  files: [k=v.txt]\n  envs: [e.env]\nlabels:\n- pairs: {a: b}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		full, fullErr := parseKustomization(b)
		trimmed, trimErr := parseKustomization(trimIrrelevant(b))
		if fullErr != nil || trimErr != nil {
			return
		}
		if d := cmp.Diff(describe(full), describe(trimmed)); d != "" {
			t.Errorf("trimmed parse differs (-whole +trimmed):\n%s", d)
		}
	})
}
