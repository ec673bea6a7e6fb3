package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAffected_monorepo(t *testing.T) {
	base := loadFixture(t, "monorepo")
	shopAll := []string{"apps/shop/examples/demo", "apps/shop/overlays/prod-eu", "clusters/edge/shop"}
	tests := []struct {
		name            string
		head            map[string][]byte // nil: same as base
		changed         []string
		include, ignore []string
		want            []string
	}{
		{
			name:    "sharedBaseSelectsItsUsersThroughNestedOverlays",
			changed: []string{"bases/web/deployment.yaml"},
			want:    shopAll,
		},
		{
			name:    "sharedBaseWithIgnore",
			changed: []string{"bases/web/deployment.yaml"},
			ignore:  []string{"**/examples/**"},
			want:    []string{"apps/shop/overlays/prod-eu", "clusters/edge/shop"},
		},
		{
			name:    "sharedBaseWithOverlayGlobs",
			changed: []string{"bases/web/service.yaml"},
			include: []string{"apps/*/overlays/*"},
			want:    []string{"apps/shop/overlays/dev", "apps/shop/overlays/prod", "apps/shop/overlays/prod-eu"},
		},
		{
			name:    "baseUsedByTwoApps",
			changed: []string{"bases/redis/statefulset.yaml"},
			want:    append([]string{"apps/batch/overlays/prod"}, shopAll...),
		},
		{
			name:    "otherBase",
			changed: []string{"bases/worker/deployment.yaml"},
			want:    []string{"apps/batch/overlays/dev", "apps/batch/overlays/prod"},
		},
		{
			name:    "componentSelectsItsUsers",
			changed: []string{"components/monitoring/scrape-annotations.yaml"},
			want:    []string{"apps/batch/overlays/prod", "apps/shop/overlays/prod-eu"},
		},
		{
			name:    "componentThroughIntermediateBase",
			changed: []string{"components/netpol/networkpolicy.yaml"},
			want:    append([]string{"apps/batch/overlays/prod"}, shopAll...),
		},
		{
			name:    "readmeAndDocsSelectNone",
			changed: []string{"README.md", "docs/runbook.md"},
			want:    []string{},
		},
		{
			name:    "fileNoKustomizationNames",
			head:    edit(base, map[string]string{"bases/web/NOTES.md": "unused\n"}),
			changed: []string{"bases/web/NOTES.md"},
			want:    []string{},
		},
		{
			name:    "jsonPatchSelectsItsOverlayAndOverlaysOfIt",
			changed: []string{"apps/shop/overlays/prod/liveness.json"},
			include: []string{"apps/*/overlays/*"},
			want:    []string{"apps/shop/overlays/prod", "apps/shop/overlays/prod-eu"},
		},
		{
			name:    "strategicMergePatch",
			changed: []string{"apps/shop/overlays/prod/resources.yaml"},
			want:    []string{"apps/shop/overlays/prod-eu"},
		},
		{
			name:    "patchesPath",
			changed: []string{"apps/shop/overlays/dev/replicas.yaml"},
			want:    []string{"clusters/edge/shop"},
		},
		{
			name:    "configMapGeneratorEnvs",
			changed: []string{"apps/shop/overlays/dev/dev.env"},
			include: []string{"apps/*/overlays/*"},
			want:    []string{"apps/shop/overlays/dev"},
		},
		{
			name:    "secretGeneratorEnv",
			changed: []string{"apps/batch/overlays/dev/queue.env"},
			want:    []string{"apps/batch/overlays/dev"},
		},
		{
			name:    "generatorFileWithKey",
			changed: []string{"apps/shop/overlays/prod/settings-prod.json"},
			want:    []string{"apps/shop/overlays/prod-eu"},
		},
		{
			name:    "overlayKustomizationItself",
			changed: []string{"apps/shop/overlays/prod-eu/kustomization.yaml"},
			want:    []string{"apps/shop/overlays/prod-eu"},
		},
		{
			name: "removedBaseFile",
			head: edit(base, map[string]string{
				"bases/worker/kustomization.yaml": "resources:\n- deployment.yaml\n",
			}, "bases/worker/serviceaccount.yaml"),
			changed: []string{"bases/worker/kustomization.yaml", "bases/worker/serviceaccount.yaml"},
			want:    []string{"apps/batch/overlays/dev", "apps/batch/overlays/prod"},
		},
		{
			name:    "removedFileStillNamed",
			head:    edit(base, nil, "bases/worker/serviceaccount.yaml"),
			changed: []string{"bases/worker/serviceaccount.yaml"},
			want:    []string{"apps/batch/overlays/dev", "apps/batch/overlays/prod"},
		},
		{
			name: "addedOverlay",
			head: edit(base, map[string]string{
				"apps/batch/overlays/staging/kustomization.yaml": "resources:\n- ../../../../bases/worker\npatches:\n- path: patch.yaml\n",
				"apps/batch/overlays/staging/patch.yaml":         "kind: Deployment\nmetadata:\n  name: worker\n",
			}),
			changed: []string{"apps/batch/overlays/staging/kustomization.yaml", "apps/batch/overlays/staging/patch.yaml"},
			want:    []string{"apps/batch/overlays/staging"},
		},
		{
			name:    "removedOverlay",
			head:    edit(base, nil, "apps/batch/overlays/dev/kustomization.yaml", "apps/batch/overlays/dev/queue.env"),
			changed: []string{"apps/batch/overlays/dev/kustomization.yaml", "apps/batch/overlays/dev/queue.env"},
			want:    []string{"apps/batch/overlays/dev"},
		},
		{
			name: "renamedEnvFile",
			head: edit(base, map[string]string{
				"apps/batch/overlays/dev/kustomization.yaml": "namespace: batch-dev\nresources:\n- ../../../../bases/worker\nsecretGenerator:\n- name: queue-credentials\n  env: credentials.env\n",
				"apps/batch/overlays/dev/credentials.env":    string(base["apps/batch/overlays/dev/queue.env"]),
			}, "apps/batch/overlays/dev/queue.env"),
			changed: []string{"apps/batch/overlays/dev/credentials.env", "apps/batch/overlays/dev/kustomization.yaml", "apps/batch/overlays/dev/queue.env"},
			want:    []string{"apps/batch/overlays/dev"},
		},
		{
			name: "renamedBaseFileOnlyOldPathNamed",
			head: edit(base, map[string]string{
				"bases/redis/redis.yaml": string(base["bases/redis/statefulset.yaml"]),
			}, "bases/redis/statefulset.yaml"),
			changed: []string{"bases/redis/redis.yaml", "bases/redis/statefulset.yaml"},
			want:    append([]string{"apps/batch/overlays/prod"}, shopAll...),
		},
		{
			name: "kustomizationStartsIncludingAComponent",
			head: edit(base, map[string]string{
				"apps/batch/overlays/dev/kustomization.yaml": appendTo(base, "apps/batch/overlays/dev/kustomization.yaml", "components:\n- ../../../../components/monitoring\n"),
				"components/monitoring/servicemonitor.yaml":  appendTo(base, "components/monitoring/servicemonitor.yaml", "  - port: admin\n"),
			}),
			changed: []string{"components/monitoring/servicemonitor.yaml"},
			want:    []string{"apps/batch/overlays/dev", "apps/batch/overlays/prod", "apps/shop/overlays/prod-eu"},
		},
		{
			name: "kustomizationStopsIncludingABase",
			head: edit(base, map[string]string{
				"apps/batch/overlays/prod/kustomization.yaml": "namespace: batch-prod\nresources:\n- ../../../../bases/worker\n",
				"bases/redis/statefulset.yaml":                appendTo(base, "bases/redis/statefulset.yaml", "  podManagementPolicy: Parallel\n"),
			}),
			changed: []string{"bases/redis/statefulset.yaml"},
			want:    append([]string{"apps/batch/overlays/prod"}, shopAll...),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			head := tc.head
			if head == nil {
				head = base
			}
			got, err := Affected(mustTree(t, base), mustTree(t, head), tc.include, tc.ignore, tc.changed)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("affected overlays (-want +got):\n%s", d)
			}
		})
	}
}

