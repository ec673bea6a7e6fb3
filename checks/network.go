package checks

import (
	"runtime"
	"sync"
	"weak"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kustoguard/kustoguard/render"
)

// stateIndex is one render decoded and joined once for all state rules:
// workloads, NetworkPolicies and Services, grouped by namespace, with the
// selector joins between them. It is read-only once built.
type stateIndex struct {
	Workloads []Workload
	// Containers lists the containers of each workload (aligned with
	// Workloads), their paths built once.
	Containers [][]podContainer
	ports      map[*Workload]podPorts
	Policies   []*netPolicy // in object order
	Services   []*service   // in object order
	NS         map[string]*nsIndex
	// IngressPolicies lists, per workload, the policies with ingress rules
	// that select its pods.
	IngressPolicies map[*Workload][]*netPolicy
	// ServicesOf lists, per workload, the Services selecting its pods.
	ServicesOf map[*Workload][]*service
}

// nsIndex is a namespace of the render. The empty namespace (objects the
// overlay leaves to the apply-time default) is a namespace of its own.
type nsIndex struct {
	Workloads []*Workload
	// byLabel lists workloads by pod template label "key\x00value", so that
	// selectors are joined without comparing every pair.
	byLabel map[string][]*Workload
}

// netPolicy is a decoded NetworkPolicy with the workloads it selects.
type netPolicy struct {
	Object *render.Object
	Spec   networkingv1.NetworkPolicySpec
	// Ingress is true when the policy restricts ingress: policyTypes lists
	// Ingress, or policyTypes is empty (Kubernetes then implies Ingress).
	Ingress bool
	Pods    []*Workload
}

// service is a decoded Service with the workloads its selector matches.
type service struct {
	Object      *render.Object
	Spec        corev1.ServiceSpec
	Annotations map[string]string
	Pods        []*Workload
}

// indexCache memoizes the index of a render so that the state rules of a
// Run, each called with its own copy of the Input, decode it once. Runs
// hand every rule the same Objects slice, so the key is the slice's first
// element and length. Keys and values are weak: an index lives as long as
// a rule uses it (and until the next collection after that), and never
// keeps a finished review's objects alive; a cleanup drops its entry.
var indexCache = struct {
	sync.Mutex
	m map[indexKey]weak.Pointer[stateIndex]
}{m: map[indexKey]weak.Pointer[stateIndex]{}}

type indexKey struct {
	first weak.Pointer[render.Object]
	n     int
}

// indexOf returns the index of in.Objects, building it on first use.
func indexOf(in *Input) *stateIndex {
	if len(in.Objects) == 0 {
		return buildIndex(nil)
	}
	key := indexKey{weak.Make(&in.Objects[0]), len(in.Objects)}
	indexCache.Lock()
	wp, ok := indexCache.m[key]
	indexCache.Unlock()
	if ok {
		if idx := wp.Value(); idx != nil {
			return idx
		}
	}
	idx := buildIndex(in.Objects)
	indexCache.Lock()
	indexCache.m[key] = weak.Make(idx)
	indexCache.Unlock()
	runtime.AddCleanup(idx, func(k indexKey) {
		indexCache.Lock()
		if cur, ok := indexCache.m[k]; ok && cur.Value() == nil {
			delete(indexCache.m, k)
		}
		indexCache.Unlock()
	}, key)
	return idx
}

// buildIndex decodes and joins objs. Objects that do not decode are left out.
func buildIndex(objs []render.Object) *stateIndex {
	x := &stateIndex{
		Workloads:       Workloads(objs),
		NS:              map[string]*nsIndex{},
		IngressPolicies: map[*Workload][]*netPolicy{},
		ServicesOf:      map[*Workload][]*service{},
		ports:           map[*Workload]podPorts{},
	}
	x.Containers = make([][]podContainer, len(x.Workloads))
	for i := range x.Workloads {
		w := &x.Workloads[i]
		x.Containers[i] = containersOf(w)
		x.ports[w] = servingPorts(x.Containers[i])
		ns := x.namespace(w.Object.ID.Namespace)
		ns.Workloads = append(ns.Workloads, w)
		for k, v := range w.Labels {
			ns.byLabel[k+"\x00"+v] = append(ns.byLabel[k+"\x00"+v], w)
		}
	}
	for i := range objs {
		o := &objs[i]
		switch {
		case o.ID.Kind == "NetworkPolicy" && o.ID.Group() == "networking.k8s.io":
			if p, ok := decodePolicy(o); ok {
				p.Pods = x.selectPods(o.ID.Namespace, p.Spec.PodSelector.MatchLabels, func(l map[string]string) bool {
					return labelSelectorMatches(&p.Spec.PodSelector, l)
				})
				if p.Ingress {
					for _, w := range p.Pods {
						x.IngressPolicies[w] = append(x.IngressPolicies[w], p)
					}
				}
				x.Policies = append(x.Policies, p)
			}
		case o.ID.Kind == "Service" && o.ID.Group() == "":
			svc, ok := decodeService(o)
			if !ok {
				continue
			}
			if svc.Spec.Type != corev1.ServiceTypeExternalName && len(svc.Spec.Selector) > 0 {
				svc.Pods = x.selectPods(o.ID.Namespace, svc.Spec.Selector, func(l map[string]string) bool {
					return subset(svc.Spec.Selector, l)
				})
				for _, w := range svc.Pods {
					x.ServicesOf[w] = append(x.ServicesOf[w], svc)
				}
			}
			x.Services = append(x.Services, svc)
		}
	}
	return x
}

