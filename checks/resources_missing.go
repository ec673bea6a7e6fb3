package checks

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// resourcesMissing flags containers the scheduler cannot place soundly:
// without cpu and memory requests, or without a memory limit (a leak then
// takes the node's memory instead of restarting the container). A request
// left out next to a limit counts as set, because the API server defaults
// the request to the limit. App containers and sidecars are judged, in
// every workload kind; init containers that run to completion are exempt
// (they finish before the app starts and only raise the pod's request).
type resourcesMissing struct{ meta }

var _ Rule = resourcesMissing{}

func newResourcesMissing() Rule {
	return resourcesMissing{meta{
		id:          "resources-missing",
		description: "A container or sidecar without cpu and memory requests, or without a memory limit.",
		remediation: "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on the container.",
		severity:    Error,
		approval:    false,
		kind:        StateRule,
	}}
}

func (r resourcesMissing) Check(in *Input) []Finding {
	var out []Finding
	x := indexOf(in)
	for i := range x.Workloads {
		for _, c := range x.Containers[i] {
			if !c.runsForPodLifetime() {
				continue
			}
			res := c.C.Resources
			var missing []string
			if !requested(res, corev1.ResourceCPU) {
				missing = append(missing, "cpu request")
			}
			if !requested(res, corev1.ResourceMemory) {
				missing = append(missing, "memory request")
			}
			if _, ok := res.Limits[corev1.ResourceMemory]; !ok {
				missing = append(missing, "memory limit")
			}
			if len(missing) == 0 {
				continue
			}
			file, line := c.source("resources")
			out = append(out, Finding{
				Rule: r.ID(), Object: c.W.Object.ID, File: file, Line: line,
				Message: fmt.Sprintf("%s has no %s", c.describe(), joinAnd(missing)),
			})
		}
	}
	return out
}

// requested reports whether the container requests name, explicitly or
// through a limit the request defaults to.
func requested(res corev1.ResourceRequirements, name corev1.ResourceName) bool {
	if _, ok := res.Requests[name]; ok {
		return true
	}
	_, ok := res.Limits[name]
	return ok
}

// joinAnd joins "a", "b", "c" as "a, b and c".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
