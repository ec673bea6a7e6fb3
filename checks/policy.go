package checks

import (
	"errors"
	"fmt"
	"math"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
	"k8s.io/apiserver/pkg/cel/library"

	"github.com/kustoguard/kustoguard/render"
)

// Policy is a custom rule of the configuration, written in CEL. Its
// expression sees `object` (the rendered object at head) and `oldObject`
// (the same object at base, null when the pull request adds it) and is
// true when the object complies.
type Policy struct {
	Name              string      `json:"name"`
	Description       string      `json:"description,omitempty"`
	Severity          Severity    `json:"severity,omitempty"`
	Approval          bool        `json:"approval,omitempty"`
	Match             PolicyMatch `json:"match,omitempty"`
	Expression        string      `json:"expression"`
	Message           string      `json:"message,omitempty"`
	MessageExpression string      `json:"messageExpression,omitempty"`

	check, message cel.Program
	// usesOld says whether the expressions read oldObject at all.
	usesOld bool
	// rule is the policy as a catalog rule, built once.
	rule *policyRule
	// fields are the object field paths the expression reads, in order
	// of appearance: a finding points at the first one the object has.
	fields [][]string
}

// PolicyMatch selects the objects a policy judges; an empty list matches
// everything. Kinds and apiGroups are exact ("" is the core group, "*"
// any); namespaces and overlays are globs ("**" spans directories).
type PolicyMatch struct {
	Kinds      []string `json:"kinds,omitempty"`
	APIGroups  []string `json:"apiGroups,omitempty"`
	Namespaces []string `json:"namespaces,omitempty"`
	Overlays   []string `json:"overlays,omitempty"`
}

// policyCostLimit bounds one evaluation, in CEL cost units: the same
// per-expression budget the API server gives a ValidatingAdmissionPolicy.
const policyCostLimit = 1_000_000

// policyEnv is the CEL environment of policies: the standard library
// with the Kubernetes libraries ValidatingAdmissionPolicy offers
// (lists, regex, url, quantity, ip, cidr, format, semver) and the string
// extensions.
var policyEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("object", cel.DynType),
		cel.Variable("oldObject", cel.DynType),
		cel.HomogeneousAggregateLiterals(),
		cel.DefaultUTCTimeZone(true),
		cel.CrossTypeNumericComparisons(true),
		cel.OptionalTypes(),
		ext.Strings(ext.StringsVersion(2)),
		ext.Sets(),
		library.Lists(),
		library.Regex(),
		library.URLs(),
		library.Quantity(),
		library.IP(),
		library.CIDR(),
		library.Format(),
		library.SemverLib(),
	)
})

// compile type-checks the expressions and prepares their programs. The
// expression must give a bool, the message expression a string.
func (p *Policy) compile() error {
	env, err := policyEnv()
	if err != nil {
		return fmt.Errorf("building the CEL environment: %w", err)
	}
	prog, err := compileCEL(env, p.Expression, cel.BoolType)
	if err != nil {
		return fmt.Errorf("expression: %w", err)
	}
	p.check = prog
	p.fields = objectFields(p.Expression)
	p.usesOld = strings.Contains(p.Expression, "oldObject") || strings.Contains(p.MessageExpression, "oldObject")
	p.rule = newPolicyRule(p)
	if p.MessageExpression != "" {
		prog, err := compileCEL(env, p.MessageExpression, cel.StringType)
		if err != nil {
			return fmt.Errorf("messageExpression: %w", err)
		}
		p.message = prog
	}
	return nil
}

func compileCEL(env *cel.Env, src string, want *cel.Type) (cel.Program, error) {
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		return nil, errors.New(strings.ReplaceAll(iss.Err().Error(), "\n", " "))
	}
	if out := ast.OutputType(); !out.IsExactType(want) && !out.IsExactType(cel.DynType) {
		return nil, fmt.Errorf("gives %s, want %s", out, want)
	}
	prog, err := env.Program(ast,
		cel.CostLimit(policyCostLimit),
		cel.CostTracking(&library.CostEstimator{}),
		cel.InterruptCheckFrequency(100),
	)
	if err != nil {
		return nil, fmt.Errorf("preparing: %w", err)
	}
	return prog, nil
}

// policyRule runs one Policy as a state rule: it is checked on the base and
// the head render, so that its findings are new, existing or resolved like
// any other rule's.
type policyRule struct {
	meta
	p *Policy
}

var _ Rule = (*policyRule)(nil)

func newPolicyRule(p *Policy) *policyRule {
	sev := p.Severity
	if sev == "" {
		sev = Error
	}
	desc := p.Description
	if desc == "" {
		desc = "Custom policy " + p.Name + "."
	}
	return &policyRule{meta: meta{
		id:          p.Name,
		description: desc,
		remediation: "Change the object so that the repository's policy " + p.Name + " holds.",
		severity:    sev,
		approval:    p.Approval,
		kind:        StateRule,
	}, p: p}
}

// withPolicies appends the configuration's policies to rules, once.
func withPolicies(rules []Rule, cfg *Config) []Rule {
	if cfg == nil || len(cfg.Policies) == 0 {
		return rules
	}
	have := map[string]bool{}
	for _, r := range rules {
		have[r.ID()] = true
	}
	out := append([]Rule(nil), rules...)
	for i := range cfg.Policies {
		if p := &cfg.Policies[i]; !have[p.Name] && p.rule != nil {
			out = append(out, p.rule)
		}
	}
	return out
}

