package checks

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

const schemaPath = "../schema/kustoguard.schema.json"

// parserOnly are the invalid examples the schema cannot refuse, and why.
var parserOnly = map[string]string{
	"invalid-policy-rule-ids.yml": "a rule id naming no policy of the file: a schema cannot see the file's policy names",
}

// TestSchemaAgreesWithParser checks the published JSON Schema against the
// parser on every example configuration: both accept the valid ones and
// both refuse the invalid ones. (Duplicate keys and broken YAML are refused
// before any schema applies, as an editor's YAML support does.)
func TestSchemaAgreesWithParser(t *testing.T) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("kustoguard.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("kustoguard.schema.json")
	if err != nil {
		t.Fatalf("compiling the schema: %v", err)
	}

	examples, _ := filepath.Glob("testdata/config/*.yml")
	if len(examples) < 10 {
		t.Fatalf("only %d example configurations", len(examples))
	}
	for _, path := range examples {
		name := filepath.Base(path)
		t.Run(strings.TrimSuffix(name, ".yml"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			_, parseErr := ParseConfig(data)
			wantValid := strings.HasPrefix(name, "valid-")
			if (parseErr == nil) != wantValid {
				t.Fatalf("parser: valid=%v, example says %v (%v)", parseErr == nil, wantValid, parseErr)
			}
			schemaErr := validateYAML(schema, data)
			if why, ok := parserOnly[name]; ok {
				if schemaErr != nil {
					t.Errorf("the schema refuses %s, which only the parser should (%s): %v", name, why, schemaErr)
				}
				return
			}
			if (schemaErr == nil) != wantValid {
				t.Errorf("schema: valid=%v, parser: valid=%v\nschema says: %v\nparser says: %v", schemaErr == nil, wantValid, schemaErr, parseErr)
			}
		})
	}

	// Every rule id the catalog knows is one the schema accepts, and no more.
	var s struct {
		Defs struct {
			RuleID struct {
				Enum []string `json:"enum"`
			} `json:"ruleId"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range Default() {
		ids = append(ids, r.ID())
	}
	if strings.Join(ids, ",") != strings.Join(s.Defs.RuleID.Enum, ",") {
		t.Errorf("schema rule ids %v, catalog %v", s.Defs.RuleID.Enum, ids)
	}
}

// validateYAML decodes YAML as an editor would and validates it.
func validateYAML(schema *jsonschema.Schema, data []byte) error {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return err
	}
	// Round-trip through JSON so values have the types JSON Schema expects.
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return schema.Validate(inst)
}
