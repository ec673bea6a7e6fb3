package render

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// guestbook is modelled on argoproj/argocd-example-apps: kustomize-guestbook
// is deployed on its own by Argo CD and also reused by pre-post-sync.
func guestbook(extra map[string]string) map[string][]byte {
	files := map[string]string{
		"kustomize-guestbook/kustomization.yaml": "namePrefix: kustomize-\nresources: [web.yaml]\n",
		"kustomize-guestbook/web.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n",
		"pre-post-sync/kustomization.yaml":       "namePrefix: pre-post-sync-\nresources: [../kustomize-guestbook]\n",
	}
	for k, v := range extra {
		files[k] = v
	}
	out := map[string][]byte{}
	for k, v := range files {
		out[k] = []byte(v)
	}
	return out
}

// TestAffectedWhy_deployedRoots: a directory a GitOps object of the
// repository deploys is reviewed as itself, even when another
// kustomization reuses it, and the reason names the object.
func TestAffectedWhy_deployedRoots(t *testing.T) {
	tests := []struct {
		name   string
		extra  map[string]string
		want   []string
		reason string // a part of kustomize-guestbook's reason
	}{
		{name: "none", want: []string{"pre-post-sync"}},
		{
			name: "argoApplication",
			extra: map[string]string{"apps/guestbook.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: kustomize-guestbook}
spec:
  source: {repoURL: https://github.com/argoproj/argocd-example-apps.git, path: kustomize-guestbook}
`},
			want:   []string{"kustomize-guestbook", "pre-post-sync"},
			reason: "deployed by Argo CD Application kustomize-guestbook (apps/guestbook.yaml); kustomize-guestbook/web.yaml changed",
		},
		{
			name: "applicationSetGitDirectories",
			extra: map[string]string{"apps/set.yaml": `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: all}
spec:
  generators:
  - git:
      repoURL: https://github.com/acme/gitops.git
      directories:
      - path: '*'
      - path: pre-post-sync
        exclude: true
  template:
    spec:
      source: {path: '{{path}}'}
`},
			want:   []string{"kustomize-guestbook", "pre-post-sync"},
			reason: "deployed by Argo CD ApplicationSet all (apps/set.yaml)",
		},
		{
			name: "fluxKustomization",
			extra: map[string]string{"clusters/prod/guestbook.yaml": `---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: guestbook, namespace: flux-system}
spec:
  path: ./kustomize-guestbook
  sourceRef: {kind: GitRepository, name: flux-system}
`},
			want:   []string{"kustomize-guestbook", "pre-post-sync"},
			reason: "deployed by Flux Kustomization guestbook (clusters/prod/guestbook.yaml)",
		},
		{
			name:  "helmTemplateSkipped",
			extra: map[string]string{"apps/templates/app.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\n{{- if .Values.x }}\nspec: {source: {path: {{ .Values.path }}}}\n{{- end }}\n"},
			want:  []string{"pre-post-sync"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := guestbook(tt.extra)
			tree := mustTree(t, files)
			got, err := AffectedWhy(tree, tree, nil, nil, []string{"kustomize-guestbook/web.yaml"})
			if err != nil {
				t.Fatal(err)
			}
			var dirs []string
			for _, s := range got {
				dirs = append(dirs, s.Dir)
				if s.Dir == "kustomize-guestbook" && !strings.Contains(s.Reason, tt.reason) {
					t.Errorf("reason %q, want it to contain %q", s.Reason, tt.reason)
				}
				if s.Reason == "" {
					t.Errorf("%s selected without a reason", s.Dir)
				}
			}
			if d := cmp.Diff(tt.want, dirs); d != "" {
				t.Errorf("overlays (-want +got):\n%s", d)
			}
		})
	}
}

// TestAffectedWhy_components: kostis-codefresh/gitops-environment-promotion
// 55412970 turns variants/* into Components. They are never rendered
// alone, though they were overlays at base.
func TestAffectedWhy_components(t *testing.T) {
	base := map[string][]byte{
		"base/kustomization.yaml":         []byte("resources: [deployment.yaml]\n"),
		"base/deployment.yaml":            []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n"),
		"variants/asia/kustomization.yml": []byte("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../../base\npatchesStrategicMerge:\n- region.yml\n"),
		"variants/asia/region.yml":        []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {region: asia}\n"),
	}
	head := map[string][]byte{}
	for k, v := range base {
		head[k] = v
	}
	head["variants/asia/kustomization.yml"] = []byte("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatchesStrategicMerge:\n- region.yml\n")
	head["envs/integration-gpu/kustomization.yml"] = []byte("resources:\n- ../../base\ncomponents:\n- ../../variants/asia\n")
	changed := []string{"envs/integration-gpu/kustomization.yml", "variants/asia/kustomization.yml"}
	got, err := Affected(mustTree(t, base), mustTree(t, head), nil, nil, changed)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"envs/integration-gpu"}, got); d != "" {
		t.Errorf("overlays (-want +got):\n%s", d)
	}
}

// TestAffected_unparseableKustomization: a kustomization of the wrong shape
// (argocd-example-apps' plugins/kustomized-helm, with the pre-v5 string
// form of patches) is reviewed when what it names changes, not otherwise;
// one that is not YAML at all may name anything and is reviewed on every
// change, with a reason saying so.
func TestAffected_unparseableKustomization(t *testing.T) {
	files := guestbook(map[string]string{
		"plugins/kustomized-helm/kustomization.yaml": "namePrefix: kustomize-\nresources:\n- ./all.yaml\npatches:\n- overlays/web.yaml\n",
		"plugins/kustomized-helm/overlays/web.yaml":  "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
		"broken/kustomization.yaml":                  "resources: [a.yaml\n",
		"README.md":                                  "# apps\n",
	})
	tree := mustTree(t, files)
	tests := []struct {
		changed string
		want    []string
	}{
		{"README.md", []string{"broken"}},
		{"plugins/kustomized-helm/overlays/web.yaml", []string{"broken", "plugins/kustomized-helm"}},
	}
	for _, tt := range tests {
		got, err := AffectedWhy(tree, tree, nil, nil, []string{tt.changed})
		if err != nil {
			t.Fatal(err)
		}
		var dirs []string
		for _, s := range got {
			dirs = append(dirs, s.Dir)
			if s.Dir == "broken" && !strings.Contains(s.Reason, "cannot be parsed") {
				t.Errorf("broken's reason %q does not say its kustomization cannot be parsed", s.Reason)
			}
		}
		if d := cmp.Diff(tt.want, dirs); d != "" {
			t.Errorf("%s changed: overlays (-want +got):\n%s", tt.changed, d)
		}
	}
}
