package checks

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// serviceSelectorMismatch flags Services that route nowhere: the selector
// matches no pod template although the overlay has workloads in the
// Service's namespace (a namespace without workloads is left alone: its pods
// may come from elsewhere), or a targetPort no selected pod serves. A named
// targetPort must be named by some app or sidecar container of the selected
// pods. Kubernetes forwards numeric ports whether declared or not, so a
// numeric targetPort is flagged only when every serving container of the
// selected pods declares its ports and none is that one. ExternalName
// Services and Services without a selector are exempt.
type serviceSelectorMismatch struct{ meta }

var _ Rule = serviceSelectorMismatch{}

func newServiceSelectorMismatch() Rule {
	return serviceSelectorMismatch{meta{
		id:          "service-selector-mismatch",
		description: "A Service whose selector matches no pod template of its overlay, or whose targetPort no selected container exposes.",
		remediation: "Make the Service selector match the workload's pod template labels and its targetPort a port a container declares.",
		severity:    Error,
		approval:    false,
		kind:        StateRule,
	}}
}

func (r serviceSelectorMismatch) Check(in *Input) []Finding {
	var out []Finding
	x := indexOf(in)
	for _, s := range x.Services {
		if s.Spec.Type == corev1.ServiceTypeExternalName || len(s.Spec.Selector) == 0 {
			continue
		}
		if ns, ok := x.NS[s.Object.ID.Namespace]; !ok || len(ns.Workloads) == 0 {
			continue
		}
		if len(s.Pods) == 0 {
			src := sourceAt(s.Object, []string{"spec", "selector"})
			out = append(out, Finding{
				Rule: r.ID(), Object: s.Object.ID, File: src.File, Line: src.Line,
				Message: fmt.Sprintf("%s selects no pods: no pod template in its namespace has the labels %s", s.Object.ID, formatLabels(s.Spec.Selector)),
			})
			continue
		}
		out = append(out, r.portFindings(x, s)...)
	}
	return out
}

func (r serviceSelectorMismatch) portFindings(x *stateIndex, s *service) []Finding {
	var ports []containerPort
	allDeclare := true
	for _, w := range s.Pods {
		p, all := x.servingPorts(w)
		ports = append(ports, p...)
		allDeclare = allDeclare && all
	}
	var out []Finding
	for i, p := range s.Spec.Ports {
		target := targetOf(p)
		proto := protocol(p.Protocol)
		if _, ok := resolve(target, proto, ports); ok {
			continue
		}
		var msg string
		if target.Type == intstr.String {
			msg = fmt.Sprintf("%s port %d targets port %q, which no container of %s names", s.Object.ID, p.Port, target.StrVal, podNames(s.Pods))
		} else if allDeclare {
			msg = fmt.Sprintf("%s port %d targets port %d/%s, which no container of %s exposes", s.Object.ID, p.Port, target.IntVal, proto, podNames(s.Pods))
		} else {
			continue
		}
		src := sourceAt(s.Object, []string{"spec", "ports", itemSelector(p.Name, i), "targetPort"})
		out = append(out, Finding{Rule: r.ID(), Object: s.Object.ID, File: src.File, Line: src.Line, Message: msg})
	}
	return out
}

// itemSelector is the SourceOf selector of a list item: by name when it has one.
func itemSelector(name string, i int) string {
	if name != "" {
		return "[name=" + name + "]"
	}
	return "[" + strconv.Itoa(i) + "]"
}

// formatLabels prints labels sorted, as "app=web,tier=front".
func formatLabels(l map[string]string) string {
	parts := make([]string, 0, len(l))
	for k, v := range l {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// podNames names workloads in messages, sorted for stable text.
func podNames(ws []*Workload) string {
	names := make([]string, 0, len(ws))
	for _, w := range ws {
		names = append(names, w.Object.ID.String())
	}
	sort.Strings(names)
	return joinAnd(names)
}
