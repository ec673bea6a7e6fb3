package render

import (
	"strings"
	"testing"
)

// Redaction does not depend on the exact spelling kustomize would send the
// API server: every spelling of a Secret that reaches a diff is redacted.
func TestDiff_redactsEverySecretSpelling(t *testing.T) {
	secret := func(apiVersion, kind, field string, value any) Object {
		return Object{
			ID: ObjectID{APIVersion: apiVersion, Kind: kind, Name: "db"},
			Fields: map[string]any{"apiVersion": apiVersion, "kind": kind,
				"metadata": map[string]any{"name": "db"}, field: value},
		}
	}
	tests := []struct {
		name string
		obj  Object
	}{
		{"core", secret("v1", "Secret", "stringData", map[string]any{"password": "HUNTER2_1"})},
		{"lowerCaseKind", secret("v1", "secret", "stringData", map[string]any{"password": "HUNTER2_1"})},
		{"upperCaseKind", secret("v1", "SECRET", "data", map[string]any{"password": "SFVOVEVSMl8x"})},
		{"groupSpelledOut", secret("core/v1", "Secret", "stringData", map[string]any{"password": "HUNTER2_1"})},
		{"otherVersion", secret("v1beta1", "Secret", "data", map[string]any{"password": "SFVOVEVSMl8x"})},
		{"fieldCase", secret("v1", "Secret", "StringData", map[string]any{"password": "HUNTER2_1"})},
		{"valueNotAMapping", secret("v1", "Secret", "stringData", "password: HUNTER2_1")},
		{"listItems", Object{
			ID: ObjectID{APIVersion: "v1", Kind: "List", Name: ""},
			Fields: map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{
				map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{"mode": "visible"}},
				map[string]any{"apiVersion": "v1", "kind": "Secret", "stringData": map[string]any{"password": "HUNTER2_1"}},
				map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{
					map[string]any{"kind": "Secret", "data": map[string]any{"password": "SFVOVEVSMl8x"}},
				}},
			}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed := tt.obj
			changed.Fields = map[string]any{}
			for k, v := range tt.obj.Fields {
				changed.Fields[k] = v
			}
			changed.Fields["metadata"] = map[string]any{"name": "db", "labels": map[string]any{"rotated": "yes"}}
			for _, c := range [][2][]Object{{nil, {tt.obj}}, {{tt.obj}, nil}, {{tt.obj}, {changed}}} {
				for _, ch := range Diff(c[0], c[1]) {
					for _, v := range []string{"HUNTER2_1", "SFVOVEVSMl8x"} {
						if strings.Contains(ch.Diff, v) {
							t.Errorf("%s diff shows the value %q:\n%s", ch.Type, v, ch.Diff)
						}
					}
					if ch.Type != Modified && !strings.Contains(ch.Diff, redacted) {
						t.Errorf("%s diff does not show that values were redacted:\n%s", ch.Type, ch.Diff)
					}
				}
			}
			if tt.name == "listItems" {
				if d := Diff(nil, []Object{tt.obj})[0].Diff; !strings.Contains(d, "visible") {
					t.Errorf("a ConfigMap among the items was redacted too:\n%s", d)
				}
			}
		})
	}
}
