package checks

import (
	"sort"
	"strconv"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kustoguard/kustoguard/render"
)

// rbacChange flags Role, ClusterRole, RoleBinding and ClusterRoleBinding
// objects a pull request adds, removes or changes in a way that matters,
// saying what the change grants. Its default severity is warning: the
// change itself is routine, the approval is what holds it; rbac-escalation
// is the error for dangerous grants.
type rbacChange struct{ meta }

var _ Rule = (*rbacChange)(nil)

func newRBACChange() Rule {
	return &rbacChange{meta{
		id:          "rbac-change",
		description: "Role, ClusterRole, RoleBinding or ClusterRoleBinding added, removed or changed, with the effective permission delta.",
		remediation: "Check that every subject needs the permissions the change grants, then have an approver approve it.",
		severity:    Warning,
		approval:    true,
		kind:        ChangeRule,
	}}
}

func (r *rbacChange) Check(in *Input) []Finding {
	var out []Finding
	for _, oc := range in.rbac().changes {
		if msg, ok := oc.message(); ok {
			out = append(out, r.at(oc.id, oc.source(oc.allGained()), msg))
		}
	}
	return out
}

// rbacAnalysis is the RBAC delta of one Input, shared by the RBAC rules.
type rbacAnalysis struct {
	base, head *rbacModel
	changes    []*rbacObjectChange
}

// rbacObjectChange is one RBAC object the pull request adds, removes or
// changes, with the part of the permission delta that flows through it.
type rbacObjectChange struct {
	id        render.ObjectID
	typ       render.ChangeType
	obj       *render.Object // head side, or base side when removed
	gained    []grant        // effective grants gained through obj
	lost      []grant        // effective grants lost through obj
	ownGained []perm         // for roles: rules added, whether bound or not
	ownLost   []perm
	// bindings: the role reference and subjects on each side, and whether
	// the render declares the role the binding refers to (else its
	// permissions are unknown, as for the built-in edit or view).
	baseBinding, headBinding *binding
	roleUnknown              bool
}

// rbac returns the Input's RBAC analysis, computed once per Run.
func (in *Input) rbac() *rbacAnalysis {
	if in.cache != nil && in.cache.rbac != nil {
		return in.cache.rbac
	}
	a := analyseRBAC(in.Base, in.Head, in.Changes)
	if in.cache != nil {
		in.cache.rbac = a
	}
	return a
}

func analyseRBAC(base, head []render.Object, changes []render.Change) *rbacAnalysis {
	a := &rbacAnalysis{}
	for _, c := range changes {
		if !isRBAC(c.ID) || c.Type == render.Unchanged {
			continue
		}
		if a.base == nil {
			a.base, a.head = buildRBAC(base), buildRBAC(head)
		}
		oc := &rbacObjectChange{id: c.ID, typ: c.Type, obj: c.Head}
		if oc.obj == nil {
			oc.obj = c.Base
		}
		a.changes = append(a.changes, oc)
	}
	if len(a.changes) == 0 {
		return a
	}
	gained, lost := delta(a.base, a.head)
	for _, oc := range a.changes {
		key := oc.id.Key()
		for _, g := range gained {
			if a.head.grants[g][key] {
				oc.gained = append(oc.gained, g)
			}
		}
		for _, g := range lost {
			if a.base.grants[g][key] {
				oc.lost = append(oc.lost, g)
			}
		}
		switch oc.id.Kind {
		case "Role", "ClusterRole":
			rk := roleKey(oc.id.Kind, oc.id.Namespace, oc.id.Name)
			b, h := permModel(a.base.roles[rk]), permModel(a.head.roles[rk])
			oc.ownGained, oc.ownLost = permDelta(b, h)
		default:
			if o := a.base.objs[key]; o != nil {
				b := decodeBinding(o)
				oc.baseBinding = &b
			}
			if o := a.head.objs[key]; o != nil {
				h := decodeBinding(o)
				oc.headBinding = &h
				ns := ""
				if oc.id.Kind == "RoleBinding" {
					ns = oc.id.Namespace
				}
				_, known := a.head.roles[roleKey(h.RoleRef.Kind, ns, h.RoleRef.Name)]
				oc.roleUnknown = !known
			}
		}
	}
	return a
}

// permModel holds a role's permissions with no subject and no namespace,
// so that two versions of a role compare by what they allow.
func permModel(rules []roleRule) *rbacModel {
	m := &rbacModel{grants: map[grant]map[string]bool{}}
	for _, rr := range rules {
		for _, p := range expand(rr.rule, "") {
			m.grants[grant{perm: p}] = nil
		}
	}
	return m
}

func permDelta(base, head *rbacModel) (gained, lost []perm) {
	g, l := delta(base, head)
	return permsOf(g), permsOf(l)
}

func (oc *rbacObjectChange) allGained() []perm {
	return append(permsOf(oc.gained), oc.ownGained...)
}

