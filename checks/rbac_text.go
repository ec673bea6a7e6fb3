package checks

import (
	"sort"
	"strings"
)

// verbOrder is the order people expect verbs in.
var verbOrder = map[string]int{
	"*": 0, "get": 1, "list": 2, "watch": 3, "create": 4, "update": 5, "patch": 6,
	"delete": 7, "deletecollection": 8,
}

func sortVerbs(vs []string) {
	sort.Slice(vs, func(i, j int) bool {
		oi, iok := verbOrder[vs[i]]
		oj, jok := verbOrder[vs[j]]
		switch {
		case iok && jok:
			return oi < oj
		case iok != jok:
			return iok
		}
		return vs[i] < vs[j]
	})
}

// target is how a message names what a perm applies to.
func (p perm) target() string {
	if p.URL != "" {
		return "URL " + p.URL
	}
	t := p.Resource
	if p.Group != "" {
		t += "." + p.Group
	}
	if p.Name != "" {
		t += ` "` + p.Name + `"`
	}
	return t
}

func (p perm) scope() string {
	switch {
	case p.URL != "":
		return ""
	case p.Namespace == "":
		return "cluster-wide"
	}
	return "in " + p.Namespace
}

// describePerms summarises perms compactly: "get, list on secrets,
// configmaps in prod; * on * cluster-wide". withScope false drops the
// namespace part (for a role's own rules, which have none yet).
func describePerms(ps []perm, withScope bool) string {
	type key struct{ scope, target string }
	verbs := map[key][]string{}
	for _, p := range ps {
		k := key{target: p.target()}
		if withScope {
			k.scope = p.scope()
		}
		if !contains(verbs[k], p.Verb) {
			verbs[k] = append(verbs[k], p.Verb)
		}
	}
	// Merge targets that share a scope and a verb list.
	type group struct {
		scope, verbs string
		targets      []string
	}
	groups := map[[2]string]*group{}
	for k, vs := range verbs {
		sortVerbs(vs)
		gk := [2]string{k.scope, strings.Join(vs, ", ")}
		g := groups[gk]
		if g == nil {
			g = &group{scope: k.scope, verbs: gk[1]}
			groups[gk] = g
		}
		g.targets = append(g.targets, k.target)
	}
	parts := make([]string, 0, len(groups))
	for _, g := range groups {
		sort.Strings(g.targets)
		s := g.verbs + " on " + strings.Join(g.targets, ", ")
		if g.scope != "" {
			s += " " + g.scope
		}
		parts = append(parts, s)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// describeGrants summarises grants per subject: "get on secrets in prod to
// ServiceAccount prod/api, User bob".
func describeGrants(gs []grant) string {
	bySubject := map[string][]perm{}
	for _, g := range gs {
		bySubject[g.Subject] = append(bySubject[g.Subject], g.perm)
	}
	// Subjects holding the same permissions are named together.
	bySummary := map[string][]string{}
	for s, ps := range bySubject {
		d := describePerms(ps, true)
		bySummary[d] = append(bySummary[d], s)
	}
	parts := make([]string, 0, len(bySummary))
	for d, subjects := range bySummary {
		sort.Strings(subjects)
		parts = append(parts, d+" to "+strings.Join(subjects, ", "))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// subjectsOf lists the distinct subjects of grants, sorted.
func subjectsOf(gs []grant) []string {
	var out []string
	for _, g := range gs {
		out = appendNew(out, g.Subject)
	}
	sort.Strings(out)
	return out
}

func permsOf(gs []grant) []perm {
	out := make([]perm, len(gs))
	for i, g := range gs {
		out[i] = g.perm
	}
	return out
}
