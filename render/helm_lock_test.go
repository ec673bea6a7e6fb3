package render

import (
	"context"
	"fmt"
	"strings"
	"testing"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"sigs.k8s.io/yaml"
)

// The digest is helm's: this vector is the one helm's own resolver tests
// expect (internal/resolver, TestHashReq), and a range in Chart.yaml gives
// another digest even when the lock resolves it to the same version.
func TestHashReqMatchesHelm(t *testing.T) {
	const repo = "http://localhost:8879/charts"
	for _, c := range []struct {
		chartVersion, lockVersion string
		want                      bool
	}{
		{"0.1.0", "0.1.0", true},
		{"^0.1.0", "0.1.0", false},
		{"0.1.2", "0.1.2", false},
	} {
		got, err := hashReq([]*chart.Dependency{{Name: "alpine", Version: c.chartVersion, Repository: repo}},
			[]*chart.Dependency{{Name: "alpine", Version: c.lockVersion, Repository: repo}})
		if err != nil {
			t.Fatal(err)
		}
		if (got == "sha256:fb239e836325c5fa14b29d1540a13b7d3ba13151b67fe719f820e0ef6d66aaaf") != c.want {
			t.Errorf("hashReq(%s, %s) = %s", c.chartVersion, c.lockVersion, got)
		}
	}
}

const parentChart = "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n  - name: demo\n    version: %s\n    repository: %s\n"

// lockFor writes the Chart.lock `helm dependency update` would write for
// parentChart locked at version, or with digest when it is not empty.
func lockFor(t *testing.T, repo, chartVersion, version, digest string) string {
	t.Helper()
	if digest == "" {
		var meta chart.Metadata
		if err := yaml.Unmarshal(fmt.Appendf(nil, parentChart, chartVersion, repo), &meta); err != nil {
			t.Fatal(err)
		}
		d, err := hashReq(meta.Dependencies, []*chart.Dependency{{Name: "demo", Repository: repo, Version: version}})
		if err != nil {
			t.Fatal(err)
		}
		digest = d
	}
	return fmt.Sprintf("dependencies:\n- name: demo\n  repository: %s\n  version: %s\ndigest: %s\ngenerated: \"2026-01-02T03:04:05Z\"\n", repo, version, digest)
}

func dependencyTree(t *testing.T, chartYAML, lock string) *Tree {
	t.Helper()
	files := map[string][]byte{
		"app/kustomization.yaml":               []byte("helmCharts:\n  - name: parent\n    releaseName: web\n"),
		"app/charts/parent/Chart.yaml":         []byte(chartYAML),
		"app/charts/parent/values.yaml":        []byte("demo:\n  message: from the parent\n"),
		"app/charts/parent/templates/svc.yaml": []byte("apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-parent\n"),
	}
	if lock != "" {
		files["app/charts/parent/Chart.lock"] = []byte(lock)
	}
	tree, err := FromFiles(files, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestHelmRemoteDependency(t *testing.T) {
	srv, requests := chartRepo(t, "")
	repo := srv.URL + "/charts"
	fetcher := NewChartFetcher(srv.Client())
	allowed := WithHelm(context.Background(), HelmOptions{Allow: []string{repo}, Fetcher: fetcher})
	want := "apiVersion: v1\ndata:\n  message: from the parent\nkind: ConfigMap\nmetadata:\n  name: web-demo\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web-parent\n"

	// Chart.yaml asks for a range; the lock pins 1.0.0, which is fetched.
	locked := dependencyTree(t, fmt.Sprintf(parentChart, `"~1.0.0"`, repo), lockFor(t, repo, `"~1.0.0"`, "1.0.0", ""))
	got, err := locked.RenderYAML(allowed, "app")
	if err != nil {
		t.Fatalf("locked remote dependency: %v", err)
	}
	if string(got) != want {
		t.Errorf("rendered\n%s\nwant\n%s", got, want)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("first render made %d requests, want 2 (index and archive)", n)
	}
	if _, err := locked.RenderYAML(allowed, "app"); err != nil {
		t.Fatalf("second render: %v", err)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("second render made %d more requests, want none", n-2)
	}

	// A pinned dependency without a lock renders too.
	if _, err := dependencyTree(t, fmt.Sprintf(parentChart, "1.0.0", repo), "").RenderYAML(allowed, "app"); err != nil {
		t.Fatalf("pinned dependency without a lock: %v", err)
	}

	for _, c := range []struct {
		name      string
		chartYAML string
		lock      string
		allow     []string
		wantErr   string
	}{
		{"lock digest out of sync", fmt.Sprintf(parentChart, "1.0.0", repo), lockFor(t, repo, "1.0.0", "1.0.0", "sha256:"+strings.Repeat("0", 64)), []string{repo},
			"chart parent: app/charts/parent/Chart.lock: the lock is out of sync with the dependencies in Chart.yaml"},
		{"Chart.yaml changed after the lock", fmt.Sprintf(parentChart, "1.0.0", repo), lockFor(t, repo, `"~1.0.0"`, "1.0.0", ""), []string{repo},
			"app/charts/parent/Chart.lock: the lock is out of sync"},
		{"floating version without a lock", fmt.Sprintf(parentChart, `"~1.0.0"`, repo), "", []string{repo},
			`dependency demo of chart parent (app/charts/parent): remote chart demo from ` + repo + ` needs a pinned version, not "~1.0.0"`},
		{"not allow-listed", fmt.Sprintf(parentChart, "1.0.0", repo), lockFor(t, repo, "1.0.0", "1.0.0", ""), nil,
			"remote chart source " + repo + " is not allowed: add it to remote.allow"},
		{"repository alias", fmt.Sprintf(parentChart, "1.0.0", "\"@stable\""), "", []string{repo},
			"repository alias @stable needs a local repositories.yaml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := requests.Load()
			ctx := WithHelm(context.Background(), HelmOptions{Allow: c.allow, Fetcher: NewChartFetcher(srv.Client())})
			_, err := dependencyTree(t, c.chartYAML, c.lock).RenderYAML(ctx, "app")
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("want an error with %q, got %v", c.wantErr, err)
			}
			if n := requests.Load() - before; n != 0 {
				t.Errorf("a refused dependency cost %d requests, want none", n)
			}
		})
	}
}

// The fetched archive is still checked against the repository index.
func TestHelmRemoteDependencyDigestMismatch(t *testing.T) {
	srv, _ := chartRepo(t, strings.Repeat("0", 64))
	repo := srv.URL + "/charts"
	ctx := WithHelm(context.Background(), HelmOptions{Allow: []string{repo}, Fetcher: NewChartFetcher(srv.Client())})
	_, err := dependencyTree(t, fmt.Sprintf(parentChart, "1.0.0", repo), lockFor(t, repo, "1.0.0", "1.0.0", "")).RenderYAML(ctx, "app")
	if err == nil || !strings.Contains(err.Error(), "dependency demo of chart parent") || !strings.Contains(err.Error(), "does not match the index") {
		t.Fatalf("want a digest mismatch naming the dependency, got %v", err)
	}
}
