package render

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

const hostileDir = "../testdata/render/hostile"

// TestRender_hostile renders each hostile tree and expects a clear error
// that names the offending file.
func TestRender_hostile(t *testing.T) {
	small := DefaultLimits()
	small.MaxFileSize = 16 << 10
	tests := []struct {
		name string
		lim  Limits
		want []string
	}{
		{"remote-http", DefaultLimits(), []string{"app/kustomization.yaml: resources: remote reference \"https://raw.githubusercontent.com/"}},
		{"remote-git", DefaultLimits(), []string{"app/kustomization.yaml: resources: remote reference \"github.com/acme/platform//bases/ingress?ref=v1.2.0\""}},
		{"exec-function", DefaultLimits(), []string{"app/fn.yaml: KRM function Stamp"}},
		{"container-function", DefaultLimits(), []string{"app/kustomization.yaml: KRM function Fetch"}},
		{"legacy-plugin", DefaultLimits(), []string{"app/plugin.yaml: plugin someteam.example.com/v1/SecretsFromDatabase is not allowed"}},
		{"helm-charts", DefaultLimits(), []string{"app/kustomization.yaml: helm chart ingress-nginx: remote chart source https://kubernetes.github.io/ingress-nginx is not allowed: add it to remote.allow"}},
		{"escape", DefaultLimits(), []string{"app/kustomization.yaml: path \"../../../../../../../etc/passwd\" leaves the tree"}},
		{"cycle", DefaultLimits(), []string{"cycle among kustomizations: base-a/kustomization.yaml -> base-b/kustomization.yaml -> base-a/kustomization.yaml"}},
		{"alias-bomb", DefaultLimits(), []string{"parsing app/lol.yaml: YAML aliases expand to more than"}},
		{"malformed", DefaultLimits(), []string{"parsing app/deployment.yaml: yaml: line"}},
		{"too-big", small, []string{`app/kustomization.yaml: "big.yaml" is over the file size limit of 16384 bytes`}},
	}
	var report strings.Builder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := renderDir(t, filepath.Join(hostileDir, tt.name), tt.lim)
			if err == nil {
				t.Fatal("rendered a hostile tree without error")
			}
			report.WriteString(tt.name + ": " + err.Error() + "\n")
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// The messages people read, all in one place for review.
	assertGolden(t, "testdata/hostile-errors.txt", []byte(report.String()))
}

func renderDir(t *testing.T, root string, lim Limits) error {
	t.Helper()
	tree, err := LoadDir(root, lim)
	if err != nil {
		return err
	}
	_, err = tree.Render(context.Background(), "app")
	return err
}

