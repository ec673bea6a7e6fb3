package render

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"
)

// secretForms are the ways a leaked value could show: as written, as
// bytes in decimal, base64-encoded, and its first characters.
func secretForms(v string) []string {
	forms := []string{v, strings.ToValidUTF8(v, "\uFFFD"), base64.StdEncoding.EncodeToString([]byte(v)), v[:7]}
	var dec []string
	for _, b := range []byte(v[:6]) {
		dec = append(dec, strings.TrimSpace(strings.Repeat(" ", 0)+itoa(int(b))))
	}
	return append(forms, strings.Join(dec, " "))
}

func itoa(n int) string {
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		n /= 10
		if n == 0 {
			return s
		}
	}
}

// SecretErrorCases are kustomizations whose render errors quote Secret
// inputs, with the values that must not show.
var secretErrorCases = []struct {
	name   string
	files  map[string]string
	values []string
	file   string // where the error points
}{
	{
		name: "envLineInvalidUTF8",
		files: map[string]string{
			"app/kustomization.yaml": "secretGenerator:\n- name: db\n  envs: [db.env]\n",
			"app/db.env":             "DB_USER=app\nDB_PASSWORD=HUNTER2_R\xff\n",
		},
		values: []string{"HUNTER2_R\xff"},
		file:   "app/db.env",
	},
	{
		name: "literalWithoutEquals",
		files: map[string]string{
			"app/kustomization.yaml": "secretGenerator:\n- name: db\n  literals: [HUNTER2_X]\n",
		},
		values: []string{"HUNTER2_X"},
	},
	{
		name: "secretDuplicateKey",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [secret.yaml]\n",
			"app/secret.yaml":        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: HUNTER2_A\n  password: HUNTER2_B\n",
		},
		values: []string{"HUNTER2_A", "HUNTER2_B"},
	},
	{
		name: "secretDataDuplicateKey",
		files: map[string]string{
			"app/kustomization.yaml": "resources: [secret.yaml]\n",
			"app/secret.yaml":        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata:\n  password: " + base64.StdEncoding.EncodeToString([]byte("HUNTER2_C")) + "\n  password: x\n",
		},
		values: []string{"HUNTER2_C", base64.StdEncoding.EncodeToString([]byte("HUNTER2_C"))},
	},
}

func TestRenderError_noSecretValues(t *testing.T) {
	for _, tc := range secretErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string][]byte{}
			for p, s := range tc.files {
				files[p] = []byte(s)
			}
			tree, err := FromFiles(files, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			for _, yaml := range []bool{false, true} {
				var rerr error
				if yaml {
					var out bytes.Buffer
					rerr = tree.RenderYAMLTo(context.Background(), "app", &out)
					if out.Len() > 0 {
						t.Errorf("a failing render wrote %q", out.String())
					}
				} else {
					_, rerr = tree.Render(context.Background(), "app")
				}
				if rerr == nil {
					t.Fatal("renders; the case needs an error")
				}
				msg := rerr.Error()
				for _, v := range tc.values {
					for _, f := range secretForms(v) {
						if strings.Contains(msg, f) {
							t.Errorf("error carries %q (a form of a Secret value): %s", f, msg)
						}
					}
				}
				if strings.Contains(msg, "\n") {
					t.Errorf("error is not one line: %q", msg)
				}
				var re *Error
				if !errors.As(rerr, &re) {
					t.Fatalf("error %T, want *render.Error", rerr)
				}
				if tc.file != "" && re.File != tc.file {
					t.Errorf("error points at %q, want %q (%s)", re.File, tc.file, msg)
				}
				t.Logf("%s", msg)
			}
		})
	}
}

// Errors speak of kustomization fields, keep their detail and point at the
// line: kustomize v5 refuses the pre-v5 string form of patches:.
func TestRenderError_kustomizationTerms(t *testing.T) {
	kust, err := os.ReadFile("testdata/errors/kustomized-helm.kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		files map[string]string
		file  string
		line  int
		want  []string
	}{
		{
			name: "patchesStringForm",
			files: map[string]string{
				"plugins/kustomized-helm/kustomization.yaml": string(kust),
				"plugins/kustomized-helm/all.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
			},
			file: "plugins/kustomized-helm/kustomization.yaml", line: 7,
			want: []string{"line 7: patches[0]: found a string where a patch entry", "plugins/kustomized-helm/kustomization.yaml"},
		},
		{
			name: "missingResource",
			files: map[string]string{
				"plugins/kustomized-helm/kustomization.yaml": "resources:\n- all.yaml\n- missing.yaml\n",
				"plugins/kustomized-helm/all.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
			},
			file: "plugins/kustomized-helm/kustomization.yaml", line: 3,
			want: []string{"missing.yaml"},
		},
		{
			name: "twoBadFields",
			files: map[string]string{
				"plugins/kustomized-helm/kustomization.yaml": "resources: {a: b}\npatches:\n- p.yaml\n",
			},
			file: "plugins/kustomized-helm/kustomization.yaml", line: 1,
			want: []string{"line 1: resources: found a mapping where a list of strings is expected", "; line 3: patches[0]: found a string where a patch entry"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string][]byte{}
			for p, s := range tt.files {
				files[p] = []byte(s)
			}
			tree, err := FromFiles(files, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			_, rerr := tree.Render(context.Background(), "plugins/kustomized-helm")
			if rerr == nil {
				t.Fatal("renders; the case needs an error")
			}
			msg := rerr.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q, want it to contain %q", msg, w)
				}
			}
			for _, bad := range []string{"render.", "types.", "!!str", "unmarshal errors", "\n"} {
				if strings.Contains(msg, bad) {
					t.Errorf("error %q carries %q", msg, bad)
				}
			}
			var re *Error
			if !errors.As(rerr, &re) || re.File != tt.file || re.Line != tt.line {
				t.Errorf("error at %+v, want %s:%d", re, tt.file, tt.line)
			}
		})
	}
}

// kustomize's own decoder (sigs.k8s.io/yaml through encoding/json) words
// the same mistakes differently; they read the same once rewritten.
func TestKustomizationTerms(t *testing.T) {
	tests := []struct{ in, want string }{
		{"invalid Kustomization: json: cannot unmarshal string into Go struct field Kustomization.patches of type types.Patch",
			"invalid Kustomization: patches: found a string where a patch entry (a mapping with path: or patch:, and target:) is expected"},
		{"yaml: unmarshal errors:\n  line 4: cannot unmarshal !!seq into map[string]string",
			"line 4: found a list where a mapping of strings is expected"},
		{"yaml: unmarshal errors:\n  line 2: cannot unmarshal !!str `hunter2...` into []render.generatorEntry",
			"line 2: found a string where a list is expected"},
	}
	for _, tt := range tests {
		if got := kustomizationTerms(oneLine(tt.in)); got != tt.want {
			t.Errorf("kustomizationTerms(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

// A sanitized error still says when the caller gave up.
func TestRenderError_keepsCancellation(t *testing.T) {
	tree, err := FromFiles(map[string][]byte{"app/kustomization.yaml": []byte("resources: []\n")}, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, rerr := tree.Render(ctx, "app")
	if !errors.Is(rerr, context.Canceled) {
		t.Errorf("error %v does not match context.Canceled", rerr)
	}
}
