package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// imageWorkload uses images of every shape, in every container role.
const imageWorkload = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: prod}
spec:
  initContainers:
  - name: init
    image: busybox
  containers:
  - name: acme
    image: ghcr.io/acme/api:1.2@sha256:0123
  - name: hub
    image: acme/app:latest
  - name: local
    image: registry.local:5000/app
  - name: internal
    image: registry.acme.internal/tools/x:3
  - name: official
    image: docker.io/library/nginx:1.27
  ephemeralContainers:
  - name: debug
    image: ghcr.io/other/debug:1
`

func TestRule_imageRegistryUntrusted(t *testing.T) {
	tests := []struct {
		name       string
		registries []string
		want       []finding
	}{
		{name: "offWithoutRegistries"},
		{
			name:       "prefixesOfNormalizedNames",
			registries: []string{"ghcr.io/acme/", "registry.acme.internal/", "docker.io/library/"},
			want: []finding{
				{Object: "Pod prod/p", File: "test.yaml", Line: 12, Message: `container "hub" of Pod prod/p uses image "acme/app:latest" from docker.io/acme/app, which is not an allowed registry`},
				{Object: "Pod prod/p", File: "test.yaml", Line: 14, Message: `container "local" of Pod prod/p uses image "registry.local:5000/app" from registry.local:5000/app, which is not an allowed registry`},
				{Object: "Pod prod/p", File: "test.yaml", Line: 21, Message: `ephemeral container "debug" of Pod prod/p uses image "ghcr.io/other/debug:1" from ghcr.io/other/debug, which is not an allowed registry`},
			},
		},
		{
			name:       "hubNamespaceAndHostWithPort",
			registries: []string{"acme/", "registry.local:5000", "ghcr.io/", "registry.acme.internal/", "library/"},
		},
		{
			name:       "hostWithPortDoesNotMatchLongerPort",
			registries: []string{"registry.local:500", "ghcr.io/", "registry.acme.internal/", "docker.io/"},
			want: []finding{
				{Object: "Pod prod/p", File: "test.yaml", Line: 14, Message: `container "local" of Pod prod/p uses image "registry.local:5000/app" from registry.local:5000/app, which is not an allowed registry`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRule(t, newImageRegistryUntrusted(), imageWorkload, &Config{Registries: tt.registries})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
