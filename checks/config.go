package checks

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// ConfigPath is where a repository keeps its kustoguard configuration. It is
// always read from the base side of a pull request.
const ConfigPath = ".github/kustoguard.yml"

// Scope values.
const (
	ScopeChanged = "changed"
	ScopeAll     = "all"
)

// Config is a repository's .github/kustoguard.yml.
type Config struct {
	Overlays      []string `json:"overlays,omitempty"`
	Ignore        []string `json:"ignore,omitempty"`
	Scope         string   `json:"scope,omitempty"`
	Registries    []string `json:"registries,omitempty"`
	RequireDigest bool     `json:"requireDigest,omitempty"`
	// SelfManagedControlPlane says the clusters run their own control-plane
	// nodes (the default). Set it to false for managed clusters (EKS, GKE,
	// AKS...), which have no schedulable control-plane nodes: tolerating
	// the node-role.kubernetes.io/control-plane or /master taint then has no
	// effect and control-plane-toleration flags only tolerations of every
	// taint.
	SelfManagedControlPlane bool                  `json:"selfManagedControlPlane"`
	Rules                   map[string]RuleConfig `json:"rules,omitempty"`
	Approvers               []Approvers           `json:"approvers,omitempty"`

	// KubernetesVersion is the cluster version the repository deploys to
	// ("1.31"); it turns on api-removed and api-deprecated.
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// Policies are the repository's custom rules in CEL, compiled when the
	// configuration is parsed.
	Policies []Policy `json:"policies,omitempty"`
	// Remote lists the remote sources renders may fetch (none by default).
	Remote *Remote `json:"remote,omitempty"`
}

// RemoteAllow is the remote sources allow-list (nil: nothing remote).
func (c *Config) RemoteAllow() []string {
	if c == nil || c.Remote == nil {
		return nil
	}
	return c.Remote.Allow
}

// Remote is the allow-list of remote sources: Helm chart repositories
// (https:// or oci://) and remote bases, as prefixes of their addresses.
type Remote struct {
	Allow []string `json:"allow,omitempty"`
}

// RuleConfig overrides one rule's defaults.
type RuleConfig struct {
	Enabled  *bool    `json:"enabled,omitempty"`
	Severity Severity `json:"severity,omitempty"`
}

// Approvers names who may approve findings of the listed rules (all rules
// that need approval when Rules is empty). Teams are "org/team-slug".
type Approvers struct {
	Rules []string `json:"rules,omitempty"`
	Teams []string `json:"teams,omitempty"`
	Users []string `json:"users,omitempty"`
}

// DefaultConfig is the configuration of a repository without a config
// file: scope changed, a self-managed control plane, no registry allow-list
// (image-registry-untrusted off), every rule enabled at its default
// severity, repository admins as approvers.
func DefaultConfig() *Config {
	return &Config{Scope: ScopeChanged, SelfManagedControlPlane: true}
}

// Enabled reports whether the rule with id runs.
func (c *Config) Enabled(id string) bool {
	if rc, ok := c.Rules[id]; ok && rc.Enabled != nil {
		return *rc.Enabled
	}
	return true
}

// SeverityOf is r's severity under this configuration.
func (c *Config) SeverityOf(r Rule) Severity {
	return c.severityOf(r.ID(), r.Severity())
}

func (c *Config) severityOf(id string, def Severity) Severity {
	if rc, ok := c.Rules[id]; ok && rc.Severity != "" {
		return rc.Severity
	}
	return def
}

