package checks

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// readinessProbeMissing flags long-running containers without a readiness
// probe: until one passes, a Service would send traffic to a pod that cannot
// serve it yet. Sidecars (init containers with restartPolicy: Always) are
// judged too: the kubelet probes them and counts their readiness in the
// pod's Ready condition. Init containers that run to completion cannot have
// probes and are exempt, as are Jobs, CronJobs and bare Pods that are not
// restarted (restartPolicy Never or OnFailure: they run to completion too).
type readinessProbeMissing struct{ meta }

var _ Rule = readinessProbeMissing{}

func newReadinessProbeMissing() Rule {
	return readinessProbeMissing{meta{
		id:          "readiness-probe-missing",
		description: "A container of a long-running workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Pod) or a sidecar without a readinessProbe.",
		remediation: "Add a readinessProbe that passes only once the container can serve traffic.",
		severity:    Error,
		approval:    false,
		kind:        StateRule,
	}}
}

func (r readinessProbeMissing) Check(in *Input) []Finding {
	return probeFindings(in, r.ID(), "readinessProbe", func(c podContainer) bool { return c.C.ReadinessProbe != nil })
}

// probeFindings reports the long-running containers and sidecars for which
// has is false.
func probeFindings(in *Input, rule, field string, has func(podContainer) bool) []Finding {
	var out []Finding
	x := indexOf(in)
	for i := range x.Workloads {
		w := &x.Workloads[i]
		if !longRunning(w) {
			continue
		}
		for _, c := range x.Containers[i] {
			if !c.runsForPodLifetime() || has(c) {
				continue
			}
			file, line := c.source()
			out = append(out, Finding{
				Rule: rule, Object: w.Object.ID, File: file, Line: line,
				Message: fmt.Sprintf("%s has no %s", c.describe(), field),
			})
		}
	}
	return out
}

// longRunning reports whether the workload's pods serve until replaced: not
// a Job or CronJob, nor a bare Pod that is not restarted when it exits.
func longRunning(w *Workload) bool {
	if w.Object.ID.Kind == "Pod" && w.Spec.RestartPolicy != "" && w.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		return false
	}
	return w.LongRunning
}