// message describes the change; ok is false when it changes nothing that
// matters (a reordering, a relabelling that aggregates nothing new).
func (oc *rbacObjectChange) message() (string, bool) {
	if oc.baseBinding != nil || oc.headBinding != nil {
		return oc.bindingMessage()
	}
	return oc.roleMessage()
}

func (oc *rbacObjectChange) effective() string {
	var parts []string
	if len(oc.gained) > 0 {
		parts = append(parts, "now grants "+describeGrants(oc.gained))
	}
	if len(oc.lost) > 0 {
		parts = append(parts, "no longer grants "+describeGrants(oc.lost))
	}
	return strings.Join(parts, "; ")
}

func (oc *rbacObjectChange) roleMessage() (string, bool) {
	name := oc.id.String()
	eff := oc.effective()
	switch {
	case oc.typ == render.Added && eff != "":
		return name + " added: " + strings.TrimPrefix(eff, "now "), true
	case oc.typ == render.Added:
		if len(oc.ownGained) == 0 {
			return name + " added: allows nothing", true
		}
		return name + " added: allows " + describePerms(oc.ownGained, false) + " (bound to no subject)", true
	case oc.typ == render.Removed && eff != "":
		return name + " removed: " + eff, true
	case oc.typ == render.Removed:
		return name + " removed (bound to no subject)", true
	case eff != "":
		return name + " " + eff, true
	case len(oc.ownGained) > 0 || len(oc.ownLost) > 0:
		var parts []string
		if len(oc.ownGained) > 0 {
			parts = append(parts, "now allows "+describePerms(oc.ownGained, false))
		}
		if len(oc.ownLost) > 0 {
			parts = append(parts, "no longer allows "+describePerms(oc.ownLost, false))
		}
		return name + " " + strings.Join(parts, "; ") + " (no subject gains or loses access)", true
	}
	return "", false
}

func (oc *rbacObjectChange) bindingMessage() (string, bool) {
	name := oc.id.String()
	eff := oc.effective()
	b, h := oc.baseBinding, oc.headBinding
	switch {
	case b == nil:
		msg := name + " binds " + h.describe(oc.id.Namespace)
		if oc.roleUnknown {
			msg += " (a role the render does not declare)"
		}
		if eff != "" {
			msg += ": " + strings.TrimPrefix(eff, "now ")
		}
		return msg, true
	case h == nil:
		msg := name + " removed: no longer binds " + b.describe(oc.id.Namespace)
		if len(oc.lost) > 0 {
			msg += ": revokes " + describeGrants(oc.lost)
		}
		return msg, true
	case b.describe(oc.id.Namespace) != h.describe(oc.id.Namespace) || eff != "":
		msg := name + " now binds " + h.describe(oc.id.Namespace)
		if oc.roleUnknown {
			msg += " (a role the render does not declare)"
		}
		if eff != "" {
			msg += ": " + eff
		}
		return msg, true
	}
	return "", false
}

// describe names the role and the subjects: "ClusterRole edit to
// ServiceAccount prod/api, User bob", subjects sorted so that reordering
// them changes nothing.
func (b *binding) describe(bindingNS string) string {
	names := make([]string, 0, len(b.Subjects))
	for _, s := range b.Subjects {
		names = appendNew(names, subjectName(s, bindingNS))
	}
	sort.Strings(names)
	if len(names) == 0 {
		names = []string{"no subject"}
	}
	return b.RoleRef.Kind + " " + b.RoleRef.Name + " to " + strings.Join(names, ", ")
}

// source is where a person edits the change: for a role, the first rule
// that grants one of perms; for a binding, its subjects or roleRef.
func (oc *rbacObjectChange) source(perms []perm) render.Source {
	o := oc.obj
	switch oc.id.Kind {
	case "Role", "ClusterRole":
		if oc.typ != render.Removed {
			if i, ok := ruleGranting(o, perms); ok {
				return o.SourceOf("rules", "["+strconv.Itoa(i)+"]")
			}
		}
		return o.SourceOf("rules")
	}
	if oc.baseBinding != nil && oc.headBinding != nil && oc.baseBinding.RoleRef != oc.headBinding.RoleRef {
		return o.SourceOf("roleRef")
	}
	return o.SourceOf("subjects")
}

// ruleGranting finds the first rule of o that allows one of perms.
func ruleGranting(o *render.Object, perms []perm) (int, bool) {
	want := map[perm]bool{}
	for _, p := range perms {
		p.Namespace = ""
		want[p] = true
	}
	for _, rr := range ownRules(o) {
		for _, p := range expand(rr.rule, "") {
			if want[p] {
				return rr.index, true
			}
		}
	}
	return 0, false
}

// clusterAdminRules are the rules of the built-in cluster-admin ClusterRole,
// used when a render binds it without declaring it.
var clusterAdminRules = []rbacv1.PolicyRule{
	{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}},
	{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}},
}
