package checks

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// configChangeRule describes config-change in the catalog. Review produces
// its findings through ConfigChange, since the configuration is a file of
// the repository, not a rendered object.
type configChangeRule struct{ meta }

var _ Rule = (*configChangeRule)(nil)

func newConfigChangeRule() Rule {
	return &configChangeRule{meta{
		id:          "config-change",
		description: "A change to .github/kustoguard.yml, the policy that reviews the pull request.",
		remediation: "Have an approver check that the new configuration keeps the review policy they want.",
		severity:    Warning,
		approval:    true,
		kind:        ChangeRule,
	}}
}

// Check returns nothing: see ConfigChange.
func (r *configChangeRule) Check(*Input) []Finding { return nil }

func configChangeFindings(changed []string, base, head []byte, cfg *Config) []Finding {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	r := newConfigChangeRule()
	if !cfg.Enabled(r.ID()) || bytes.Equal(base, head) || (changed != nil && !contains(changed, ConfigPath)) {
		return nil
	}
	msg, line, ok := describeConfigChange(base, head)
	if !ok {
		return nil
	}
	return []Finding{{
		Rule:     r.ID(),
		Severity: cfg.SeverityOf(r),
		Approval: r.NeedsApproval(),
		State:    New,
		File:     ConfigPath,
		Line:     line,
		Message:  msg,
		Content:  configChangeContent(base, head),
	}}
}

// configChangeContent digests the normalized values of every top-level key
// that differs, base and head, so that an approval of one change of a key
// is not an approval of another whose summary reads the same ("approvers
// changed"). A side that does not parse counts by its bytes.
func configChangeContent(base, head []byte) string {
	b, berr := readConfigTop(base)
	h, herr := readConfigTop(head)
	if berr != nil || herr != nil || head == nil {
		return digest([]any{"raw", string(base), string(head), head == nil})
	}
	changed := map[string][2]any{}
	for _, k := range append(append([]string{}, b.keys...), h.keys...) {
		bv, hv := b.values[k], h.values[k]
		if !reflect.DeepEqual(bv, hv) {
			changed[k] = [2]any{bv, hv}
		}
	}
	return digest(changed)
}

// configTop is a configuration file's top-level keys: their order, key
// lines and decoded values.
type configTop struct {
	keys   []string
	line   map[string]int
	values map[string]any
	nodes  map[string]*yaml.Node
}

func readConfigTop(data []byte) (*configTop, error) {
	t := &configTop{line: map[string]int{}, values: map[string]any{}, nodes: map[string]*yaml.Node{}}
	if err := checkConfigBounds(data); err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return t, nil
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		var val any
		_ = v.Decode(&val)
		if _, dup := t.values[k.Value]; !dup {
			t.keys = append(t.keys, k.Value)
		}
		t.line[k.Value], t.values[k.Value], t.nodes[k.Value] = k.Line, val, v
	}
	return t, nil
}

// describeConfigChange summarises the change key by key; ok is false when
// nothing but formatting or comments changed.
func describeConfigChange(base, head []byte) (msg string, line int, ok bool) {
	switch {
	case head == nil:
		return "kustoguard configuration removed: every setting goes back to its default", 0, true
	}
	b, err := readConfigTop(base)
	if err != nil {
		b = &configTop{line: map[string]int{}, values: map[string]any{}, nodes: map[string]*yaml.Node{}}
	}
	h, err := readConfigTop(head)
	if err != nil {
		return "kustoguard configuration changed and no longer parses: " + truncate(strings.TrimPrefix(err.Error(), "yaml: "), maxRenderErrorLen), 0, true
	}
	var parts []string
	keys := append([]string{}, h.keys...)
	for _, k := range b.keys {
		keys = appendNew(keys, k)
	}
	for _, k := range keys {
		bv, inBase := b.values[k]
		hv, inHead := h.values[k]
		if inBase && inHead && reflect.DeepEqual(bv, hv) {
			continue
		}
		first := line == 0
		if first {
			line = h.line[k]
		}
		switch {
		case !inHead:
			parts = append(parts, k+" removed")
		case k == "rules":
			ruleLine := 0
			parts = append(parts, describeRulesChange(asMap(bv), asMap(hv), h.nodes[k], &ruleLine)...)
			if first && ruleLine > 0 {
				line = ruleLine
			}
		case isScalar(hv) && (!inBase || isScalar(bv)):
			if !inBase {
				parts = append(parts, fmt.Sprintf("%s set to %v", k, hv))
			} else {
				parts = append(parts, fmt.Sprintf("%s changed from %v to %v", k, bv, hv))
			}
		default:
			parts = append(parts, describeListChange(k, bv, hv))
		}
	}
	if len(parts) == 0 {
		return "", 0, false
	}
	verb := "changed"
	if base == nil {
		verb = "added"
	}
	return "kustoguard configuration " + verb + ": " + strings.Join(parts, "; "), line, true
}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// describeListChange names the added and removed items of a list of
// strings, or just says the key changed for richer values.
func describeListChange(key string, bv, hv any) string {
	bl, bok := bv.([]any)
	hl, hok := hv.([]any)
	if (bv != nil && !bok) || !hok || !allScalars(bl) || !allScalars(hl) {
		return key + " changed"
	}
	var added, removed []string
	for _, x := range hl {
		if !containsAny(bl, x) {
			added = append(added, fmt.Sprint(x))
		}
	}
	for _, x := range bl {
		if !containsAny(hl, x) {
			removed = append(removed, fmt.Sprint(x))
		}
	}
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "added "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		parts = append(parts, "removed "+strings.Join(removed, ", "))
	}
	if len(parts) == 0 {
		return key + " reordered"
	}
	return key + ": " + strings.Join(parts, ", ")
}

func allScalars(l []any) bool {
	for _, x := range l {
		if !isScalar(x) {
			return false
		}
	}
	return true
}

func containsAny(l []any, x any) bool {
	for _, y := range l {
		if reflect.DeepEqual(x, y) {
			return true
		}
	}
	return false
}

// describeRulesChange says, per rule id, what the rules: block changes.
// line is moved to the first changed rule's line in the head file.
func describeRulesChange(b, h map[string]any, node *yaml.Node, line *int) []string {
	ids := make([]string, 0, len(b)+len(h))
	for id := range b {
		ids = appendNew(ids, id)
	}
	for id := range h {
		ids = appendNew(ids, id)
	}
	sort.Strings(ids)
	var parts []string
	first := true
	for _, id := range ids {
		bs, hs := asMap(b[id]), asMap(h[id])
		if reflect.DeepEqual(bs, hs) {
			continue
		}
		if first && node != nil {
			first = false
			for i := 0; i+1 < len(node.Content); i += 2 {
				if node.Content[i].Value == id {
					*line = node.Content[i].Line
				}
			}
		}
		if be, he := bs["enabled"], hs["enabled"]; !reflect.DeepEqual(be, he) {
			switch he {
			case false:
				parts = append(parts, "rules."+id+" disabled")
			default:
				parts = append(parts, "rules."+id+" enabled")
			}
		}
		if bsev, hsev := bs["severity"], hs["severity"]; !reflect.DeepEqual(bsev, hsev) {
			switch {
			case hsev == nil:
				parts = append(parts, "rules."+id+" severity back to its default")
			case bsev == nil:
				parts = append(parts, fmt.Sprintf("rules.%s severity set to %v", id, hsev))
			default:
				parts = append(parts, fmt.Sprintf("rules.%s severity changed from %v to %v", id, bsev, hsev))
			}
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "rules changed")
	}
	return parts
}
