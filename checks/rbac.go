package checks

import (
	"encoding/json"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kustoguard/kustoguard/render"
)

// The RBAC model: every binding of a render is expanded into atomic
// permissions (one verb on one resource of one API group, optionally one
// resource name, in one namespace or cluster-wide) held by one subject, and
// each permission remembers the objects it flows through. Comparing the
// base and head models gives the effective permission delta of a pull
// request, immune to rule reordering, splitting or merging.

// perm is one atomic permission. Namespace "" means cluster-wide; URL is
// set for non-resource URLs instead of Group/Resource/Name.
type perm struct {
	Namespace, Verb, Group, Resource, Name, URL string
}

// grant is a perm held by a subject ("User alice", "Group devs",
// "ServiceAccount prod/api").
type grant struct {
	Subject string
	perm
}

// rbacModel is the RBAC of one render.
type rbacModel struct {
	// grants maps each grant to the keys of the objects it flows through:
	// binding, role, and the ClusterRoles aggregated into the role.
	grants map[grant]map[string]bool
	// roles maps a role key ("Role ns/name", "ClusterRole name") to its
	// rules, aggregation resolved, each rule with its source path index.
	roles map[string][]roleRule
	// objs maps object keys of the RBAC objects to the objects.
	objs map[string]*render.Object
}

// roleRule is one policy rule of a role and the object declaring it.
type roleRule struct {
	rule  rbacv1.PolicyRule
	from  *render.Object
	index int // position in from's rules
}

func isRBAC(id render.ObjectID) bool {
	if id.Group() != rbacv1.GroupName {
		return false
	}
	switch id.Kind {
	case "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding":
		return true
	}
	return false
}

// roleKey names a role as a binding's roleRef does.
func roleKey(kind, namespace, name string) string {
	if kind == "ClusterRole" {
		return "ClusterRole " + name
	}
	return "Role " + namespace + "/" + name
}

func buildRBAC(objs []render.Object) *rbacModel {
	m := &rbacModel{grants: map[grant]map[string]bool{}, roles: map[string][]roleRule{}, objs: map[string]*render.Object{}}
	var clusterRoles []*render.Object
	var bindings []*render.Object
	for i := range objs {
		o := &objs[i]
		if !isRBAC(o.ID) {
			continue
		}
		m.objs[o.ID.Key()] = o
		switch o.ID.Kind {
		case "Role":
			m.roles[roleKey("Role", o.ID.Namespace, o.ID.Name)] = ownRules(o)
		case "ClusterRole":
			clusterRoles = append(clusterRoles, o)
		default:
			bindings = append(bindings, o)
		}
	}
	for _, cr := range clusterRoles {
		rules := ownRules(cr)
		var agg aggregationRule
		if v, ok := cr.Get("aggregationRule"); ok && decodeInto(v, &agg) == nil {
			for _, other := range clusterRoles {
				if other != cr && matchesAny(agg.ClusterRoleSelectors, objectLabels(other)) {
					rules = append(rules, ownRules(other)...)
				}
			}
		}
		m.roles[roleKey("ClusterRole", "", cr.ID.Name)] = rules
	}
	if _, ok := m.roles[roleKey("ClusterRole", "", "cluster-admin")]; !ok {
		for _, r := range clusterAdminRules {
			m.roles[roleKey("ClusterRole", "", "cluster-admin")] = append(m.roles[roleKey("ClusterRole", "", "cluster-admin")], roleRule{rule: r})
		}
	}
	for _, b := range bindings {
		m.bind(b)
	}
	return m
}

// ownRules reads o's rules straight from its fields: RBAC objects are
// many and small, and a JSON round trip each would dominate a review.
func ownRules(o *render.Object) []roleRule {
	v, _ := o.Get("rules")
	list, _ := v.([]any)
	out := make([]roleRule, 0, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		r := rbacv1.PolicyRule{
			Verbs:           stringList(m["verbs"]),
			APIGroups:       stringList(m["apiGroups"]),
			Resources:       stringList(m["resources"]),
			ResourceNames:   stringList(m["resourceNames"]),
			NonResourceURLs: stringList(m["nonResourceURLs"]),
		}
		out = append(out, roleRule{rule: r, from: o, index: i})
	}
	return out
}

