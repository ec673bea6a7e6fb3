package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// monorepo writes a GitOps repository of clusters×apps overlays over apps
// shared bases into dir: each overlay sets a namespace, an image tag, a
// replicas patch and a generated ConfigMap.
func monorepo(tb testing.TB, dir string, clusters, apps int) {
	tb.Helper()
	put := func(path, content string) {
		p := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	for a := range apps {
		name := fmt.Sprintf("app-%02d", a)
		put("bases/"+name+"/kustomization.yaml", "resources: [deployment.yaml, service.yaml]\n")
		put("bases/"+name+"/deployment.yaml", benchDeployment(name, "1.0.0"))
		put("bases/"+name+"/service.yaml", fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: %[1]s}
spec:
  selector: {app: %[1]s}
  ports: [{name: http, port: 80, targetPort: http}]
`, name))
	}
	for c := range clusters {
		for a := range apps {
			name := fmt.Sprintf("app-%02d", a)
			o := fmt.Sprintf("clusters/c%02d/apps/%s", c, name)
			put(o+"/kustomization.yaml", fmt.Sprintf(`namespace: c%02d-%s
resources: [../../../../bases/%s]
images: [{name: ghcr.io/acme/%s, newTag: "2.%d.0"}]
patches: [{path: replicas.yaml}]
configMapGenerator: [{name: %s-config, literals: [CLUSTER=c%02d]}]
`, c, name, name, name, c, name, c))
			put(o+"/replicas.yaml", fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: %s}\nspec: {replicas: %d}\n", name, 1+c%3))
		}
	}
}

func benchDeployment(name, tag string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %[1]s}
spec:
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
      containers:
        - name: %[1]s
          image: ghcr.io/acme/%[1]s:%[2]s
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: http}}
          livenessProbe: {httpGet: {path: /healthz, port: http}}
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 500m, memory: 256Mi}}
`, name, tag)
}

// BenchmarkCheckGit reviews a pull request that changes one shared base of
// a 200-overlay monorepo (20 overlays use it), between two revisions, as
// `kustoguard check --base main --head pr` does. Needs the real engine.
func BenchmarkCheckGit(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not installed")
	}
	dir := b.TempDir()
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	monorepo(b, dir, 20, 10)
	git("init", "-q", "-b", "main")
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	git("checkout", "-q", "-b", "pr")
	dep := strings.Replace(benchDeployment("app-03", "1.0.0"), "cpu: 500m", "cpu: 750m", 1)
	if err := os.WriteFile(filepath.Join(dir, "bases/app-03/deployment.yaml"), []byte(dep), 0o644); err != nil {
		b.Fatal(err)
	}
	git("commit", "-q", "-am", "raise app-03's cpu limit")
	git("gc", "-q") // a clone's objects are packed

	args := []string{"--repo", dir, "--base", "main", "--head", "pr", "--format", "json"}
	var stderr bytes.Buffer
	if code := check(context.Background(), args, io.Discard, &stderr, engine()); code == exitUsage {
		b.Skipf("review engine not available: %s", strings.TrimSpace(stderr.String()))
	}
	b.ResetTimer()
	for b.Loop() {
		if code := check(context.Background(), args, io.Discard, &stderr, engine()); code != exitOK {
			b.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
}
