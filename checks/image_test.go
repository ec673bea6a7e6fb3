package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseImage(t *testing.T) {
	tests := map[string]struct {
		in   string
		want imageRef
		ok   bool
	}{
		"officialShortName":  {"nginx", imageRef{Name: "docker.io/library/nginx"}, true},
		"officialWithTag":    {"nginx:1.27", imageRef{Name: "docker.io/library/nginx", Tag: "1.27"}, true},
		"hubNamespace":       {"acme/app:2", imageRef{Name: "docker.io/acme/app", Tag: "2"}, true},
		"hubExplicit":        {"docker.io/nginx", imageRef{Name: "docker.io/library/nginx"}, true},
		"hubIndexHost":       {"index.docker.io/acme/app", imageRef{Name: "docker.io/acme/app"}, true},
		"ghcrTagAndDigest":   {"ghcr.io/acme/x:1@sha256:abc", imageRef{Name: "ghcr.io/acme/x", Tag: "1", Digest: "sha256:abc"}, true},
		"digestOnly":         {"ghcr.io/acme/x@sha256:abc", imageRef{Name: "ghcr.io/acme/x", Digest: "sha256:abc"}, true},
		"hostWithPort":       {"registry.local:5000/app", imageRef{Name: "registry.local:5000/app"}, true},
		"hostWithPortAndTag": {"registry.local:5000/team/app:v3", imageRef{Name: "registry.local:5000/team/app", Tag: "v3"}, true},
		"localhost":          {"localhost/app", imageRef{Name: "localhost/app"}, true},
		"localhostPort":      {"localhost:5000/app:1", imageRef{Name: "localhost:5000/app", Tag: "1"}, true},
		"empty":              {"", imageRef{}, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := parseImage(tt.in)
			if ok != tt.ok || got != tt.want {
				t.Errorf("parseImage(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestNormalizeRegistry(t *testing.T) {
	tests := map[string]string{
		"ghcr.io/acme/":           "ghcr.io/acme/",
		"docker.io/library/":      "docker.io/library/",
		"library/":                "docker.io/library/",
		"acme/":                   "docker.io/acme/",
		"nginx":                   "docker.io/library/nginx",
		"registry.local:5000":     "registry.local:5000/",
		"registry.acme.internal/": "registry.acme.internal/",
		"index.docker.io/acme/":   "docker.io/acme/",
		"Quay.io":                 "quay.io/",
		"":                        "",
	}
	got := map[string]string{}
	for in := range tests {
		got[in] = normalizeRegistry(in)
	}
	if diff := cmp.Diff(tests, got); diff != "" {
		t.Errorf("normalizeRegistry (-want +got):\n%s", diff)
	}
}
