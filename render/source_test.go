package render

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRender_sourceLines checks the lines found statically and the ones
// found through kustomize's origin tracking (the fallback) agree.
func TestRender_sourceLines(t *testing.T) {
	for _, tracked := range []bool{false, true} {
		t.Run(map[bool]string{false: "static", true: "tracked"}[tracked], func(t *testing.T) {
			defer func(old bool) { alwaysTrackOrigins = old }(alwaysTrackOrigins)
			alwaysTrackOrigins = tracked
			testSourceLines(t)
		})
	}
}

func testSourceLines(t *testing.T) {
	tree := loadRepo(t)
	container := func(name string, rest ...string) []string {
		return append([]string{"spec", "template", "spec", "containers", "[name=" + name + "]"}, rest...)
	}
	tests := []struct {
		name, dir, kind, object string
		path                    []string
		want                    Source
	}{
		{"declaration", "apps/api/prod", "Deployment", "prod-api-v1", nil, Source{"bases/api/deployment.yaml", 2}},
		{"missingFieldAtDeepestDeclaredPart", "apps/api/prod", "Deployment", "prod-api-v1", container("proxy", "readinessProbe"), Source{"bases/api/deployment.yaml", 31}},
		{"probeFromOverlayPatch", "apps/api/prod", "Deployment", "prod-api-v1", container("api", "livenessProbe"), Source{"apps/api/prod/probes.yaml", 14}},
		{"fieldInsidePatch", "apps/api/prod", "Deployment", "prod-api-v1", container("api", "livenessProbe", "periodSeconds"), Source{"apps/api/prod/probes.yaml", 18}},
		{"jsonPatchValue", "apps/api/prod", "Deployment", "prod-api-v1", container("api", "resources", "limits", "cpu"), Source{"apps/api/prod/resources-patch.yaml", 1}},
		{"fieldOnlyInBase", "apps/api/prod", "Deployment", "prod-api-v1", container("proxy", "image"), Source{"bases/api/deployment.yaml", 32}},
		{"componentPatch", "apps/api/prod", "Deployment", "prod-api-v1", []string{"spec", "template", "metadata", "annotations", "prometheus.io/scrape"}, Source{"components/monitoring/scrape-annotations.yaml", 9}},
		{"generatedSecret", "apps/api/prod", "Secret", "prod-api-secrets-v1-ttckf4c7c8", nil, Source{"apps/api/prod/kustomization.yaml", 37}},
		{"generatedConfigMap", "apps/api/dev", "ConfigMap", "dev-api-config-7fdhmhdk2f", nil, Source{"bases/api/kustomization.yaml", 12}},
		{"secondDocumentOfFile", "apps/api/prod", "StatefulSet", "prod-redis-v1", []string{"spec", "serviceName"}, Source{"bases/redis/redis.yaml", 17}},
		{"replicasEntry", "apps/api/prod", "StatefulSet", "prod-redis-v1", []string{"spec", "replicas"}, Source{"apps/api/prod/kustomization.yaml", 23}},
		{"imagesEntryNewName", "apps/api/prod", "Deployment", "prod-api-v1", container("api", "image"), Source{"apps/api/prod/kustomization.yaml", 17}},
		{"imagesEntryNewTag", "apps/api/prod", "StatefulSet", "prod-redis-v1", append(append([]string{}, container("redis")...), "image"), Source{"apps/api/prod/kustomization.yaml", 20}},
		{"imagesEntryTagOnly", "apps/api/dev", "Deployment", "dev-api", container("api", "image"), Source{"apps/api/dev/kustomization.yaml", 8}},
		{"namespaceField", "apps/api/prod", "Deployment", "prod-api-v1", []string{"metadata", "namespace"}, Source{"apps/api/prod/kustomization.yaml", 3}},
		{"nameSuffixAfterPrefix", "apps/api/prod", "Deployment", "prod-api-v1", []string{"metadata", "name"}, Source{"apps/api/prod/kustomization.yaml", 5}},
		{"commonLabel", "apps/api/prod", "Deployment", "prod-api-v1", []string{"metadata", "labels", "env"}, Source{"apps/api/prod/kustomization.yaml", 7}},
		{"commonLabelSelector", "apps/api/prod", "Deployment", "prod-api-v1", []string{"spec", "selector", "matchLabels", "env"}, Source{"apps/api/prod/kustomization.yaml", 7}},
		{"commonAnnotation", "apps/api/prod", "Deployment", "prod-api-v1", []string{"metadata", "annotations", "owner"}, Source{"apps/api/prod/kustomization.yaml", 9}},
		{"annotationsTransformerFile", "apps/worker/staging", "Deployment", "worker-staging", []string{"metadata", "annotations", "acme.dev/pager"}, Source{"apps/worker/staging/team-annotations.yaml", 7}},
		{"baseAnnotationStaysInBase", "apps/api/prod", "Deployment", "prod-api-v1", []string{"metadata", "annotations", "team"}, Source{"bases/api/deployment.yaml", 7}},
		{"inlineJSONPatch", "apps/api/dev", "Deployment", "dev-api", container("api", "env"), Source{"apps/api/dev/kustomization.yaml", 23}},
		{"inlineJSONPatchByIndex", "apps/api/dev", "Deployment", "dev-api", container("proxy", "image"), Source{"apps/api/dev/kustomization.yaml", 28}},
		{"nestedOverlayPatch", "apps/api/prod-eu", "HorizontalPodAutoscaler", "prod-api-v1", []string{"spec", "minReplicas"}, Source{"apps/api/prod-eu/kustomization.yaml", 14}},
		{"componentResource", "apps/api/prod-eu", "HorizontalPodAutoscaler", "prod-api-v1", []string{"spec", "maxReplicas"}, Source{"components/hpa/hpa.yaml", 11}},
		{"labelSelectorTarget", "apps/worker/staging", "Deployment", "worker-staging", container("worker", "args", "[0]"), Source{"apps/worker/staging/kustomization.yaml", 10}},
	}
	cache := map[string][]Object{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, ok := cache[tt.dir]
			if !ok {
				var err error
				if objs, err = tree.Render(context.Background(), tt.dir); err != nil {
					t.Fatal(err)
				}
				cache[tt.dir] = objs
			}
			for i := range objs {
				if o := &objs[i]; o.ID.Kind == tt.kind && o.ID.Name == tt.object {
					if got := o.SourceOf(tt.path...); got != tt.want {
						t.Errorf("SourceOf(%v) = %v, want %v", tt.path, got, tt.want)
					}
					return
				}
			}
			t.Fatalf("no %s %s in the render of %s", tt.kind, tt.object, tt.dir)
		})
	}
}

