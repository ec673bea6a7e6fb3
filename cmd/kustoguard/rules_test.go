package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/internal/golden"
	"github.com/kustoguard/kustoguard/report"
)

func TestRules(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{name: "text", args: []string{"rules"}, wantCode: exitOK},
		{name: "json", args: []string{"rules", "--format", "json"}, wantCode: exitOK},
		{name: "markdown", args: []string{"rules", "--format", "markdown"}, wantCode: exitOK},
		{name: "badFormat", args: []string{"rules", "--format", "yaml"}, wantCode: exitUsage},
		{name: "extraArg", args: []string{"rules", "rbac-change"}, wantCode: exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.wantCode, stderr.String())
			}
			switch tc.name {
			case "text":
				lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
				if !strings.HasPrefix(lines[0], "ID") || len(lines) != len(checks.Default())+1 {
					t.Errorf("want a header and one line per rule, got\n%s", stdout.String())
				}
			case "markdown":
				for _, r := range checks.Default() {
					if !strings.Contains(stdout.String(), "`"+r.ID()+"`") {
						t.Errorf("markdown catalog does not name %s", r.ID())
					}
				}
			case "json":
				var got []report.RuleInfo
				if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
					t.Fatal(err)
				}
				if len(got) != len(checks.Default()) {
					t.Errorf("want %d rules, got %d", len(checks.Default()), len(got))
				}
				for _, r := range got {
					if r.ID == "" || r.Severity == "" || r.Description == "" || r.Remediation == "" {
						t.Errorf("incomplete rule %+v", r)
					}
				}
			}
		})
	}
}

// TestRulesDoc keeps docs/rules.md in step with the catalog; run with
// -update after changing a rule.
func TestRulesDoc(t *testing.T) {
	var b bytes.Buffer
	if err := report.RulesMarkdown(&b, checks.Default()); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "../../docs/rules.md", b.Bytes())
}

// TestReadmeRules keeps the README's rule table in step with the catalog;
// run with -update after changing a rule.
func TestReadmeRules(t *testing.T) {
	const readme, begin, end = "../../README.md", "<!-- rules:begin -->\n", "<!-- rules:end -->"
	var table bytes.Buffer
	if err := report.RulesTable(&table, checks.Default()); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	i, j := bytes.Index(doc, []byte(begin)), bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q ... %q markers", begin, end)
	}
	got := doc[i+len(begin) : j]
	if bytes.Equal(got, table.Bytes()) {
		return
	}
	if *golden.Update {
		updated := append(append(append([]byte{}, doc[:i+len(begin)]...), table.Bytes()...), doc[j:]...)
		if err := os.WriteFile(readme, updated, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's rule table differs from the catalog (run with -update):\n--- README\n%s\n--- catalog\n%s", got, table.Bytes())
}

// TestReadmeExample keeps the README's sample check run true: it must be
// the start of what the App posts for the demo (the demo's markdown golden).
func TestReadmeExample(t *testing.T) {
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const fence = "````markdown\n"
	i := bytes.Index(doc, []byte(fence))
	if i < 0 {
		t.Fatal("README.md has no sample check run")
	}
	sample := doc[i+len(fence):]
	sample = sample[:bytes.Index(sample, []byte("````"))]
	demo, err := os.ReadFile("testdata/golden/demo.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(demo, sample) {
		t.Errorf("README.md's sample is not the start of testdata/golden/demo.md; copy its first lines again:\n%s", sample)
	}
}
