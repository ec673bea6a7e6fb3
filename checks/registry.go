package checks

import (
	"sort"

	"github.com/kustoguard/kustoguard/render"
)

// ruleIDs is every rule id of the catalog, in the order the README and
// the README list them. ParseConfig validates against this list rather
// than Default so that configuration never depends on rule construction.
var ruleIDs = []string{
	"rbac-change",
	"rbac-escalation",
	"serviceaccount-change",
	"control-plane-toleration",
	"readiness-probe-missing",
	"liveness-probe-missing",
	"resources-missing",
	"cpu-limit-missing",
	"image-registry-untrusted",
	"image-tag-mutable",
	"networkpolicy-missing",
	"networkpolicy-port-mismatch",
	"service-loadbalancer",
	"service-selector-mismatch",
	"render-error",
	"schema-invalid",
	"api-removed",
	"api-deprecated",
	"config-change",
}

// RuleIDs returns every rule id of the catalog, in catalog order.
func RuleIDs() []string { return append([]string(nil), ruleIDs...) }

func knownRule(id string) bool {
	for _, r := range ruleIDs {
		if r == id {
			return true
		}
	}
	return false
}

// Default is the rule catalog, in the order the README lists it: the
// change rules of this file's package and the state rules, merged and
// ordered by ruleIDs. Rules whose id is not in ruleIDs come last, by id.
func Default() []Rule {
	rules := append(changeRules(), stateRules()...)
	rules = append(rules, schemaRules()...)
	order := map[string]int{}
	for i, id := range ruleIDs {
		order[id] = i
	}
	rank := func(id string) int {
		if i, ok := order[id]; ok {
			return i
		}
		return len(ruleIDs)
	}
	sort.SliceStable(rules, func(i, j int) bool {
		ri, rj := rank(rules[i].ID()), rank(rules[j].ID())
		if ri != rj {
			return ri < rj
		}
		return rules[i].ID() < rules[j].ID()
	})
	return rules
}

// changeRules are the rules that judge what a pull request changes, plus
// the repository-level rules whose findings Review produces directly.
func changeRules() []Rule {
	return []Rule{
		newRBACChange(),
		newRBACEscalation(),
		newServiceAccountChange(),
		newControlPlaneToleration(),
		newRenderErrorRule(),
		newConfigChangeRule(),
	}
}

// schemaRules are the rules that check objects against their schema and
// the API versions the cluster serves.
func schemaRules() []Rule {
	return []Rule{newSchemaInvalid(), newAPIRemoved(), newAPIDeprecated()}
}

// meta carries a rule's self-description; rules embed it and add Check.
type meta struct {
	id, description, remediation string
	severity                     Severity
	approval                     bool
	kind                         Kind
}

func (m meta) ID() string          { return m.id }
func (m meta) Description() string { return m.description }
func (m meta) Remediation() string { return m.remediation }
func (m meta) Severity() Severity  { return m.severity }
func (m meta) NeedsApproval() bool { return m.approval }
func (m meta) Kind() Kind          { return m.kind }

// at builds a finding of this rule about id, reported at src.
func (m meta) at(id render.ObjectID, src render.Source, msg string) Finding {
	return Finding{Rule: m.id, Object: id, File: src.File, Line: src.Line, Message: msg}
}
