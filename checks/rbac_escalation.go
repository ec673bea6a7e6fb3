package checks

import (
	"sort"
	"strings"
)

// rbacEscalation flags permissions a pull request grants that let a
// subject take over more than its own namespace's objects: reading
// secrets, running code (workloads, pods/exec, nodes/proxy), minting
// tokens, wildcards, the escalate/bind/impersonate verbs, and
// cluster-admin bindings. Only the gained effective permissions count.
type rbacEscalation struct{ meta }

var _ Rule = (*rbacEscalation)(nil)

func newRBACEscalation() Rule {
	return &rbacEscalation{meta{
		id:          "rbac-escalation",
		description: "A new grant that reads secrets, creates or updates workloads or pods, uses *, escalate, bind or impersonate, pods/exec, nodes/proxy or serviceaccounts/token, or binds cluster-admin.",
		remediation: "Grant only the verbs and resources the subject needs, naming them explicitly, and have an approver approve what remains.",
		severity:    Error,
		approval:    true,
		kind:        ChangeRule,
	}}
}

// escalation classes, as messages name them (after "lets SUBJECT").
const (
	escWildcard  = "use wildcards"
	escSecrets   = "read secrets"
	escWorkloads = "create or change workloads"
	escVerbs     = "escalate, bind or impersonate"
	escExec      = "exec into pods"
	escNodeProxy = "proxy to nodes"
	escToken     = "create service account tokens"
)

var workloadResources = map[string]bool{
	"pods": true, "deployments": true, "statefulsets": true, "daemonsets": true,
	"replicasets": true, "jobs": true, "cronjobs": true, "replicationcontrollers": true,
}

func inGroups(g string, groups ...string) bool { return contains(groups, g) }

// escalationClass is the class of a permission, "" when harmless. A
// wildcard permission is classed as a wildcard only, since it subsumes
// every other class.
func escalationClass(p perm) string {
	if p.Verb == "*" || p.Group == "*" || strings.Contains(p.Resource, "*") || p.URL == "*" {
		return escWildcard
	}
	switch p.Verb {
	case "escalate", "bind", "impersonate":
		return escVerbs
	}
	if p.URL != "" {
		return ""
	}
	core := p.Group == ""
	switch {
	case core && p.Resource == "secrets" && inGroups(p.Verb, "get", "list", "watch"):
		return escSecrets
	case core && p.Resource == "pods/exec" && inGroups(p.Verb, "create", "get"):
		return escExec
	case core && p.Resource == "nodes/proxy":
		return escNodeProxy
	case core && p.Resource == "serviceaccounts/token" && p.Verb == "create":
		return escToken
	case workloadResources[p.Resource] && inGroups(p.Group, "", "apps", "batch") &&
		inGroups(p.Verb, "create", "update", "patch"):
		return escWorkloads
	}
	return ""
}

func (r *rbacEscalation) Check(in *Input) []Finding {
	var out []Finding
	for _, oc := range in.rbac().changes {
		if f, ok := r.clusterAdmin(oc); ok {
			out = append(out, f)
			continue
		}
		byClass := map[string][]grant{}
		for _, g := range oc.gained {
			if c := escalationClass(g.perm); c != "" {
				byClass[c] = append(byClass[c], g)
			}
		}
		classes := make([]string, 0, len(byClass))
		for c := range byClass {
			classes = append(classes, c)
		}
		sort.Strings(classes)
		for _, c := range classes {
			gs := byClass[c]
			msg := oc.id.String() + " lets " + strings.Join(subjectsOf(gs), ", ") + " " + c + ": " + describePerms(permsOf(gs), true)
			out = append(out, r.at(oc.id, oc.source(permsOf(gs)), msg))
		}
	}
	return out
}

// clusterAdmin flags a binding that newly binds subjects to cluster-admin.
func (r *rbacEscalation) clusterAdmin(oc *rbacObjectChange) (Finding, bool) {
	h := oc.headBinding
	if h == nil || h.RoleRef.Kind != "ClusterRole" || h.RoleRef.Name != "cluster-admin" {
		return Finding{}, false
	}
	before := map[string]bool{}
	if b := oc.baseBinding; b != nil && b.RoleRef == h.RoleRef {
		for _, s := range b.Subjects {
			before[subjectName(s, oc.id.Namespace)] = true
		}
	}
	var added []string
	for _, s := range h.Subjects {
		if n := subjectName(s, oc.id.Namespace); !before[n] {
			added = appendNew(added, n)
		}
	}
	if len(added) == 0 {
		return Finding{}, false
	}
	sort.Strings(added)
	scope := "cluster-wide"
	if oc.id.Kind == "RoleBinding" {
		scope = "in " + oc.id.Namespace
	}
	msg := oc.id.String() + " binds cluster-admin to " + strings.Join(added, ", ") + " (" + scope + ")"
	src := oc.obj.SourceOf("subjects")
	if oc.baseBinding != nil && oc.baseBinding.RoleRef != h.RoleRef {
		src = oc.obj.SourceOf("roleRef")
	}
	return r.at(oc.id, src, msg), true
}