// ApproversFor returns who may approve findings of rule: the union of the
// approvers entries naming it (or naming no rule). configured is false when
// no entry applies, meaning the default: users with admin permission on
// the repository.
func (c *Config) ApproversFor(rule string) (users, teams []string, configured bool) {
	for _, a := range c.Approvers {
		if len(a.Rules) > 0 && !contains(a.Rules, rule) {
			continue
		}
		configured = true
		users = appendNew(users, a.Users...)
		teams = appendNew(teams, a.Teams...)
	}
	return users, teams, configured
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func appendNew(list []string, items ...string) []string {
	for _, s := range items {
		if !contains(list, s) {
			list = append(list, s)
		}
	}
	return list
}

// ParseConfig parses and validates a configuration file strictly: unknown
// keys and bad values are errors naming the line, all of them joined. An
// empty file gives DefaultConfig.
func ParseConfig(data []byte) (*Config, error) {
	cfg := DefaultConfig()
	if err := checkConfigBounds(data); err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parsing %s: %s", ConfigPath, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return cfg, nil
	}
	p := &configParser{}
	p.top(doc.Content[0], cfg)
	if len(p.errs) > 0 {
		// In file order; checks made once the whole file is read (rule ids
		// against its policies) come last otherwise.
		slices.SortStableFunc(p.errs, func(a, b lineError) int { return a.line - b.line })
		errs := make([]error, len(p.errs))
		for i, e := range p.errs {
			errs[i] = e.err
		}
		return nil, errors.Join(errs...)
	}
	return cfg, nil
}

// configParser walks the YAML node tree, collecting errors with lines.
type configParser struct {
	errs []lineError
	// ruleRefs are the ids in rules: and approvers: that name no built-in
	// rule; a policy's name is a rule id too, so they are checked once the
	// whole file (its policies: wherever they stand) is read.
	ruleRefs []ruleRef
}

// lineError is a configuration error and the line it is on, to list them
// in file order.
type lineError struct {
	line int
	err  error
}

type ruleRef struct {
	n   *yaml.Node
	id  string
	msg string
}

// ruleID notes id, met at n, for checkRuleRefs unless it is a built-in rule.
func (p *configParser) ruleID(n *yaml.Node, id, msg string) {
	if !knownRule(id) {
		p.ruleRefs = append(p.ruleRefs, ruleRef{n, id, msg})
	}
}

// checkRuleRefs refuses the noted ids that name no policy either.
func (p *configParser) checkRuleRefs(policies []Policy) {
	names := map[string]bool{}
	for _, pol := range policies {
		names[pol.Name] = true
	}
	for _, r := range p.ruleRefs {
		if !names[r.id] {
			p.errorf(r.n, "%s", r.msg)
		}
	}
}

func (p *configParser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, lineError{n.Line, fmt.Errorf("line %d: "+format, append([]any{n.Line}, args...)...)})
}

// mapping calls fn for each key of a mapping node, refusing duplicates.
func (p *configParser) mapping(n *yaml.Node, where string, fn func(key string, k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		if n.Tag == "!!null" {
			return
		}
		p.errorf(n, "%s: must be a mapping", where)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			p.errorf(k, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		fn(k.Value, k, v)
	}
}

func (p *configParser) top(n *yaml.Node, cfg *Config) {
	p.mapping(n, "configuration", func(key string, k, v *yaml.Node) {
		switch key {
		case "overlays":
			cfg.Overlays = p.globs(v, key)
		case "ignore":
			cfg.Ignore = p.globs(v, key)
		case "scope":
			if s, ok := p.str(v, key); ok {
				if s != ScopeChanged && s != ScopeAll {
					p.errorf(v, "scope: must be changed or all")
				}
				cfg.Scope = s
			}
		case "registries":
			cfg.Registries = p.strings(v, key)
			for i, r := range cfg.Registries {
				if r == "" || strings.ContainsAny(r, " \t") {
					p.errorf(v.Content[i], "registries: %q is not an image reference prefix", r)
				}
			}
		case "requireDigest":
			cfg.RequireDigest = p.boolean(v, key)
		case "selfManagedControlPlane":
			cfg.SelfManagedControlPlane = p.boolean(v, key)
		case "rules":
			cfg.Rules = p.rules(v)
		case "approvers":
			cfg.Approvers = p.approvers(v)
		case "kubernetesVersion":
			cfg.KubernetesVersion = p.kubernetesVersion(v)
		case "policies":
			cfg.Policies = p.policies(v)
		case "remote":
			cfg.Remote = p.remote(v)
		default:
			p.errorf(k, "unknown key %q", key)
		}
	})
	p.checkRuleRefs(cfg.Policies)
}

func (p *configParser) remote(n *yaml.Node) *Remote {
	r := &Remote{}
	p.mapping(n, "remote", func(key string, k, v *yaml.Node) {
		if key != "allow" {
			p.errorf(k, "remote: unknown key %q", key)
			return
		}
		r.Allow = p.strings(v, "remote.allow")
		for i, a := range r.Allow {
			if !remotePrefix.MatchString(a) {
				p.errorf(v.Content[i], "remote.allow: %q is not an https://, oci:// or github.com/ address prefix", a)
			}
		}
	})
	return r
}

var remotePrefix = regexp.MustCompile(`^(https://[^/\s]+|oci://[^/\s]+|github\.com/[^/\s]+)(/\S*)?$`)

func (p *configParser) str(n *yaml.Node, where string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, "%s: must be a string", where)
		return "", false
	}
	return n.Value, true
}

