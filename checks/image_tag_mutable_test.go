package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRule_imageTagMutable(t *testing.T) {
	tests := []struct {
		name          string
		requireDigest bool
		want          []finding
	}{
		{
			name: "latestAndUntagged",
			want: []finding{
				{Object: "Pod prod/p", File: "test.yaml", Line: 12, Message: `image "acme/app:latest" of container "hub" of Pod prod/p uses the mutable tag latest`},
				{Object: "Pod prod/p", File: "test.yaml", Line: 14, Message: `image "registry.local:5000/app" of container "local" of Pod prod/p has no tag, so it runs whatever latest is when pulled`},
				{Object: "Pod prod/p", File: "test.yaml", Line: 7, Message: `image "busybox" of init container "init" of Pod prod/p has no tag, so it runs whatever latest is when pulled`},
			},
		},
		{
			name:          "requireDigest",
			requireDigest: true,
			want: []finding{
				{Object: "Pod prod/p", File: "test.yaml", Line: 12, Message: `image "acme/app:latest" of container "hub" of Pod prod/p uses the mutable tag latest`},
				{Object: "Pod prod/p", File: "test.yaml", Line: 14, Message: `image "registry.local:5000/app" of container "local" of Pod prod/p has no tag, so it runs whatever latest is when pulled`},
				{Object: "Pod prod/p", File: "test.yaml", Line: 16, Message: `image "registry.acme.internal/tools/x:3" of container "internal" of Pod prod/p is pinned by tag only, not by digest`},
				{Object: "Pod prod/p", File: "test.yaml", Line: 18, Message: `image "docker.io/library/nginx:1.27" of container "official" of Pod prod/p is pinned by tag only, not by digest`},
				{Object: "Pod prod/p", File: "test.yaml", Line: 7, Message: `image "busybox" of init container "init" of Pod prod/p has no tag, so it runs whatever latest is when pulled`},
				{Object: "Pod prod/p", File: "test.yaml", Line: 21, Message: `image "ghcr.io/other/debug:1" of ephemeral container "debug" of Pod prod/p is pinned by tag only, not by digest`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRule(t, newImageTagMutable(), imageWorkload, &Config{RequireDigest: tt.requireDigest})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRule_imageTagMutableLatestPinnedByDigest(t *testing.T) {
	stream := `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: c
        image: nginx:latest@sha256:0123
`
	if got := checkRule(t, newImageTagMutable(), stream, &Config{RequireDigest: true}); len(got) != 0 {
		t.Errorf("an image pinned by digest was flagged: %+v", got)
	}
}
