package checks

// livenessProbeMissing flags long-running containers without a liveness
// probe, so that a hung process is never restarted. Sidecars are judged
// too (the kubelet restarts a sidecar whose liveness probe fails); init
// containers that run to completion, Jobs, CronJobs and bare Pods that are
// not restarted are exempt.
type livenessProbeMissing struct{}

var _ Rule = livenessProbeMissing{}

func (livenessProbeMissing) ID() string { return "liveness-probe-missing" }
func (livenessProbeMissing) Description() string {
	return "A container of a long-running workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Pod) or a sidecar without a livenessProbe."
}
func (livenessProbeMissing) Remediation() string {
	return "Add a livenessProbe that fails only when the container is stuck and needs a restart."
}
func (livenessProbeMissing) Severity() Severity  { return Error }
func (livenessProbeMissing) NeedsApproval() bool { return false }
func (livenessProbeMissing) Kind() Kind          { return StateRule }

func (r livenessProbeMissing) Check(in *Input) []Finding {
	return probeFindings(in, r.ID(), "livenessProbe", func(c podContainer) bool { return c.C.LivenessProbe != nil })
}
