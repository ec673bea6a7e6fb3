package checks

import "fmt"

// networkpolicyMissing flags workloads whose pods accept traffic from
// anywhere: no NetworkPolicy of the overlay, in their namespace, selects
// them for ingress. A policy counts when policyTypes includes Ingress (or
// is empty, which implies Ingress); an egress-only policy leaves ingress
// open and does not count. Pods on the host network are exempt, since
// NetworkPolicies do not apply to them.
type networkpolicyMissing struct{ meta }

var _ Rule = networkpolicyMissing{}

func newNetworkpolicyMissing() Rule {
	return networkpolicyMissing{meta{
		id:          "networkpolicy-missing",
		description: "A workload whose pods no NetworkPolicy of the overlay selects for ingress.",
		remediation: "Add a NetworkPolicy in the workload's namespace whose podSelector matches its pod labels and allows only the ingress it needs.",
		severity:    Warning,
		approval:    false,
		kind:        StateRule,
	}}
}

func (r networkpolicyMissing) Check(in *Input) []Finding {
	var out []Finding
	x := indexOf(in)
	for i := range x.Workloads {
		w := &x.Workloads[i]
		if w.Spec.HostNetwork || len(x.IngressPolicies[w]) > 0 {
			continue
		}
		msg := fmt.Sprintf("no NetworkPolicy in namespace %s selects the pods of %s for ingress", w.Object.ID.Namespace, w.Object.ID)
		if w.Object.ID.Namespace == "" {
			// Neither sets a namespace: both land in the one they are applied to.
			msg = fmt.Sprintf("no NetworkPolicy selects the pods of %s for ingress in the namespace it is applied to", w.Object.ID)
		}
		out = append(out, podTemplateFinding(r.ID(), w, msg, podLabelsPath(w)...))
	}
	return out
}

// podLabelsPath is the SourceOf path of a workload's pod template labels.
func podLabelsPath(w *Workload) []string {
	p := append([]string{}, w.TemplatePath[:len(w.TemplatePath)-1]...)
	return append(p, "metadata", "labels")
}
