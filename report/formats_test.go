package report

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
)

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, testResult()); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "testdata/golden/report.json", b.Bytes())

	// The shape the README documents.
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"base", "head", "overlays", "findings", "summary"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("missing top-level key %q", k)
		}
	}
	ov := doc["overlays"].([]any)[1].(map[string]any)
	for _, k := range []string{"path", "status", "objects", "error", "diff"} {
		if _, ok := ov[k]; !ok {
			t.Errorf("overlay lacks %q", k)
		}
	}
	f := doc["findings"].([]any)[1].(map[string]any)
	for _, k := range []string{"rule", "severity", "approval", "state", "overlay", "object", "file", "line", "message"} {
		if _, ok := f[k]; !ok {
			t.Errorf("finding lacks %q", k)
		}
	}
}

func TestJSON_emptyListsNotNull(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, &checks.Result{Base: "a", Head: "b"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"overlays": []`, `"findings": []`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("want %s in\n%s", want, b.String())
		}
	}
}

func TestText(t *testing.T) {
	for name, color := range map[string]bool{"plain": false, "color": true} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Text(&b, testResult(), Approval{Required: true, Approvers: []string{"@alice"}}, color); err != nil {
				t.Fatal(err)
			}
			assertGolden(t, "testdata/golden/text-"+name+".txt", b.Bytes())
			if hasESC := strings.Contains(b.String(), "\x1b["); hasESC != color {
				t.Errorf("escape codes present = %v, want %v", hasESC, color)
			}
		})
	}
}

// TestSecretValuesNeverShown reviews a pull request that changes a Secret's
// values, in data and in stringData: no output may show a value, old or
// new, plain or base64.
func TestSecretValuesNeverShown(t *testing.T) {
	const (
		oldValue = "hunter2-old-db-password"
		newValue = "s3cr3t-new-db-password"
		plain    = "plain-text-api-token"
	)
	secret := func(v, p string) []byte {
		return []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-env\n  namespace: prod\ndata:\n  DB_PASSWORD: " +
			base64.StdEncoding.EncodeToString([]byte(v)) + "\nstringData:\n  TOKEN: " + p + "\n")
	}
	tree := func(v, p string) *render.Tree {
		tr, err := render.FromFiles(map[string][]byte{
			"clusters/prod/apps/api/kustomization.yaml": []byte("resources: [secret.yaml]\n"),
			"clusters/prod/apps/api/secret.yaml":        secret(v, p),
		}, render.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	r, err := checks.Review(context.Background(), checks.ReviewInput{
		BaseName: "main", HeadName: "pr", Base: tree(oldValue, "old-"+plain), Head: tree(newValue, plain), Rules: testRules(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Overlays) != 1 || !strings.Contains(r.Overlays[0].Diff, "DB_PASSWORD") {
		t.Fatalf("the review shows no change of the Secret: %+v", r.Overlays)
	}
	outputs := map[string]func(*bytes.Buffer) error{
		"json":     func(b *bytes.Buffer) error { return JSON(b, r) },
		"markdown": func(b *bytes.Buffer) error { return Markdown(b, r, Approval{Required: true}) },
		"text":     func(b *bytes.Buffer) error { return Text(b, r, Approval{Required: true}, true) },
		"sarif":    func(b *bytes.Buffer) error { return SARIF(b, r, testRules()) },
		"comments": func(b *bytes.Buffer) error {
			for _, c := range comments(r, testRules()) {
				b.WriteString(c.Body)
			}
			return nil
		},
	}
	var values []string
	for _, v := range []string{oldValue, newValue} {
		values = append(values, v, base64.StdEncoding.EncodeToString([]byte(v)))
	}
	values = append(values, plain)
	for name, write := range outputs {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				t.Fatal(err)
			}
			for _, v := range values {
				if strings.Contains(b.String(), v) {
					t.Errorf("%s output shows the secret value %q", name, v)
				}
			}
		})
	}
}

// TestText_repositoryFinding heads a finding of no overlay (config-change)
// with "(repository)" rather than an empty line.
func TestText_repositoryFinding(t *testing.T) {
	r := &checks.Result{Base: "a", Head: "b", Findings: []checks.Finding{{
		Rule: "config-change", Severity: checks.Warning, Approval: true, State: checks.New,
		File: ".github/kustoguard.yml", Message: "kustoguard configuration removed: every setting goes back to its default",
	}}}
	var b bytes.Buffer
	if err := Text(&b, r, Approval{Required: true}, false); err != nil {
		t.Fatal(err)
	}
	want := "Findings\n  (repository)\n    .github/kustoguard.yml: warning config-change"
	if !strings.Contains(b.String(), want) {
		t.Errorf("want %q in\n%s", want, b.String())
	}
}