// TestRender_staticMatchesTracked compares, for every object of every
// fixture kustomization, the sources found statically with those found
// through kustomize's origin tracking.
func TestRender_staticMatchesTracked(t *testing.T) {
	tree := loadRepo(t)
	defer func(old bool) { alwaysTrackOrigins = old }(alwaysTrackOrigins)
	for _, dir := range kustomizationDirs(tree) {
		alwaysTrackOrigins = false
		static, err := tree.Render(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		alwaysTrackOrigins = true
		tracked, err := tree.Render(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := range static {
			s, k := static[i], tracked[i]
			if diff := cmp.Diff(k, s); diff != "" {
				t.Errorf("%s %s: static attribution differs from tracked (-tracked +static):\n%s", dir, s.ID, diff)
			}
		}
	}
}

// TestRender_ambiguousFallsBack renders two bases that declare the same
// ConfigMap name in different namespaces: the name alone cannot tell them
// apart, so the origin-tracking pass must.
func TestRender_ambiguousFallsBack(t *testing.T) {
	cm := func(ns string) []byte {
		return []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: " + ns + "\n")
	}
	tree, err := FromFiles(map[string][]byte{
		"app/kustomization.yaml": []byte("resources: [../a, ../b]\n"),
		"a/kustomization.yaml":   []byte("resources: [cm.yaml]\n"),
		"a/cm.yaml":              cm("team-a"),
		"b/kustomization.yaml":   []byte("resources: [cm.yaml]\n"),
		"b/cm.yaml":              append([]byte("# team b\n"), cm("team-b")...),
	}, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	objs, err := tree.Render(context.Background(), "app")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Source{}
	for _, o := range objs {
		got[o.ID.Namespace] = o.Source
	}
	want := map[string]Source{"team-a": {"a/cm.yaml", 1}, "team-b": {"b/cm.yaml", 2}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
}
