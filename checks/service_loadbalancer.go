package checks

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// sourceRangesAnnotation is the annotation Kubernetes honours in place of
// spec.loadBalancerSourceRanges.
const sourceRangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges"

// serviceLoadBalancer flags Services of type LoadBalancer, which expose
// pods outside the cluster. One finding per Service, at spec.type, whose
// message adds that no source ranges restrict it and that it sets the
// deprecated loadBalancerIP, when so. Scope (only added or changed
// Services) is the runner's, as for every state rule.
type serviceLoadBalancer struct{ meta }

var _ Rule = serviceLoadBalancer{}

func newServiceLoadBalancer() Rule {
	return serviceLoadBalancer{meta{
		id:          "service-loadbalancer",
		description: "A Service of type LoadBalancer, flagged further without loadBalancerSourceRanges or with the deprecated loadBalancerIP.",
		remediation: "Prefer an Ingress or Gateway, or restrict the Service with loadBalancerSourceRanges and set its address through the provider's annotation instead of loadBalancerIP.",
		severity:    Warning,
		approval:    false,
		kind:        StateRule,
	}}
}

func (r serviceLoadBalancer) Check(in *Input) []Finding {
	var out []Finding
	for _, s := range indexOf(in).Services {
		if s.Spec.Type != corev1.ServiceTypeLoadBalancer {
			continue
		}
		msg := []string{s.Object.ID.String() + " is of type LoadBalancer and reachable from outside the cluster"}
		if len(s.Spec.LoadBalancerSourceRanges) == 0 && strings.TrimSpace(s.Annotations[sourceRangesAnnotation]) == "" {
			msg = append(msg, "no loadBalancerSourceRanges restrict it, so any address can connect")
		}
		if s.Spec.LoadBalancerIP != "" {
			msg = append(msg, "it sets the deprecated loadBalancerIP")
		}
		src := sourceAt(s.Object, []string{"spec", "type"})
		out = append(out, Finding{Rule: r.ID(), Object: s.Object.ID, File: src.File, Line: src.Line, Message: strings.Join(msg, "; ")})
	}
	return out
}
