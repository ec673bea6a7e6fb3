package checks

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"

	"github.com/kustoguard/kustoguard/render"
)

// Workload is an object that runs pods, with its pod template decoded.
type Workload struct {
	Object *render.Object
	// TemplatePath is the path of the pod template's spec within the object
	// (SourceOf syntax), e.g. spec.template.spec for a Deployment.
	TemplatePath []string
	// Labels are the pod template's labels.
	Labels map[string]string
	Spec   corev1.PodSpec
	// LongRunning is true for kinds whose pods should serve until replaced
	// (Deployment, StatefulSet, DaemonSet, ReplicaSet, bare Pod), false for
	// Jobs and CronJobs, which probes do not apply to.
	LongRunning bool
}

// workloadKinds maps a workload kind to where its pod template lives.
var workloadKinds = map[string]struct {
	template    []string
	longRunning bool
}{
	"Deployment":            {[]string{"spec", "template"}, true},
	"StatefulSet":           {[]string{"spec", "template"}, true},
	"DaemonSet":             {[]string{"spec", "template"}, true},
	"ReplicaSet":            {[]string{"spec", "template"}, true},
	"ReplicationController": {[]string{"spec", "template"}, true},
	"Job":                   {[]string{"spec", "template"}, false},
	"CronJob":               {[]string{"spec", "jobTemplate", "spec", "template"}, false},
}

// WorkloadOf decodes o's pod template; ok is false when o runs no pods or
// its template does not decode.
func WorkloadOf(o *render.Object) (w Workload, ok bool) {
	var tmplPath []string
	longRunning := true
	if o.ID.Kind == "Pod" && o.ID.Group() == "" {
		tmplPath = nil
	} else if k, known := workloadKinds[o.ID.Kind]; known && (o.ID.Group() == "apps" || o.ID.Group() == "batch" || o.ID.Group() == "") {
		tmplPath, longRunning = k.template, k.longRunning
	} else {
		return Workload{}, false
	}
	tmpl := any(o.Fields)
	if tmplPath != nil {
		v, found := o.Get(tmplPath...)
		if !found {
			return Workload{}, false
		}
		tmpl = v
	}
	b, err := json.Marshal(tmpl)
	if err != nil {
		return Workload{}, false
	}
	var pt struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec corev1.PodSpec `json:"spec"`
	}
	if err := json.Unmarshal(b, &pt); err != nil {
		return Workload{}, false
	}
	return Workload{
		Object:       o,
		TemplatePath: append(append([]string{}, tmplPath...), "spec"),
		Labels:       pt.Metadata.Labels,
		Spec:         pt.Spec,
		LongRunning:  longRunning,
	}, true
}

// Workloads returns the workloads among objs, in order.
func Workloads(objs []render.Object) []Workload {
	var out []Workload
	for i := range objs {
		if w, ok := WorkloadOf(&objs[i]); ok {
			out = append(out, w)
		}
	}
	return out
}

// ContainerPath is the SourceOf path of a container (or init container)
// named name within the workload's pod spec.
func (w Workload) ContainerPath(init bool, name string, rest ...string) []string {
	field := "containers"
	if init {
		field = "initContainers"
	}
	p := append(append([]string{}, w.TemplatePath...), field, "[name="+name+"]")
	return append(p, rest...)
}

// workloadCache holds decoded workloads per object and per object set, so
// that every rule of a Run shares one decoding of each object instead of a
// JSON round trip per rule.
type workloadCache struct {
	objs map[*render.Object]*Workload // nil value: not a workload
	sets map[workloadSetKey][]Workload
	// rbac is the RBAC analysis of the Input's base and head, built once
	// for both RBAC rules.
	rbac *rbacAnalysis
}

type workloadSetKey struct {
	first *render.Object
	n     int
}

func newWorkloadCache() *workloadCache {
	return &workloadCache{objs: map[*render.Object]*Workload{}, sets: map[workloadSetKey][]Workload{}}
}

// workloadOf returns WorkloadOf(o), decoded once per Input cache; nil when
// o runs no pods.
func (in *Input) workloadOf(o *render.Object) *Workload {
	if o == nil {
		return nil
	}
	if in.cache == nil {
		in.cache = newWorkloadCache()
	}
	if w, ok := in.cache.objs[o]; ok {
		return w
	}
	var wp *Workload
	if w, ok := WorkloadOf(o); ok {
		wp = &w
	}
	in.cache.objs[o] = wp
	return wp
}

// workloadsIn returns Workloads(objs), decoded once per Input cache.
func (in *Input) workloadsIn(objs []render.Object) []Workload {
	if len(objs) == 0 {
		return nil
	}
	if in.cache == nil {
		in.cache = newWorkloadCache()
	}
	k := workloadSetKey{&objs[0], len(objs)}
	if w, ok := in.cache.sets[k]; ok {
		return w
	}
	var ws []Workload
	for i := range objs {
		if w := in.workloadOf(&objs[i]); w != nil {
			ws = append(ws, *w)
		}
	}
	in.cache.sets[k] = ws
	return ws
}

// workloads returns the workloads of in.Objects, the render a StateRule judges.
func (in *Input) workloads() []Workload { return in.workloadsIn(in.Objects) }
