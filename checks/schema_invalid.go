package checks

import (
	"github.com/kustoguard/kustoguard/render"
)

// schemaInvalid flags rendered objects that do not fit their type: a
// built-in kind against its k8s.io/api Go type (unknown fields, wrong
// types, malformed quantities, int-or-strings and times, closed enums), a
// custom resource against the openAPIV3Schema of its CRD, rendered in the
// same overlay or declared anywhere in the repository. Kinds without a
// known schema are skipped. As a state rule, it reports at head what the
// pull request introduces and leaves what the base already had as existing.
type schemaInvalid struct{ meta }

var _ Rule = (*schemaInvalid)(nil)

func newSchemaInvalid() Rule {
	return &schemaInvalid{meta{
		id:          "schema-invalid",
		description: "An object that does not fit its Kubernetes type or its CRD's openAPIV3Schema (unknown field, wrong type, bad quantity or enum).",
		remediation: "Fix the field the message names: correct its spelling, indentation or value type, or remove it.",
		severity:    Error,
		kind:        StateRule,
	}}
}

func (r *schemaInvalid) Check(in *Input) []Finding {
	var overlayCRDs, repoCRDs crdIndex
	overlayCRDs = crdsOf(in.Objects)
	repoDone := false
	var out []Finding
	for i := range in.Objects {
		o := &in.Objects[i]
		var problems []fieldProblem
		if s := builtinShape(o.ID.APIVersion, o.ID.Kind); s != nil {
			validateShape(o.Fields, s, make([]string, 0, 24), &problems)
		} else {
			schemas := overlayCRDs.lookup(o.ID.APIVersion, o.ID.Kind)
			if len(schemas) == 0 {
				if !repoDone {
					repoCRDs, repoDone = repositoryCRDs(in.Repo), true
				}
				schemas = repoCRDs.lookup(o.ID.APIVersion, o.ID.Kind)
			}
			problems = fitsAny(o.Fields, schemas)
		}
		for i := range problems {
			problems[i].Path = resolveSelectors(o.Fields, problems[i].Path)
		}
		for _, p := range sortProblems(problems) {
			out = append(out, r.at(o.ID, o.SourceOf(p.Path...), problemMessage(o.ID, p)))
		}
	}
	return out
}

// fitsAny validates against each schema and returns the problems of the
// first when none fits; no schemas means nothing to check.
func fitsAny(fields map[string]any, schemas []*crdSchema) []fieldProblem {
	var first []fieldProblem
	for i, s := range schemas {
		ps := validateCR(fields, s)
		if len(ps) == 0 {
			return nil
		}
		if i == 0 {
			first = ps
		}
	}
	return first
}

func problemMessage(id render.ObjectID, p fieldProblem) string {
	if len(p.Path) == 0 {
		return id.String() + ": " + p.Msg
	}
	return id.String() + ": " + displayPath(p.Path) + ": " + p.Msg
}
