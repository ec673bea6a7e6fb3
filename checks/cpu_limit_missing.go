package checks

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// cpuLimitMissing flags containers without a cpu limit, which may then use
// every idle core of the node. It judges the containers resources-missing
// judges: app containers and sidecars of every workload kind.
type cpuLimitMissing struct{ meta }

var _ Rule = cpuLimitMissing{}

func newCPULimitMissing() Rule {
	return cpuLimitMissing{meta{
		id:          "cpu-limit-missing",
		description: "A container or sidecar without a cpu limit.",
		remediation: "Set resources.limits.cpu on the container.",
		severity:    Warning,
		approval:    false,
		kind:        StateRule,
	}}
}

func (r cpuLimitMissing) Check(in *Input) []Finding {
	var out []Finding
	x := indexOf(in)
	for i := range x.Workloads {
		for _, c := range x.Containers[i] {
			if !c.runsForPodLifetime() {
				continue
			}
			if _, ok := c.C.Resources.Limits[corev1.ResourceCPU]; ok {
				continue
			}
			file, line := c.source("resources")
			out = append(out, Finding{
				Rule: r.ID(), Object: c.W.Object.ID, File: file, Line: line,
				Message: fmt.Sprintf("%s has no cpu limit", c.describe()),
			})
		}
	}
	return out
}
