package checks

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kustoguard/kustoguard/render"
)

// TestDecodeServiceMatchesJSON compares the direct decoder with a JSON
// round trip through corev1.Service, for the fields the rules read.
func TestDecodeServiceMatchesJSON(t *testing.T) {
	objs := parseObjects(t, `apiVersion: v1
kind: Service
metadata:
  name: web
  annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: 10.0.0.0/8}
spec:
  type: LoadBalancer
  loadBalancerIP: 192.0.2.1
  loadBalancerSourceRanges: [10.0.0.0/8]
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {port: 53, protocol: UDP}
  - {port: 443, targetPort: 8443}
`)
	got, ok := decodeService(&objs[0])
	if !ok {
		t.Fatal("decodeService rejected a valid Service")
	}
	var want corev1.Service
	if err := objs[0].Decode(&want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Spec, got.Spec); diff != "" {
		t.Errorf("spec (-json +direct):\n%s", diff)
	}
	if diff := cmp.Diff(want.Annotations, got.Annotations); diff != "" {
		t.Errorf("annotations (-json +direct):\n%s", diff)
	}
}

func TestFieldReaderNumbers(t *testing.T) {
	tests := map[string]struct {
		in   any
		want intstr.IntOrString
		ok   bool
	}{
		"float64":     {float64(8080), intstr.FromInt32(8080), true},
		"int":         {8080, intstr.FromInt32(8080), true},
		"int64":       {int64(8080), intstr.FromInt32(8080), true},
		"jsonNumber":  {json.Number("8080"), intstr.FromInt32(8080), true},
		"name":        {"http", intstr.FromString("http"), true},
		"absent":      {nil, intstr.IntOrString{}, true},
		"fraction":    {80.5, intstr.IntOrString{}, false},
		"outOfRange":  {float64(1 << 40), intstr.IntOrString{}, false},
		"wrongType":   {[]any{1}, intstr.IntOrString{}, false},
		"badJSONNumb": {json.Number("1e3x"), intstr.IntOrString{}, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			d := fieldReader{ok: true}
			got := d.intOrString(tt.in)
			if d.ok != tt.ok || tt.ok && got != tt.want {
				t.Errorf("intOrString(%#v) = %v, ok %v; want %v, ok %v", tt.in, got, d.ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDecodeRejectsWrongTypes(t *testing.T) {
	svc := render.Object{ID: render.ObjectID{APIVersion: "v1", Kind: "Service", Name: "s"},
		Fields: map[string]any{"spec": map[string]any{"selector": map[string]any{"app": 1.0}}}}
	if _, ok := decodeService(&svc); ok {
		t.Error("a Service with a numeric selector value decoded")
	}
	np := render.Object{ID: render.ObjectID{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy", Name: "p"},
		Fields: map[string]any{"spec": map[string]any{"ingress": map[string]any{}}}}
	if _, ok := decodePolicy(&np); ok {
		t.Error("a NetworkPolicy whose ingress is a map decoded")
	}
}

// TestDecodePolicyMatchesJSON compares the direct decoder with a JSON round
// trip through networkingv1.NetworkPolicy, for the fields the rules read.
func TestDecodePolicyMatchesJSON(t *testing.T) {
	objs := parseObjects(t, `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p}
spec:
  podSelector:
    matchLabels: {app: web}
    matchExpressions:
    - {key: tier, operator: In, values: [front, edge]}
    - {key: legacy, operator: DoesNotExist}
  policyTypes: [Ingress, Egress]
  ingress:
  - ports:
    - {port: 8080}
    - {port: http, protocol: TCP}
    - {port: 9000, endPort: 9100, protocol: UDP}
    - {protocol: SCTP}
  - {}
`)
	got, ok := decodePolicy(&objs[0])
	if !ok {
		t.Fatal("decodePolicy rejected a valid NetworkPolicy")
	}
	var want networkingv1.NetworkPolicy
	if err := objs[0].Decode(&want); err != nil {
		t.Fatal(err)
	}
	for i := range want.Spec.Ingress {
		want.Spec.Ingress[i].From = nil // not read by the rules
	}
	if diff := cmp.Diff(want.Spec, got.Spec); diff != "" {
		t.Errorf("spec (-json +direct):\n%s", diff)
	}
	if !got.Ingress {
		t.Error("policyTypes [Ingress, Egress] not read as an ingress policy")
	}
}
