// Package deploy_test reviews kustoguard's own deployment with kustoguard:
// every overlay renders through the hardened renderer, every rule passes
// with scope "all", and every object decodes strictly into its Kubernetes
// API type.
package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
)

var overlays = []string{"base", "overlays/example"}

func TestDeployPassesItsOwnReview(t *testing.T) {
	tree, err := render.LoadDir(".", render.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	cfg := checks.DefaultConfig()
	cfg.Scope = checks.ScopeAll
	cfg.RequireDigest = false
	for _, dir := range overlays {
		t.Run(dir, func(t *testing.T) {
			objs, err := tree.Render(context.Background(), dir)
			if err != nil {
				t.Fatalf("rendering %s: %v", dir, err)
			}
			if len(objs) < 6 {
				t.Fatalf("rendered only %d objects", len(objs))
			}
			// As a new overlay: every object is added, so every rule looks at all of it.
			findings := checks.Run(&checks.Input{
				Overlay: dir,
				Head:    objs,
				Changes: render.Diff(nil, objs),
				Config:  cfg,
			}, checks.Default())
			for _, f := range findings {
				t.Errorf("%s:%d: %s %s: %s", f.File, f.Line, f.Rule, f.Object, f.Message)
			}
			for _, o := range objs {
				if err := decodeStrict(o); err != nil {
					t.Error(err)
				}
				if o.ID.Kind != "Namespace" && o.ID.Namespace != "kustoguard" {
					t.Errorf("%s is not in namespace kustoguard", o.ID)
				}
			}
			assertHardened(t, objs)
		})
	}
}

// assertHardened checks what the deployment promises its operators.
func assertHardened(t *testing.T, objs []render.Object) {
	t.Helper()
	for _, o := range objs {
		switch o.ID.Kind {
		case "Deployment":
			var d appsv1.Deployment
			if err := o.Decode(&d); err != nil {
				t.Fatal(err)
			}
			spec := d.Spec.Template.Spec
			if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
				t.Errorf("Deployment runs fewer than 2 replicas")
			}
			if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
				t.Errorf("pods mount a service account token")
			}
			if spec.SecurityContext == nil || spec.SecurityContext.RunAsNonRoot == nil || !*spec.SecurityContext.RunAsNonRoot {
				t.Errorf("pods may run as root")
			}
			c := spec.Containers[0]
			if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
				t.Errorf("readiness probe is not on /readyz")
			}
			if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
				t.Errorf("liveness probe is not on /healthz")
			}
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
				t.Errorf("container is not read-only, non-escalating, with every capability dropped: %+v", sc)
			}
			if d.Spec.Template.Spec.TerminationGracePeriodSeconds == nil || *d.Spec.Template.Spec.TerminationGracePeriodSeconds <= 25 {
				t.Errorf("termination grace does not cover the server's 25s shutdown grace")
			}
		case "NetworkPolicy":
			var np networkingv1.NetworkPolicy
			if err := o.Decode(&np); err != nil {
				t.Fatal(err)
			}
			if len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].Ports) != 1 || np.Spec.Ingress[0].Ports[0].Port.String() != "http" {
				t.Errorf("ingress allows more than the webhook port: %+v", np.Spec.Ingress)
			}
			for _, e := range np.Spec.Egress {
				for _, peer := range e.To {
					if peer.PodSelector != nil && len(peer.PodSelector.MatchLabels) != 1 {
						t.Errorf("DNS peer selector is not just kube-dns: %v", peer.PodSelector.MatchLabels)
					}
				}
				for _, p := range e.Ports {
					if n := p.Port.IntValue(); n != 53 && n != 443 {
						t.Errorf("egress allows port %d", n)
					}
				}
			}
		}
	}
}

// decodeStrict decodes an object into its API type, refusing unknown fields.
func decodeStrict(o render.Object) error {
	var into any
	switch o.ID.APIVersion + "/" + o.ID.Kind {
	case "v1/Namespace":
		into = &corev1.Namespace{}
	case "v1/ServiceAccount":
		into = &corev1.ServiceAccount{}
	case "v1/Service":
		into = &corev1.Service{}
	case "apps/v1/Deployment":
		into = &appsv1.Deployment{}
	case "networking.k8s.io/v1/NetworkPolicy":
		into = &networkingv1.NetworkPolicy{}
	case "networking.k8s.io/v1/Ingress":
		into = &networkingv1.Ingress{}
	case "policy/v1/PodDisruptionBudget":
		into = &policyv1.PodDisruptionBudget{}
	default:
		return fmt.Errorf("%s: no API type known to check it against", o.ID)
	}
	b, err := json.Marshal(o.Fields)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("%s does not decode strictly: %w", o.ID, err)
	}
	return nil
}
