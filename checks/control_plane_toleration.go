package checks

import (
	"reflect"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/kustoguard/kustoguard/render"
)

// controlPlaneToleration flags pod templates, added or with changed
// tolerations, that may schedule onto control-plane nodes: a toleration of
// node-role.kubernetes.io/control-plane or /master (any operator and
// effect), or of every taint (operator Exists with no key). With
// selfManagedControlPlane false only tolerations of every taint are
// flagged, since managed clusters have no control-plane nodes to land on.
type controlPlaneToleration struct{ meta }

var _ Rule = (*controlPlaneToleration)(nil)

func newControlPlaneToleration() Rule {
	return &controlPlaneToleration{meta{
		id:          "control-plane-toleration",
		description: "A pod template tolerating node-role.kubernetes.io/control-plane or /master, or every taint.",
		remediation: "Remove the toleration, or tolerate only the specific taints of the nodes the pods must run on.",
		severity:    Error,
		approval:    true,
		kind:        ChangeRule,
	}}
}

var controlPlaneTaints = map[string]bool{
	"node-role.kubernetes.io/control-plane": true,
	"node-role.kubernetes.io/master":        true,
}

func (r *controlPlaneToleration) Check(in *Input) []Finding {
	selfManaged := in.Config == nil || in.Config.SelfManagedControlPlane
	var out []Finding
	for _, c := range in.Changes {
		if c.Type != render.Added && c.Type != render.Modified {
			continue
		}
		head := in.workloadOf(c.Head)
		if head == nil {
			continue
		}
		var before []corev1.Toleration
		if base := in.workloadOf(c.Base); base != nil {
			before = base.Spec.Tolerations
		}
		for i, t := range head.Spec.Tolerations {
			what := tolerated(t, selfManaged)
			if what == "" || hasToleration(before, t) {
				continue
			}
			path := append(append([]string{}, head.TemplatePath...), "tolerations", "["+strconv.Itoa(i)+"]")
			out = append(out, r.at(c.ID, head.Object.SourceOf(path...), c.ID.String()+" tolerates "+what))
		}
	}
	return out
}

// tolerated says what dangerous taint t tolerates, "" when none.
func tolerated(t corev1.Toleration, selfManaged bool) string {
	effect := ""
	if t.Effect != "" {
		effect = " with effect " + string(t.Effect)
	}
	if t.Key == "" && t.Operator == corev1.TolerationOpExists {
		return "every taint" + effect + " (operator Exists with no key)"
	}
	if selfManaged && controlPlaneTaints[t.Key] {
		op := t.Operator
		if op == "" {
			op = corev1.TolerationOpEqual
		}
		return "the control-plane taint " + t.Key + effect + " (operator " + string(op) + ")"
	}
	return ""
}

func hasToleration(list []corev1.Toleration, t corev1.Toleration) bool {
	for _, x := range list {
		if reflect.DeepEqual(x, t) {
			return true
		}
	}
	return false
}