func (x *stateIndex) namespace(name string) *nsIndex {
	ns, ok := x.NS[name]
	if !ok {
		ns = &nsIndex{byLabel: map[string][]*Workload{}}
		x.NS[name] = ns
	}
	return ns
}

// selectPods returns the workloads of namespace ns whose pod labels match.
// required (a selector's exact labels) narrows the candidates to the
// smallest list sharing one of its labels.
func (x *stateIndex) selectPods(ns string, required map[string]string, match func(map[string]string) bool) []*Workload {
	nsx, ok := x.NS[ns]
	if !ok {
		return nil
	}
	candidates := nsx.Workloads
	for k, v := range required {
		if l := nsx.byLabel[k+"\x00"+v]; len(l) < len(candidates) {
			candidates = l
		}
	}
	var out []*Workload
	for _, w := range candidates {
		if match(w.Labels) {
			out = append(out, w)
		}
	}
	return out
}

// subset reports whether every label of sel is in labels.
func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// labelSelectorMatches evaluates a label selector as the API server does; an
// empty selector matches everything, an unknown operator nothing.
func labelSelectorMatches(sel *metav1.LabelSelector, labels map[string]string) bool {
	if !subset(sel.MatchLabels, labels) {
		return false
	}
	for _, r := range sel.MatchExpressions {
		v, has := labels[r.Key]
		switch r.Operator {
		case metav1.LabelSelectorOpIn:
			if !has || !hasString(r.Values, v) {
				return false
			}
		case metav1.LabelSelectorOpNotIn:
			if has && hasString(r.Values, v) {
				return false
			}
		case metav1.LabelSelectorOpExists:
			if !has {
				return false
			}
		case metav1.LabelSelectorOpDoesNotExist:
			if has {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// protocol defaults an empty protocol to TCP, as the API server does.
func protocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// containerPort is a port a serving container of a workload declares.
type containerPort struct {
	Container string
	Name      string
	Number    int32
	Protocol  corev1.Protocol
}

// podPorts are the ports declared by the containers that serve for the
// pod's lifetime (app containers and sidecars), and whether every such
// container declares at least one port.
type podPorts struct {
	Ports      []containerPort
	AllDeclare bool
}

func servingPorts(containers []podContainer) podPorts {
	pp := podPorts{AllDeclare: true}
	for _, c := range containers {
		if !c.runsForPodLifetime() {
			continue
		}
		if len(c.C.Ports) == 0 {
			pp.AllDeclare = false
		}
		for _, p := range c.C.Ports {
			pp.Ports = append(pp.Ports, containerPort{Container: c.C.Name, Name: p.Name, Number: p.ContainerPort, Protocol: protocol(p.Protocol)})
		}
	}
	return pp
}

// servingPorts returns the workload's serving ports (see podPorts).
func (x *stateIndex) servingPorts(w *Workload) ([]containerPort, bool) {
	pp := x.ports[w]
	return pp.Ports, pp.AllDeclare
}

// targetOf is the port a Service port sends traffic to: targetPort, which
// defaults to port.
func targetOf(p corev1.ServicePort) intstr.IntOrString {
	t := p.TargetPort
	if t.Type == intstr.Int && t.IntVal == 0 || t.Type == intstr.String && t.StrVal == "" {
		return intstr.FromInt32(p.Port)
	}
	return t
}

// resolve finds the pod port a target names among ports; a numeric target
// resolves even when undeclared (Kubernetes allows that), ok tells whether
// a declared port matched.
func resolve(target intstr.IntOrString, proto corev1.Protocol, ports []containerPort) (containerPort, bool) {
	for _, p := range ports {
		if p.Protocol != proto {
			continue
		}
		if target.Type == intstr.String && p.Name == target.StrVal || target.Type == intstr.Int && p.Number == target.IntVal {
			return p, true
		}
	}
	if target.Type == intstr.Int {
		return containerPort{Number: target.IntVal, Protocol: proto}, false
	}
	return containerPort{}, false
}
