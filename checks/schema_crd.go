package checks

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// crdSchema is the part of a CRD's openAPIV3Schema that decides whether a
// custom resource fits: the structural schema of apiextensions, with the
// extensions the API server honours when it prunes and validates.
// Value validations (anyOf, oneOf, allOf, not, patterns, bounds, CEL rules)
// are not checked: schema-invalid reports what the server would prune or
// refuse for its type, never guesses.
type crdSchema struct {
	Type                 string                `json:"type"`
	Properties           map[string]*crdSchema `json:"properties"`
	AdditionalProperties *schemaOrBool         `json:"additionalProperties"`
	Items                *crdSchema            `json:"items"`
	Required             []string              `json:"required"`
	Enum                 []any                 `json:"enum"`
	Nullable             bool                  `json:"nullable"`
	Default              json.RawMessage       `json:"default"`
	PreserveUnknown      bool                  `json:"x-kubernetes-preserve-unknown-fields"`
	IntOrString          bool                  `json:"x-kubernetes-int-or-string"`
	Embedded             bool                  `json:"x-kubernetes-embedded-resource"`
}

// schemaOrBool is additionalProperties: a schema, or true/false.
type schemaOrBool struct {
	Allows bool
	Schema *crdSchema
}

func (s *schemaOrBool) UnmarshalJSON(b []byte) error {
	switch strings.TrimSpace(string(b)) {
	case "true":
		s.Allows = true
		return nil
	case "false", "null":
		return nil
	}
	s.Allows = true
	return json.Unmarshal(b, &s.Schema)
}

// parseCRDSchema decodes an openAPIV3Schema as rendered (a map).
func parseCRDSchema(v any) (*crdSchema, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding schema: %w", err)
	}
	var s crdSchema
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decoding schema: %w", err)
	}
	return &s, nil
}

// validateCR checks a custom resource's fields against the schema of its
// version. apiVersion, kind and metadata belong to the API server.
func validateCR(fields map[string]any, s *crdSchema) []fieldProblem {
	var out []fieldProblem
	path := make([]string, 0, 24)
	for k, v := range fields {
		switch k {
		case "apiVersion", "kind", "metadata":
			continue
		}
		child, ok := s.Properties[k]
		if !ok {
			if s.PreserveUnknown {
				continue
			}
			if ap := s.AdditionalProperties; ap != nil && ap.Allows {
				if ap.Schema != nil {
					validateCRD(v, ap.Schema, append(path, k), &out)
				}
				continue
			}
			out = append(out, fieldProblem{Path: []string{k}, Msg: "unknown field"})
			continue
		}
		validateCRD(v, child, append(path, k), &out)
	}
	requireFields(fields, s, nil, &out)
	return out
}

// validateCRD walks v against s, appending problems until collectProblems.
func validateCRD(v any, s *crdSchema, path []string, out *[]fieldProblem) {
	if len(*out) >= collectProblems || v == nil {
		return
	}
	bad := func(format string, args ...any) {
		*out = append(*out, fieldProblem{Path: append([]string(nil), path...), Msg: fmt.Sprintf(format, args...)})
	}
	if s.IntOrString {
		if _, ok := v.(string); ok {
			return
		}
		if _, ok := integerValue(v); !ok {
			bad("must be an integer or a string, not %s", describeValue(v))
		}
		return
	}
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("must be an object, not %s", describeValue(v))
			return
		}
		validateCRDObject(m, s, path, out)
	case "array":
		list, ok := v.([]any)
		if !ok {
			bad("must be a list, not %s", describeValue(v))
			return
		}
		if s.Items == nil {
			return
		}
		for i, item := range list {
			validateCRD(item, s.Items, append(path, indexSegment(i)), out)
		}
	case "string":
		if _, ok := v.(string); !ok {
			bad("must be a string, not %s", describeValue(v))
			return
		}
	case "integer":
		if _, ok := integerValue(v); !ok {
			bad("must be an integer, not %s", describeValue(v))
			return
		}
	case "number":
		if _, ok := numberValue(v); !ok {
			bad("must be a number, not %s", describeValue(v))
			return
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("must be true or false, not %s", describeValue(v))
			return
		}
	case "":
		// No type: only x-kubernetes-preserve-unknown-fields or
		// int-or-string schemas may omit it; anything goes below.
		if m, ok := v.(map[string]any); ok && (len(s.Properties) > 0 || s.AdditionalProperties != nil) {
			validateCRDObject(m, s, path, out)
		}
		return
	}
	if len(s.Enum) > 0 && !enumHas(s.Enum, v) {
		bad("unsupported value %s: must be %s", describeValue(v), orList(enumStrings(s.Enum)))
	}
}

func validateCRDObject(m map[string]any, s *crdSchema, path []string, out *[]fieldProblem) {
	for k, val := range m {
		child, ok := s.Properties[k]
		if !ok {
			switch {
			case s.Embedded && (k == "apiVersion" || k == "kind" || k == "metadata"):
			case s.PreserveUnknown:
			case s.AdditionalProperties != nil && s.AdditionalProperties.Allows:
				if as := s.AdditionalProperties.Schema; as != nil {
					validateCRD(val, as, append(path, k), out)
				}
			default:
				*out = append(*out, fieldProblem{Path: appendPath(path, k), Msg: "unknown field"})
			}
			continue
		}
		validateCRD(val, child, append(path, k), out)
	}
	requireFields(m, s, path, out)
}

// requireFields reports required properties that are absent and have no
// default for the server to fill in.
func requireFields(m map[string]any, s *crdSchema, path []string, out *[]fieldProblem) {
	for _, r := range s.Required {
		if _, ok := m[r]; ok {
			continue
		}
		if p := s.Properties[r]; p != nil && len(p.Default) > 0 {
			continue
		}
		where := path
		if len(where) == 0 {
			where = nil
		}
		*out = append(*out, fieldProblem{Path: append([]string(nil), where...), Msg: fmt.Sprintf("missing required field %q", r)})
	}
}

func enumHas(enum []any, v any) bool {
	for _, e := range enum {
		if e == v {
			return true
		}
		a, okA := numberValue(e)
		b, okB := numberValue(v)
		if okA && okB && a == b {
			return true
		}
	}
	return false
}

func enumStrings(enum []any) []string {
	out := make([]string, len(enum))
	for i, e := range enum {
		b, _ := json.Marshal(e)
		out[i] = string(b)
	}
	return out
}

// sortProblems orders problems by path and keeps the first maxProblems.
func sortProblems(ps []fieldProblem) []fieldProblem {
	sort.Slice(ps, func(i, j int) bool {
		a, b := displayPath(ps[i].Path), displayPath(ps[j].Path)
		if a != b {
			return a < b
		}
		return ps[i].Msg < ps[j].Msg
	})
	if len(ps) > maxProblems {
		ps = ps[:maxProblems]
	}
	return ps
}
