package checks

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/kustoguard/kustoguard/render"
)

// stateRules is the state rules in the order the README lists them.
func stateRules() []Rule {
	return []Rule{
		newReadinessProbeMissing(),
		newLivenessProbeMissing(),
		newResourcesMissing(),
		newCPULimitMissing(),
		newImageRegistryUntrusted(),
		newImageTagMutable(),
		newNetworkpolicyMissing(),
		newNetworkpolicyPortMismatch(),
		newServiceLoadBalancer(),
		newServiceSelectorMismatch(),
	}
}

// containerRole is how a container runs within its pod.
type containerRole int

const (
	roleApp       containerRole = iota // spec.containers
	roleSidecar                        // an init container with restartPolicy: Always
	roleInit                           // an init container that runs to completion
	roleEphemeral                      // a debugging container
)

// noun is how messages name a container of the role.
func (r containerRole) noun() string {
	switch r {
	case roleSidecar:
		return "sidecar container"
	case roleInit:
		return "init container"
	case roleEphemeral:
		return "ephemeral container"
	}
	return "container"
}

// podContainer is one container of a workload's pod template. Ephemeral
// containers carry only the fields they share with the others.
type podContainer struct {
	W    *Workload
	Role containerRole
	C    *corev1.Container
	// Path is the container's SourceOf path.
	Path []string
}

// source returns where to edit the container, or a field of it.
func (c podContainer) source(rest ...string) (string, int) {
	// The container itself exists: only the field may be missing.
	path := c.Path
	if len(rest) > 0 {
		full := append(append([]string{}, c.Path...), rest...)
		if _, ok := c.W.Object.Get(full...); ok {
			path = full
		}
	}
	s := c.W.Object.SourceOf(path...)
	return s.File, s.Line
}

// sourceAt is SourceOf for the deepest part of path the object has: a
// finding about a missing field points at the field that should hold it.
func sourceAt(o *render.Object, path []string) render.Source {
	for n := len(path); n > 0; n-- {
		if _, ok := o.Get(path[:n]...); ok {
			return o.SourceOf(path[:n]...)
		}
	}
	return o.Source
}

// describe names the container in messages: `container "api" of Deployment prod/api`.
func (c podContainer) describe() string {
	return fmt.Sprintf("%s %q of %s", c.Role.noun(), c.C.Name, c.W.Object.ID)
}

// runsForPodLifetime reports whether the container serves as long as the
// pod does: app containers and sidecars.
func (c podContainer) runsForPodLifetime() bool {
	return c.Role == roleApp || c.Role == roleSidecar
}

// containersOf lists a workload's containers: app containers, then init
// containers (sidecars among them), then ephemeral ones.
func containersOf(w *Workload) []podContainer {
	out := make([]podContainer, 0, len(w.Spec.Containers)+len(w.Spec.InitContainers))
	for i := range w.Spec.Containers {
		c := &w.Spec.Containers[i]
		out = append(out, podContainer{W: w, Role: roleApp, C: c, Path: w.ContainerPath(false, c.Name)})
	}
	for i := range w.Spec.InitContainers {
		c := &w.Spec.InitContainers[i]
		role := roleInit
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			role = roleSidecar
		}
		out = append(out, podContainer{W: w, Role: role, C: c, Path: w.ContainerPath(true, c.Name)})
	}
	for i := range w.Spec.EphemeralContainers {
		e := &w.Spec.EphemeralContainers[i]
		c := corev1.Container{Name: e.Name, Image: e.Image, Ports: e.Ports}
		path := append(append([]string{}, w.TemplatePath...), "ephemeralContainers", "[name="+e.Name+"]")
		out = append(out, podContainer{W: w, Role: roleEphemeral, C: &c, Path: path})
	}
	return out
}

// podTemplateFinding is a finding on a workload located at a field of its
// pod template.
func podTemplateFinding(rule string, w *Workload, msg string, path ...string) Finding {
	s := sourceAt(w.Object, path)
	return Finding{Rule: rule, Object: w.Object.ID, File: s.File, Line: s.Line, Message: msg}
}