func (p *configParser) boolean(n *yaml.Node, where string) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.errorf(n, "%s: must be true or false", where)
		return false
	}
	b, _ := strconv.ParseBool(n.Value)
	return b
}

func (p *configParser) strings(n *yaml.Node, where string) []string {
	if n.Kind != yaml.SequenceNode {
		if n.Tag != "!!null" {
			p.errorf(n, "%s: must be a list of strings", where)
		}
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
			p.errorf(item, "%s: must be a list of strings", where)
			continue
		}
		out = append(out, item.Value)
	}
	return out
}

// globs validates path globs: "*", "?", "[...]" per path.Match, and "**"
// for any number of directories.
func (p *configParser) globs(n *yaml.Node, where string) []string {
	gs := p.strings(n, where)
	for i, g := range gs {
		probe := strings.ReplaceAll(g, "**", "*")
		if _, err := path.Match(probe, ""); err != nil || g == "" || strings.HasPrefix(g, "/") {
			p.errorf(n.Content[i], "%s: %q is not a valid path glob", where, g)
		}
	}
	return gs
}

func (p *configParser) rules(n *yaml.Node) map[string]RuleConfig {
	out := map[string]RuleConfig{}
	p.mapping(n, "rules", func(id string, k, v *yaml.Node) {
		p.ruleID(k, id, fmt.Sprintf("rules.%s: unknown rule id", id))
		var rc RuleConfig
		p.mapping(v, "rules."+id, func(key string, k2, v2 *yaml.Node) {
			switch key {
			case "enabled":
				b := p.boolean(v2, "rules."+id+".enabled")
				rc.Enabled = &b
			case "severity":
				s, ok := p.str(v2, "rules."+id+".severity")
				if !ok {
					return
				}
				switch Severity(s) {
				case Error, Warning, Notice:
					rc.Severity = Severity(s)
				default:
					p.errorf(v2, "rules.%s.severity: must be error, warning or notice", id)
				}
			default:
				p.errorf(k2, "rules.%s: unknown key %q", id, key)
			}
		})
		out[id] = rc
	})
	return out
}

var (
	teamRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	userRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*(\[bot\])?$`)
)

func (p *configParser) approvers(n *yaml.Node) []Approvers {
	if n.Kind != yaml.SequenceNode {
		if n.Tag != "!!null" {
			p.errorf(n, "approvers: must be a list")
		}
		return nil
	}
	var out []Approvers
	for i, item := range n.Content {
		where := fmt.Sprintf("approvers[%d]", i)
		var a Approvers
		p.mapping(item, where, func(key string, k, v *yaml.Node) {
			switch key {
			case "rules":
				a.Rules = p.strings(v, where+".rules")
				for j, id := range a.Rules {
					p.ruleID(v.Content[j], id, fmt.Sprintf("%s.rules: %q: unknown rule id", where, id))
				}
			case "teams":
				a.Teams = p.strings(v, where+".teams")
				for j, t := range a.Teams {
					if !teamRe.MatchString(t) {
						p.errorf(v.Content[j], "%s.teams: %q must be org/team-slug", where, t)
					}
				}
			case "users":
				a.Users = p.strings(v, where+".users")
				for j, u := range a.Users {
					if !userRe.MatchString(u) {
						p.errorf(v.Content[j], "%s.users: %q is not a GitHub login", where, u)
					}
				}
			default:
				p.errorf(k, "%s: unknown key %q", where, key)
			}
		})
		if len(a.Teams) == 0 && len(a.Users) == 0 && item.Kind == yaml.MappingNode {
			p.errorf(item, "%s: names no teams or users", where)
		}
		out = append(out, a)
	}
	return out
}