// TestRender_remoteHTTPNeverFetched names a loopback server in every field
// kustomize would fetch over HTTP and checks it receives no request.
func TestRender_remoteHTTPNeverFetched(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: remote\n"))
	}))
	defer srv.Close()
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n"
	for name, kust := range map[string]string{
		"resource":   "resources:\n- " + srv.URL + "/cm.yaml\n",
		"base":       "bases:\n- " + srv.URL + "/base\n",
		"patch":      "resources:\n- cm.yaml\npatches:\n- path: " + srv.URL + "/patch.yaml\n",
		"smp":        "resources:\n- cm.yaml\npatchesStrategicMerge:\n- " + srv.URL + "/patch.yaml\n",
		"component":  "resources:\n- cm.yaml\ncomponents:\n- " + srv.URL + "/comp\n",
		"configFile": "resources:\n- cm.yaml\nconfigMapGenerator:\n- name: x\n  files:\n  - k=" + srv.URL + "/f\n",
		"openapi":    "resources:\n- cm.yaml\nopenapi:\n  path: " + srv.URL + "/schema.json\n",
	} {
		t.Run(name, func(t *testing.T) {
			tree, err := FromFiles(map[string][]byte{"app/kustomization.yaml": []byte(kust), "app/cm.yaml": []byte(cm)}, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			_, err = tree.Render(context.Background(), "app")
			if err == nil || !strings.Contains(err.Error(), "app/kustomization.yaml: ") || !strings.Contains(err.Error(), ": remote reference") {
				t.Errorf("got %v, want a remote reference error", err)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server received %d requests", n)
	}
}

// TestRender_gitNeverRuns puts a fake git first on PATH that leaves a
// marker, renders git bases, and checks the marker is absent.
func TestRender_gitNeverRuns(t *testing.T) {
	bin := t.TempDir()
	marker := filepath.Join(t.TempDir(), "git-ran")
	script := "#!/bin/sh\ntouch " + marker + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	for _, ref := range []string{
		"github.com/acme/platform//bases/ingress?ref=v1.2.0",
		"git@github.com:acme/platform.git//bases",
		"ssh://git@example.com/acme/platform.git",
		"git::https://example.com/acme/platform.git",
		"https://github.com/acme/platform.git",
		"gitlab.com/acme/platform/bases",
		"file:///etc",
		"example.com/acme/platform",
	} {
		tree, err := FromFiles(map[string][]byte{"app/kustomization.yaml": []byte("resources:\n- " + ref + "\n")}, DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tree.Render(context.Background(), "app"); err == nil || !strings.Contains(err.Error(), "app/kustomization.yaml") {
			t.Errorf("%s: got %v, want an error naming the kustomization", ref, err)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("git was run")
	}
}

// TestRender_execFunctionNeverRuns renders a copy of the exec-function tree
// whose script would leave a marker next to itself.
func TestRender_execFunctionNeverRuns(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(hostileDir, "exec-function", "app")
	if err := os.MkdirAll(filepath.Join(root, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"kustomization.yaml", "configmap.yaml", "fn.yaml", "fn.sh"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "app", f), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := renderDir(t, root, DefaultLimits()); err == nil {
		t.Error("rendered a tree with an exec function")
	}
	if _, err := os.Stat(filepath.Join(root, "app", "ran")); err == nil {
		t.Error("the exec function ran")
	}
}

func TestRender_refusesBadDirs(t *testing.T) {
	tree := loadRepo(t)
	for _, dir := range []string{"../repo", "/etc", "no/such/dir"} {
		if _, err := tree.Render(context.Background(), dir); err == nil {
			t.Errorf("rendering %q: no error", dir)
		}
	}
}

// TestRender_pluginDirectories checks that configurations reached through
// a generators:/transformers: directory get the same scrutiny as files.
func TestRender_pluginDirectories(t *testing.T) {
	fn := "apiVersion: acme.dev/v1\nkind: Stamp\nmetadata:\n  name: s\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./fn.sh\n"
	tree, err := FromFiles(map[string][]byte{
		"app/kustomization.yaml":     []byte("resources: [cm.yaml]\ntransformers: [../fns]\n"),
		"app/cm.yaml":                []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"),
		"fns/kustomization.yaml":     []byte("resources: [prefix.yaml, stamp.yaml]\n"),
		"fns/prefix.yaml":            []byte("apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata:\n  name: p\nprefix: x-\nfieldSpecs:\n- path: metadata/name\n"),
		"fns/stamp.yaml":             []byte(fn),
		"inline/kustomization.yaml":  []byte("resources: [../app/cm.yaml]\n"),
		"allowed/kustomization.yaml": []byte("resources: [cm.yaml]\ntransformers: [prefix.yaml]\n"),
		"allowed/prefix.yaml":        []byte("apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata:\n  name: p\nprefix: x-\nfieldSpecs:\n- path: metadata/name\n"),
		"allowed/cm.yaml":            []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"),
		"helmgen/kustomization.yaml": []byte("generators: [helm.yaml]\n"),
		"helmgen/helm.yaml":          []byte("apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata:\n  name: h\nchartName: x\n"),
	}, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.Render(context.Background(), "app"); err == nil || !strings.Contains(err.Error(), "fns/stamp.yaml: KRM function Stamp") {
		t.Errorf("function in a transformers directory: got %v", err)
	}
	if _, err := tree.Render(context.Background(), "helmgen"); err == nil || !strings.Contains(err.Error(), "helmgen/helm.yaml: helm charts are not supported") {
		t.Errorf("helm generator config: got %v", err)
	}
	objs, err := tree.Render(context.Background(), "allowed")
	if err != nil || len(objs) != 1 || objs[0].ID.Name != "x-cm" {
		t.Errorf("built-in transformer config: got %v, %v", objs, err)
	}
}