// TestAffected_unresolvable covers references the static graph cannot
// follow: each must select more, never less.
func TestAffected_unresolvable(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		changed []string
		want    []string
	}{
		{
			name: "missingDirectorySelectedWhenItAppears",
			files: map[string]string{
				"legacy/app/kustomization.yaml": "resources:\n- ../gone\n",
				"other/kustomization.yaml":      "resources:\n- a.yaml\n",
			},
			changed: []string{"legacy/gone/kustomization.yaml", "legacy/gone/deploy.yaml"},
			want:    []string{"legacy/app"},
		},
		{
			name:    "missingDirectoryIgnoresUnrelated",
			files:   map[string]string{"legacy/app/kustomization.yaml": "resources:\n- ../gone\n"},
			changed: []string{"README.md", "legacy/gone-too/x.yaml"},
			want:    []string{},
		},
		{
			name: "directoryWithoutKustomization",
			files: map[string]string{
				"app/kustomization.yaml": "resources:\n- manifests\n",
				"app/manifests/a.yaml":   "kind: ConfigMap\n",
			},
			changed: []string{"app/manifests/a.yaml"},
			want:    []string{"app"},
		},
		{
			name: "outOfTreeSelectedByAnything",
			files: map[string]string{
				"app/kustomization.yaml":   "resources:\n- ../../outside\n",
				"other/kustomization.yaml": "resources:\n- a.yaml\n",
			},
			changed: []string{"README.md"},
			want:    []string{"app"},
		},
		{
			// The patch is named only inside a builtin transformer config:
			// kustomize reads it, so a change to it changes the render.
			name: "fileNamedByATransformerConfig",
			files: map[string]string{
				"app/kustomization.yaml": "resources: [cm.yaml]\ntransformers: [t.yaml]\n",
				"app/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
				"app/t.yaml":             "apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\npath: p.yaml\ntarget: {kind: ConfigMap}\n",
				"app/p.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: \"2\"}\n",
			},
			changed: []string{"app/p.yaml"},
			want:    []string{"app"},
		},
		{
			name: "fileNamedByAnInlineGeneratorConfig",
			files: map[string]string{
				"app/kustomization.yaml": "generators:\n- |\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n  metadata: {name: g}\n  envs: [cfg.env]\n",
				"app/cfg.env":            "A=1\n",
			},
			changed: []string{"app/cfg.env"},
			want:    []string{"app"},
		},
		{
			name:    "remoteSelectedByAnything",
			files:   map[string]string{"app/kustomization.yaml": "resources:\n- https://github.com/acme/base?ref=v1\n"},
			changed: []string{"docs/x.md"},
			want:    []string{"app"},
		},
		{
			name:    "absolutePath",
			files:   map[string]string{"app/kustomization.yaml": "resources:\n- /etc/passwd\n"},
			changed: []string{"docs/x.md"},
			want:    []string{"app"},
		},
		{
			name: "globSelectedByItsDirectory",
			files: map[string]string{
				"app/kustomization.yaml":   "patchesStrategicMerge:\n- patches/*.yaml\n",
				"app/patches/one.yaml":     "kind: Deployment\n",
				"other/kustomization.yaml": "resources:\n- a.yaml\n",
			},
			changed: []string{"app/patches/two.yaml"},
			want:    []string{"app"},
		},
		{
			name:    "unparseableKustomizationSelectedByAnything",
			files:   map[string]string{"app/kustomization.yaml": "resources: [\n"},
			changed: []string{"README.md"},
			want:    []string{"app"},
		},
		{
			name: "inlinePatchesAreNotFiles",
			files: map[string]string{
				"app/kustomization.yaml": "patchesStrategicMerge:\n- |-\n  kind: Deployment\n  metadata:\n    name: x\npatches:\n- patch: '[{\"op\": \"remove\", \"path\": \"/x\"}]'\n",
			},
			changed: []string{"README.md", "app/kind: Deployment"},
			want:    []string{},
		},
		{
			name: "cycleEnds",
			files: map[string]string{
				"x/overlay/kustomization.yaml": "resources:\n- ../a\n",
				"x/a/kustomization.yaml":       "resources:\n- ../b\n",
				"x/b/kustomization.yaml":       "resources:\n- ../a\n- cm.yaml\n",
				"x/b/cm.yaml":                  "kind: ConfigMap\n",
			},
			changed: []string{"x/b/cm.yaml"},
			want:    []string{"x/overlay"},
		},
		{
			name: "selfReference",
			files: map[string]string{
				"x/kustomization.yaml": "resources:\n- .\n- cm.yaml\n",
				"x/cm.yaml":            "kind: ConfigMap\n",
			},
			changed: []string{"x/cm.yaml"},
			want:    []string{"x"},
		},
		{
			name: "repositoryRootKustomization",
			files: map[string]string{
				"kustomization.yaml":     "resources:\n- app\n",
				"app/kustomization.yaml": "resources:\n- cm.yaml\n",
			},
			changed: []string{"./app/cm.yaml"},
			want:    []string{"."},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string][]byte{}
			for p, s := range tc.files {
				files[p] = []byte(s)
			}
			tr := mustTree(t, files)
			got, err := Affected(tr, tr, nil, nil, tc.changed)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("affected overlays (-want +got):\n%s", d)
			}
		})
	}
}

func TestAffected_nilTrees(t *testing.T) {
	head := mustTree(t, map[string][]byte{"app/kustomization.yaml": []byte("resources: []\n")})
	got, err := Affected(nil, head, nil, nil, []string{"app/kustomization.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"app"}, got); d != "" {
		t.Errorf("affected overlays (-want +got):\n%s", d)
	}
}

// TestAffected_everyFixtureFile records, for each file of the fixture,
// the overlays a change to it alone selects (with the examples ignored),
// so that a review of the golden file shows the whole selection at once.
func TestAffected_everyFixtureFile(t *testing.T) {
	files := loadFixture(t, "monorepo")
	tr := mustTree(t, files)
	var b strings.Builder
	for _, p := range tr.Files() {
		got, err := Affected(tr, tr, nil, []string{"**/examples/**"}, []string{p})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s:", p)
		if len(got) == 0 {
			b.WriteString(" (none)")
		}
		for _, o := range got {
			b.WriteString(" " + o)
		}
		b.WriteString("\n")
	}
	assertGolden(t, "testdata/golden/monorepo-affected.txt", []byte(b.String()))
}
