package checks

// livenessProbeMissing flags long-running containers without a liveness
// probe, so that a hung process is never restarted. Sidecars are judged
// too (the kubelet restarts a sidecar whose liveness probe fails); init
// containers that run to completion, Jobs, CronJobs and bare Pods that are
// not restarted are exempt.
type livenessProbeMissing struct{ meta }

var _ Rule = livenessProbeMissing{}

func newLivenessProbeMissing() Rule {
	return livenessProbeMissing{meta{
		id:          "liveness-probe-missing",
		description: "A container of a long-running workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Pod) or a sidecar without a livenessProbe.",
		remediation: "Add a livenessProbe that fails only when the container is stuck and needs a restart.",
		severity:    Error,
		approval:    false,
		kind:        StateRule,
	}}
}

func (r livenessProbeMissing) Check(in *Input) []Finding {
	return probeFindings(in, r.ID(), "livenessProbe", func(c podContainer) bool { return c.C.LivenessProbe != nil })
}
