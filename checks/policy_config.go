package checks

import (
	"fmt"
	"regexp"

	yaml "go.yaml.in/yaml/v3"
)

// The configuration keys of schema and policy checking: kubernetesVersion
// and policies. They parse like the rest of the file, errors naming lines.

func (p *configParser) kubernetesVersion(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, "kubernetesVersion: must be a version like \"1.31\"")
		return ""
	}
	if _, ok := kubeMinor(n.Value); !ok {
		p.errorf(n, "kubernetesVersion: %q is not a version like \"1.31\"", n.Value)
		return ""
	}
	return n.Value
}

var policyNameRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func (p *configParser) policies(n *yaml.Node) []Policy {
	if n.Kind != yaml.SequenceNode {
		if n.Tag != "!!null" {
			p.errorf(n, "policies: must be a list")
		}
		return nil
	}
	var out []Policy
	names := map[string]bool{}
	for i, item := range n.Content {
		where := fmt.Sprintf("policies[%d]", i)
		var pol Policy
		var exprNode, msgExprNode *yaml.Node
		p.mapping(item, where, func(key string, k, v *yaml.Node) {
			at := where + "." + key
			switch key {
			case "name":
				pol.Name, _ = p.str(v, at)
				switch {
				case !policyNameRe.MatchString(pol.Name):
					p.errorf(v, "%s: %q must be kebab-case (a-z, 0-9, -)", at, pol.Name)
				case knownRule(pol.Name):
					p.errorf(v, "%s: %q is a built-in rule id", at, pol.Name)
				case names[pol.Name]:
					p.errorf(v, "%s: %q names another policy too", at, pol.Name)
				}
				names[pol.Name] = true
			case "description":
				pol.Description, _ = p.str(v, at)
			case "severity":
				s, ok := p.str(v, at)
				switch Severity(s) {
				case Error, Warning, Notice:
					pol.Severity = Severity(s)
				default:
					if ok {
						p.errorf(v, "%s: must be error, warning or notice", at)
					}
				}
			case "approval":
				pol.Approval = p.boolean(v, at)
			case "match":
				pol.Match = p.policyMatch(v, at)
			case "expression":
				pol.Expression, _ = p.str(v, at)
				exprNode = v
			case "message":
				pol.Message, _ = p.str(v, at)
			case "messageExpression":
				pol.MessageExpression, _ = p.str(v, at)
				msgExprNode = v
			default:
				p.errorf(k, "%s: unknown key %q", where, key)
			}
		})
		if item.Kind != yaml.MappingNode {
			continue
		}
		if pol.Name == "" {
			p.errorf(item, "%s: needs a name", where)
		}
		if exprNode == nil {
			p.errorf(item, "%s: needs an expression", where)
			continue
		}
		if pol.Message != "" && pol.MessageExpression != "" {
			p.errorf(msgExprNode, "%s: give message or messageExpression, not both", where)
		}
		if err := pol.compile(); err != nil {
			at := exprNode
			if pol.check != nil && msgExprNode != nil {
				at = msgExprNode
			}
			p.errorf(at, "%s: %v", where, err)
		}
		out = append(out, pol)
	}
	return out
}

func (p *configParser) policyMatch(n *yaml.Node, where string) PolicyMatch {
	var m PolicyMatch
	p.mapping(n, where, func(key string, k, v *yaml.Node) {
		at := where + "." + key
		switch key {
		case "kinds":
			m.Kinds = p.strings(v, at)
		case "apiGroups":
			m.APIGroups = p.strings(v, at)
		case "namespaces":
			m.Namespaces = p.strings(v, at)
		case "overlays":
			m.Overlays = p.globs(v, at)
		default:
			p.errorf(k, "%s: unknown key %q", where, key)
		}
	})
	return m
}
