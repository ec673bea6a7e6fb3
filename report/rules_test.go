package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRulesFormats(t *testing.T) {
	var text, md, js bytes.Buffer
	if err := RulesText(&text, testRules()); err != nil {
		t.Fatal(err)
	}
	if err := RulesMarkdown(&md, testRules()); err != nil {
		t.Fatal(err)
	}
	if err := RulesJSON(&js, testRules()); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "testdata/golden/rules.txt", text.Bytes())
	assertGolden(t, "testdata/golden/rules.md", md.Bytes())

	var got []RuleInfo
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(Catalog(testRules()), got); d != "" {
		t.Errorf("json round trip (-want +got):\n%s", d)
	}
	var empty bytes.Buffer
	if err := RulesJSON(&empty, nil); err != nil || empty.String() != "[]\n" {
		t.Errorf("an empty catalog is [] , got %q (%v)", empty.String(), err)
	}
}