// stringList reads a list of strings, skipping anything else.
func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func stringField(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// binding is the decoded content of a RoleBinding or ClusterRoleBinding.
type binding struct {
	RoleRef  rbacv1.RoleRef   `json:"roleRef"`
	Subjects []rbacv1.Subject `json:"subjects"`
}

func decodeBinding(o *render.Object) binding {
	var b binding
	if ref, ok := o.Fields["roleRef"].(map[string]any); ok {
		b.RoleRef = rbacv1.RoleRef{APIGroup: stringField(ref, "apiGroup"), Kind: stringField(ref, "kind"), Name: stringField(ref, "name")}
	}
	subjects, _ := o.Fields["subjects"].([]any)
	for _, item := range subjects {
		if m, ok := item.(map[string]any); ok {
			b.Subjects = append(b.Subjects, rbacv1.Subject{
				Kind: stringField(m, "kind"), APIGroup: stringField(m, "apiGroup"),
				Name: stringField(m, "name"), Namespace: stringField(m, "namespace"),
			})
		}
	}
	return b
}

func (m *rbacModel) bind(o *render.Object) {
	b := decodeBinding(o)
	ns := ""
	if o.ID.Kind == "RoleBinding" {
		ns = o.ID.Namespace
	}
	rules := m.roles[roleKey(b.RoleRef.Kind, ns, b.RoleRef.Name)]
	bkey := o.ID.Key()
	for _, s := range b.Subjects {
		subj := subjectName(s, o.ID.Namespace)
		for _, rr := range rules {
			for _, p := range expand(rr.rule, ns) {
				g := grant{Subject: subj, perm: p}
				via := m.grants[g]
				if via == nil {
					via = map[string]bool{}
					m.grants[g] = via
				}
				via[bkey] = true
				if rr.from != nil {
					via[rr.from.ID.Key()] = true
				}
			}
		}
	}
}

// subjectName is how messages name a subject; a ServiceAccount without a
// namespace is in the binding's namespace, as the API server defaults it.
func subjectName(s rbacv1.Subject, bindingNS string) string {
	if s.Kind == rbacv1.ServiceAccountKind {
		ns := s.Namespace
		if ns == "" {
			ns = bindingNS
		}
		return "ServiceAccount " + ns + "/" + s.Name
	}
	return s.Kind + " " + s.Name
}

// expand turns a policy rule into atomic permissions in namespace ns.
func expand(r rbacv1.PolicyRule, ns string) []perm {
	var out []perm
	for _, verb := range r.Verbs {
		for _, url := range r.NonResourceURLs {
			out = append(out, perm{Verb: verb, URL: url})
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				if len(r.ResourceNames) == 0 {
					out = append(out, perm{Namespace: ns, Verb: verb, Group: g, Resource: res})
					continue
				}
				for _, name := range r.ResourceNames {
					out = append(out, perm{Namespace: ns, Verb: verb, Group: g, Resource: res, Name: name})
				}
			}
		}
	}
	return out
}

// covers reports whether some grant of m implies g: the same subject with
// the same permission or a broader one (wildcards, cluster-wide instead of
// one namespace, all names instead of one).
func (m *rbacModel) covers(g grant) bool {
	if _, ok := m.grants[g]; ok {
		return true
	}
	verbs := alternatives(g.Verb, "*")
	if g.URL != "" {
		for _, v := range verbs {
			if _, ok := m.grants[grant{Subject: g.Subject, perm: perm{Verb: v, URL: g.URL}}]; ok {
				return true
			}
			if m.coversURLPrefix(g.Subject, v, g.URL) {
				return true
			}
		}
		return false
	}
	for _, ns := range alternatives(g.Namespace, "") {
		for _, v := range verbs {
			for _, grp := range alternatives(g.Group, "*") {
				for _, res := range resourceAlternatives(g.Resource) {
					for _, name := range alternatives(g.Name, "") {
						p := perm{Namespace: ns, Verb: v, Group: grp, Resource: res, Name: name}
						if _, ok := m.grants[grant{Subject: g.Subject, perm: p}]; ok {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

func (m *rbacModel) coversURLPrefix(subject, verb, url string) bool {
	for g := range m.grants {
		if g.Subject == subject && g.Verb == verb && strings.HasSuffix(g.URL, "*") && strings.HasPrefix(url, strings.TrimSuffix(g.URL, "*")) {
			return true
		}
	}
	return false
}

func alternatives(v, wild string) []string {
	if v == wild {
		return []string{v}
	}
	return []string{v, wild}
}

// resourceAlternatives lists the resource patterns that include res:
// itself, "*", and for a subresource "*/sub".
func resourceAlternatives(res string) []string {
	out := alternatives(res, "*")
	if _, sub, ok := strings.Cut(res, "/"); ok && sub != "*" {
		out = append(out, "*/"+sub)
	}
	return out
}

// delta returns the grants of head that base does not imply (gained), and
// those of base that head does not imply (lost).
func delta(base, head *rbacModel) (gained, lost []grant) {
	for g := range head.grants {
		if !base.covers(g) {
			gained = append(gained, g)
		}
	}
	for g := range base.grants {
		if !head.covers(g) {
			lost = append(lost, g)
		}
	}
	sortGrants(gained)
	sortGrants(lost)
	return gained, lost
}

func sortGrants(gs []grant) {
	sort.Slice(gs, func(i, j int) bool { return gs[i].sortKey() < gs[j].sortKey() })
}

func (g grant) sortKey() string {
	return strings.Join([]string{g.Subject, g.Namespace, g.Group, g.Resource, g.Name, g.URL, g.Verb}, "\x00")
}

func objectLabels(o *render.Object) map[string]string {
	v, _ := o.Get("metadata", "labels")
	out := map[string]string{}
	if m, ok := v.(map[string]any); ok {
		for k, val := range m {
			if s, ok := val.(string); ok {
				out[k] = s
			}
		}
	}
	return out
}

// decodeInto converts a decoded YAML value into a typed one.
func decodeInto(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