func (r *policyRule) Check(in *Input) []Finding {
	if !r.p.Match.overlay(in.Overlay) {
		return nil
	}
	// On the base side oldObject is the object itself: the base is judged
	// as a state that changed nothing.
	var old map[objectKey]*render.Object
	if r.p.usesOld {
		old = make(map[objectKey]*render.Object, len(in.Base))
		for i := range in.Base {
			old[keyOf(in.Base[i].ID)] = &in.Base[i]
		}
	}
	var out []Finding
	for i := range in.Objects {
		o := &in.Objects[i]
		if !r.p.Match.object(o.ID) {
			continue
		}
		var oldFields any
		if b, ok := old[keyOf(o.ID)]; ok {
			oldFields = b.Fields
		}
		if msg, ok := r.p.evaluate(o.Fields, oldFields); !ok {
			out = append(out, r.at(o.ID, r.p.source(o), o.ID.String()+": "+msg))
		}
	}
	return out
}

// objectKey is render.ObjectID.Key as a comparable value, built without
// allocating.
type objectKey struct{ group, kind, namespace, name string }

func keyOf(id render.ObjectID) objectKey {
	return objectKey{id.Group(), id.Kind, id.Namespace, id.Name}
}

// evaluate runs the policy on one object: ok when it complies, else the
// message to report. An evaluation error (a missing field without has(),
// the cost limit) counts as non-compliance and says so.
func (p *Policy) evaluate(object, oldObject any) (msg string, ok bool) {
	vars := map[string]any{"object": celNumbers(object), "oldObject": celNumbers(oldObject)}
	if oldObject == nil {
		vars["oldObject"] = types.NullValue
	}
	val, _, err := p.check.Eval(vars)
	if err != nil {
		return p.Name + ": the expression could not be evaluated: " + err.Error(), false
	}
	if b, isBool := val.Value().(bool); isBool && b {
		return "", true
	}
	if _, isBool := val.Value().(bool); !isBool {
		return p.Name + ": the expression gave " + fmt.Sprint(val.Value()) + ", not a bool", false
	}
	if p.message != nil {
		if mv, _, err := p.message.Eval(vars); err == nil {
			if s, isStr := mv.Value().(string); isStr && s != "" {
				return s, false
			}
		}
	}
	if p.Message != "" {
		return p.Message, false
	}
	return "does not satisfy policy " + p.Name + ": " + p.Expression, false
}

var objectFieldRe = regexp.MustCompile(`\bobject((?:\.[A-Za-z_][A-Za-z0-9_]*)+)`)

// objectFields lists the field paths an expression selects from object
// (object.spec.replicas → [spec replicas]).
func objectFields(expr string) [][]string {
	var out [][]string
	for _, m := range objectFieldRe.FindAllStringSubmatchIndex(expr, -1) {
		segs := strings.Split(strings.TrimPrefix(expr[m[2]:m[3]], "."), ".")
		if m[1] < len(expr) && expr[m[1]] == '(' {
			segs = segs[:len(segs)-1] // a method call, not a field
		}
		if len(segs) > 0 {
			out = append(out, segs)
		}
	}
	return out
}

// source is where a finding of the policy about o points: the first
// field the expression reads that o has (the patch line that set it when a
// patch did), else the object's declaration.
func (p *Policy) source(o *render.Object) render.Source {
	for _, path := range p.fields {
		if _, ok := o.Get(path...); ok {
			return o.SourceOf(path...)
		}
	}
	return o.Source
}

func (m PolicyMatch) object(id render.ObjectID) bool {
	if len(m.Kinds) > 0 && !containsString(m.Kinds, id.Kind) && !containsString(m.Kinds, "*") {
		return false
	}
	if len(m.APIGroups) > 0 && !containsString(m.APIGroups, id.Group()) && !containsString(m.APIGroups, "*") {
		return false
	}
	if len(m.Namespaces) > 0 && !globAny(m.Namespaces, id.Namespace) {
		return false
	}
	return true
}

func (m PolicyMatch) overlay(dir string) bool {
	return len(m.Overlays) == 0 || globAny(m.Overlays, dir)
}

// globAny matches name against path globs where "**" spans any number of
// path segments.
func globAny(globs []string, name string) bool {
	for _, g := range globs {
		if globMatch(strings.Split(g, "/"), strings.Split(name, "/")) {
			return true
		}
	}
	return false
}

func globMatch(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if globMatch(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], segs[0]); err != nil || !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// celNumbers gives integral float64 values (what JSON decoding makes of
// every number) as int64, so that expressions do integer arithmetic on
// integer fields as they do in the API server, whose schemas type them.
// It copies only the maps and lists on the way to such a value.
func celNumbers(v any) any {
	out, _ := convertNumbers(v)
	return out
}

func convertNumbers(v any) (any, bool) {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			c, changed := convertNumbers(e)
			if !changed {
				continue
			}
			if out == nil {
				out = make(map[string]any, len(x))
				for k2, e2 := range x {
					out[k2] = e2
				}
			}
			out[k] = c
		}
		if out != nil {
			return out, true
		}
	case []any:
		var out []any
		for i, e := range x {
			c, changed := convertNumbers(e)
			if !changed {
				continue
			}
			if out == nil {
				out = append([]any(nil), x...)
			}
			out[i] = c
		}
		if out != nil {
			return out, true
		}
	}
	return v, false
}
