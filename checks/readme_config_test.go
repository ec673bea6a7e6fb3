package checks

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestReadmeConfigExample checks that the configuration README.md shows
// under "Repository configuration" parses and satisfies the schema, so
// that a reader who copies it gets a working .github/kustoguard.yml.
func TestReadmeConfigExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const section = "## Repository configuration"
	_, rest, ok := strings.Cut(string(readme), section)
	if !ok {
		t.Fatalf("README.md has no %q section", section)
	}
	_, rest, ok = strings.Cut(rest, "```yaml\n")
	if !ok {
		t.Fatal("the configuration section has no yaml block")
	}
	example, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("the yaml block is not closed")
	}
	cfg, err := ParseConfig([]byte(example))
	if err != nil {
		t.Fatalf("the README's example does not parse: %v\n%s", err, example)
	}
	if cfg.Scope != "changed" || len(cfg.Registries) != 2 || len(cfg.Approvers) != 1 {
		t.Errorf("parsed %+v; is this still the full example?", cfg)
	}

	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("kustoguard.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("kustoguard.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := validateYAML(schema, []byte(example)); err != nil {
		t.Errorf("the README's example fails the schema: %v", err)
	}
}
