package checks

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// networkpolicyPortMismatch joins NetworkPolicy ingress ports with the pods
// the policy selects, their containers' ports and the Services in front of
// them, both ways:
//   - a policy port (number, endPort range or name; protocol TCP by default)
//     that no app or sidecar container of the selected pods declares and no
//     Service selecting them targets. As for Service targetPorts, a numeric
//     port is flagged only when every serving container declares its ports;
//   - a Service port whose target (named ports resolved through the
//     containers) reaches selected pods that no ingress policy selecting
//     them allows. Policies add up, so a port any of them allows is fine; a
//     rule without ports allows every port.
//
// Policy-side findings are on the policy, Service-side ones on the Service.
// Host-network pods are left out: NetworkPolicies do not apply to them.
type networkpolicyPortMismatch struct{ meta }

var _ Rule = networkpolicyPortMismatch{}

func newNetworkpolicyPortMismatch() Rule {
	return networkpolicyPortMismatch{meta{
		id:          "networkpolicy-port-mismatch",
		description: "A NetworkPolicy port that no selected container or Service exposes, or a Service port that the policies selecting its pods do not allow.",
		remediation: "Make the NetworkPolicy ingress ports match the ports the selected containers declare and their Services target.",
		severity:    Warning,
		approval:    false,
		kind:        StateRule,
	}}
}

func (r networkpolicyPortMismatch) Check(in *Input) []Finding {
	x := indexOf(in)
	var out []Finding
	for _, p := range x.Policies {
		if p.Ingress {
			out = append(out, r.policyPorts(x, p)...)
		}
	}
	for i := range x.Workloads {
		w := &x.Workloads[i]
		if !w.Spec.HostNetwork && len(x.IngressPolicies[w]) > 0 {
			out = append(out, r.servicePorts(x, w)...)
		}
	}
	return out
}

// policyPorts reports the policy's ports that nothing behind it serves.
func (r networkpolicyPortMismatch) policyPorts(x *stateIndex, p *netPolicy) []Finding {
	var pods []*Workload
	var served []containerPort // declared container ports and Service targets
	allDeclare := true
	for _, w := range p.Pods {
		if w.Spec.HostNetwork {
			continue
		}
		pods = append(pods, w)
		ports, all := x.servingPorts(w)
		served = append(served, ports...)
		allDeclare = allDeclare && all
		for _, s := range x.ServicesOf[w] {
			for _, sp := range s.Spec.Ports {
				if t, ok := resolve(targetOf(sp), protocol(sp.Protocol), ports); ok || t.Number != 0 {
					served = append(served, t)
				}
			}
		}
	}
	if len(pods) == 0 {
		return nil
	}
	var out []Finding
	for i, rule := range p.Spec.Ingress {
		for j, pp := range rule.Ports {
			if pp.Port == nil {
				continue // every port of the protocol
			}
			proto := protocol(derefProto(pp.Protocol))
			if servesPort(served, pp, proto) {
				continue
			}
			verb := "exposes"
			if pp.Port.Type == intstr.String {
				verb = "names"
			} else if !allDeclare {
				continue
			}
			src := sourceAt(p.Object, []string{"spec", "ingress", "[" + strconv.Itoa(i) + "]", "ports", "[" + strconv.Itoa(j) + "]"})
			out = append(out, Finding{
				Rule: r.ID(), Object: p.Object.ID, File: src.File, Line: src.Line,
				Message: fmt.Sprintf("%s allows %s, which no container or Service of the pods of %s %s", p.Object.ID, policyPortText(pp, proto), podNames(pods), verb),
			})
		}
	}
	return out
}

// servicePorts reports the ports of Services in front of w that no ingress
// policy selecting w allows.
func (r networkpolicyPortMismatch) servicePorts(x *stateIndex, w *Workload) []Finding {
	policies := x.IngressPolicies[w]
	ports, _ := x.servingPorts(w)
	var out []Finding
	for _, s := range x.ServicesOf[w] {
		for i, sp := range s.Spec.Ports {
			proto := protocol(sp.Protocol)
			t, declared := resolve(targetOf(sp), proto, ports)
			if !declared && t.Number == 0 {
				continue // an unknown named port: service-selector-mismatch says so
			}
			if anyAllows(policies, t, proto) {
				continue
			}
			names := make([]string, 0, len(policies))
			for _, p := range policies {
				names = append(names, p.Object.ID.Namespace+"/"+p.Object.ID.Name)
			}
			sort.Strings(names)
			src := sourceAt(s.Object, []string{"spec", "ports", itemSelector(sp.Name, i)})
			out = append(out, Finding{
				Rule: r.ID(), Object: s.Object.ID, File: src.File, Line: src.Line,
				Message: fmt.Sprintf("%s port %d reaches port %d/%s of the pods of %s, which no NetworkPolicy selecting them allows (%s)",
					s.Object.ID, sp.Port, t.Number, proto, w.Object.ID, strings.Join(names, ", ")),
			})
		}
	}
	return out
}

// servesPort reports whether a policy port matches a served port.
func servesPort(served []containerPort, pp networkingv1.NetworkPolicyPort, proto corev1.Protocol) bool {
	for _, s := range served {
		if s.Protocol == proto && portMatches(pp, s) {
			return true
		}
	}
	return false
}

// anyAllows reports whether one of the policies lets traffic to port t in.
func anyAllows(policies []*netPolicy, t containerPort, proto corev1.Protocol) bool {
	for _, p := range policies {
		for _, rule := range p.Spec.Ingress {
			if len(rule.Ports) == 0 {
				return true
			}
			for _, pp := range rule.Ports {
				if protocol(derefProto(pp.Protocol)) == proto && (pp.Port == nil || portMatches(pp, t)) {
					return true
				}
			}
		}
	}
	return false
}

// portMatches compares a policy port (number, range or name) with a pod port.
func portMatches(pp networkingv1.NetworkPolicyPort, c containerPort) bool {
	if pp.Port.Type == intstr.String {
		return c.Name != "" && c.Name == pp.Port.StrVal
	}
	end := pp.Port.IntVal
	if pp.EndPort != nil && *pp.EndPort > end {
		end = *pp.EndPort
	}
	return c.Number != 0 && c.Number >= pp.Port.IntVal && c.Number <= end
}

func derefProto(p *corev1.Protocol) corev1.Protocol {
	if p == nil {
		return ""
	}
	return *p
}

// policyPortText prints a policy port: `port "http"/TCP`, "port 80/TCP",
// "ports 8000-8100/TCP".
func policyPortText(pp networkingv1.NetworkPolicyPort, proto corev1.Protocol) string {
	if pp.Port.Type == intstr.String {
		return fmt.Sprintf("port %q/%s", pp.Port.StrVal, proto)
	}
	if pp.EndPort != nil && *pp.EndPort > pp.Port.IntVal {
		return fmt.Sprintf("ports %d-%d/%s", pp.Port.IntVal, *pp.EndPort, proto)
	}
	return fmt.Sprintf("port %d/%s", pp.Port.IntVal, proto)
}
