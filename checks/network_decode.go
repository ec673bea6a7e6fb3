package checks

import (
	"encoding/json"
	"math"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kustoguard/kustoguard/render"
)

// The state rules read a handful of fields of every Service and
// NetworkPolicy; reading them straight from the rendered map costs a tenth
// of a JSON round trip through the typed structs. A field of the wrong type
// makes the object undecodable, as it would for json.Unmarshal: the rules
// then leave it out.

// decodeService reads the fields of a Service the state rules use.
func decodeService(o *render.Object) (*service, bool) {
	d := fieldReader{ok: true}
	svc := &service{Object: o}
	if meta, _ := d.mapAt(o.Fields, "metadata"); meta != nil {
		svc.Annotations = d.stringMap(meta["annotations"])
	}
	spec, _ := d.mapAt(o.Fields, "spec")
	svc.Spec.Type = corev1.ServiceType(d.str(spec["type"]))
	svc.Spec.Selector = d.stringMap(spec["selector"])
	svc.Spec.LoadBalancerSourceRanges = d.strings(spec["loadBalancerSourceRanges"])
	svc.Spec.LoadBalancerIP = d.str(spec["loadBalancerIP"])
	for _, item := range d.list(spec["ports"]) {
		m := d.obj(item)
		svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{
			Name:       d.str(m["name"]),
			Protocol:   corev1.Protocol(d.str(m["protocol"])),
			Port:       d.int32(m["port"]),
			TargetPort: d.intOrString(m["targetPort"]),
		})
	}
	return svc, d.ok
}

// decodePolicy reads the fields of a NetworkPolicy the state rules use.
func decodePolicy(o *render.Object) (*netPolicy, bool) {
	d := fieldReader{ok: true}
	spec, _ := d.mapAt(o.Fields, "spec")
	p := &netPolicy{Object: o}
	sel := d.obj(spec["podSelector"])
	p.Spec.PodSelector.MatchLabels = d.stringMap(sel["matchLabels"])
	for _, item := range d.list(sel["matchExpressions"]) {
		m := d.obj(item)
		p.Spec.PodSelector.MatchExpressions = append(p.Spec.PodSelector.MatchExpressions, metav1.LabelSelectorRequirement{
			Key:      d.str(m["key"]),
			Operator: metav1.LabelSelectorOperator(d.str(m["operator"])),
			Values:   d.strings(m["values"]),
		})
	}
	for _, t := range d.strings(spec["policyTypes"]) {
		p.Spec.PolicyTypes = append(p.Spec.PolicyTypes, networkingv1.PolicyType(t))
	}
	for _, item := range d.list(spec["ingress"]) {
		var rule networkingv1.NetworkPolicyIngressRule
		for _, pi := range d.list(d.obj(item)["ports"]) {
			m := d.obj(pi)
			var pp networkingv1.NetworkPolicyPort
			if v, ok := m["protocol"]; ok && v != nil {
				proto := corev1.Protocol(d.str(v))
				pp.Protocol = &proto
			}
			if v, ok := m["port"]; ok && v != nil {
				port := d.intOrString(v)
				pp.Port = &port
			}
			if v, ok := m["endPort"]; ok && v != nil {
				end := d.int32(v)
				pp.EndPort = &end
			}
			rule.Ports = append(rule.Ports, pp)
		}
		p.Spec.Ingress = append(p.Spec.Ingress, rule)
	}
	p.Ingress = len(p.Spec.PolicyTypes) == 0
	for _, t := range p.Spec.PolicyTypes {
		if t == networkingv1.PolicyTypeIngress {
			p.Ingress = true
		}
	}
	return p, d.ok
}

// fieldReader reads JSON-shaped values (as a YAML or JSON decoder builds
// them); the first value of the wrong type clears ok. Absent (nil) values
// read as zero values.
type fieldReader struct{ ok bool }

func (d *fieldReader) mapAt(m map[string]any, key string) (map[string]any, bool) {
	v := d.obj(m[key])
	return v, v != nil
}

func (d *fieldReader) obj(v any) map[string]any {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	d.ok = d.ok && ok
	return m
}

func (d *fieldReader) list(v any) []any {
	if v == nil {
		return nil
	}
	l, ok := v.([]any)
	d.ok = d.ok && ok
	return l
}

func (d *fieldReader) str(v any) string {
	if v == nil {
		return ""
	}
	s, ok := v.(string)
	d.ok = d.ok && ok
	return s
}

func (d *fieldReader) strings(v any) []string {
	var out []string
	for _, item := range d.list(v) {
		out = append(out, d.str(item))
	}
	return out
}

func (d *fieldReader) stringMap(v any) map[string]string {
	m := d.obj(v)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, val := range m {
		out[k] = d.str(val)
	}
	return out
}

// int32 reads a whole number of any numeric type a decoder produces.
func (d *fieldReader) int32(v any) int32 {
	var f float64
	switch n := v.(type) {
	case nil:
		return 0
	case float64:
		f = n
	case float32:
		f = float64(n)
	case int:
		f = float64(n)
	case int32:
		return n
	case int64:
		f = float64(n)
	case uint64:
		f = float64(n)
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			d.ok = false
			return 0
		}
		f = float64(i)
	default:
		d.ok = false
		return 0
	}
	if f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		d.ok = false
		return 0
	}
	return int32(f)
}

func (d *fieldReader) intOrString(v any) intstr.IntOrString {
	switch s := v.(type) {
	case nil:
		return intstr.IntOrString{}
	case string:
		return intstr.FromString(s)
	}
	return intstr.FromInt32(d.int32(v))
}
