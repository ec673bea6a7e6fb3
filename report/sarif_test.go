package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kustoguard/kustoguard/checks"
)

// TestSARIF checks the document against what SARIF 2.1.0 and GitHub code
// scanning require, then against the golden file.
func TestSARIF(t *testing.T) {
	var b bytes.Buffer
	if err := SARIF(&b, testResult(), testRules()); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "testdata/golden/report.sarif", b.Bytes())

	var doc struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name, InformationURI, Version string
					Rules                         []struct {
						ID                   string `json:"id"`
						ShortDescription     struct{ Text string }
						FullDescription      struct{ Text string }
						Help                 struct{ Text string }
						DefaultConfiguration struct{ Level string }
					}
				}
			}
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine int }
					}
				}
				PartialFingerprints map[string]string
				BaselineState       string
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || doc.Schema == "" || len(doc.Runs) != 1 {
		t.Fatalf("want SARIF 2.1.0 with $schema and one run; got version %q, schema %q, %d runs", doc.Version, doc.Schema, len(doc.Runs))
	}
	run := doc.Runs[0]
	d := run.Tool.Driver
	if d.Name != "kustoguard" || d.InformationURI == "" || d.Version == "" {
		t.Errorf("driver = %q %q %q, want name kustoguard, informationUri and version", d.Name, d.InformationURI, d.Version)
	}
	levels := map[string]bool{"error": true, "warning": true, "note": true, "none": true}
	for _, r := range d.Rules {
		if r.ID == "" || r.ShortDescription.Text == "" || r.FullDescription.Text == "" || r.Help.Text == "" || !levels[r.DefaultConfiguration.Level] {
			t.Errorf("rule %+v lacks a required field or has a bad level", r)
		}
	}
	if len(d.Rules) != len(testRules()) {
		t.Errorf("want one reportingDescriptor per rule (%d), got %d", len(testRules()), len(d.Rules))
	}
	var news, unchanged int
	for i, res := range run.Results {
		if res.RuleIndex == nil || *res.RuleIndex < 0 || *res.RuleIndex >= len(d.Rules) || d.Rules[*res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %d: ruleIndex does not point at rule %s", i, res.RuleID)
		}
		if !levels[res.Level] || res.Message.Text == "" || res.PartialFingerprints[fingerprintKey] == "" {
			t.Errorf("result %d (%s): bad level %q, empty message or no fingerprint", i, res.RuleID, res.Level)
		}
		for _, loc := range res.Locations {
			if loc.PhysicalLocation.ArtifactLocation.URI == "" {
				t.Errorf("result %d: location without uri", i)
			}
			if r := loc.PhysicalLocation.Region; r != nil && r.StartLine < 1 {
				t.Errorf("result %d: startLine %d < 1", i, r.StartLine)
			}
		}
		switch res.BaselineState {
		case "new":
			news++
		case "unchanged":
			unchanged++
		default:
			t.Errorf("result %d: baselineState %q", i, res.BaselineState)
		}
	}
	// testResult has 8 new findings, 1 existing and 1 resolved (left out).
	if news != 8 || unchanged != 1 {
		t.Errorf("want 8 new and 1 unchanged results, got %d and %d", news, unchanged)
	}
}

func TestSARIF_locations(t *testing.T) {
	r := &checks.Result{Findings: []checks.Finding{
		{Rule: "a-rule", Severity: checks.Notice, State: checks.New, File: "x.yaml", Line: 3, Message: "m"},
		{Rule: "a-rule", Severity: checks.Notice, State: checks.New, File: "x.yaml", Message: "m"},
		{Rule: "a-rule", Severity: checks.Notice, State: checks.New, Message: "m"},
	}}
	var b bytes.Buffer
	if err := SARIF(&b, r, nil); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct{ Rules []map[string]any }
			}
			Results []map[string]any
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	res := doc.Runs[0].Results
	if len(doc.Runs[0].Tool.Driver.Rules) != 1 {
		t.Errorf("a rule missing from the catalog still needs a descriptor")
	}
	loc := func(i int) map[string]any {
		return res[i]["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
	}
	if _, ok := loc(0)["region"]; !ok {
		t.Error("line 3 needs a region")
	}
	if _, ok := loc(1)["region"]; ok {
		t.Error("line 0 must omit the region")
	}
	if _, ok := res[2]["locations"]; ok {
		t.Error("no file must omit locations")
	}
	if res[0]["level"] != "note" {
		t.Errorf("notice maps to level note, got %v", res[0]["level"])
	}
}
