package render

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
)

// GenerateMonorepo returns the files of a GitOps monorepo with apps
// applications deployed to envs environments each, for tests and
// benchmarks. It is deterministic and renders with `kustomize build`.
//
// Layout, with apps×envs overlays (nothing else is left unreferenced):
//
//	README.md, docs/                       never rendered
//	bases/<app>/                           Deployment, Service, ConfigMap, ServiceAccount;
//	                                       every third app shares the previous app's base
//	components/{monitoring,netpol}/        Components
//	apps/<app>/base/                       the shared base + netpol, app labels
//	apps/<app>/overlays/<env>/             namespace, namePrefix, images, replicas,
//	                                       strategic-merge and JSON6902 patches,
//	                                       configMapGenerator with files and envs,
//	                                       labels; monitoring on production envs
func GenerateMonorepo(apps, envs int) map[string][]byte {
	files := map[string][]byte{}
	put := func(p, s string) { files[p] = []byte(s) }
	put("README.md", "# Platform GitOps\n\nOne directory per application under apps/, shared bases under bases/.\n")
	put("docs/onboarding.md", "# Onboarding\n\nCopy an existing app and change its name.\n")
	put("components/monitoring/kustomization.yaml", monitoringKustomization)
	put("components/monitoring/servicemonitor.yaml", serviceMonitor)
	put("components/monitoring/scrape.yaml", scrapePatch)
	put("components/netpol/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- networkpolicy.yaml\n")
	put("components/netpol/networkpolicy.yaml", networkPolicy)
	for i := range apps {
		app := appName(i)
		if sharedBase(i) == i {
			b := "bases/" + app + "/"
			put(b+"kustomization.yaml", baseKustomization)
			put(b+"deployment.yaml", fmt.Sprintf(deploymentTmpl, 8080+i%10))
			put(b+"service.yaml", serviceYAML)
			put(b+"configmap.yaml", fmt.Sprintf(configMapTmpl, app))
			put(b+"serviceaccount.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n")
		}
		put("apps/"+app+"/base/kustomization.yaml", fmt.Sprintf(appBaseTmpl, appName(sharedBase(i)), app))
		for e := range envs {
			env := envName(e)
			o := "apps/" + app + "/overlays/" + env + "/"
			put(o+"kustomization.yaml", overlayKustomization(app, env, i, e))
			put(o+"resources.yaml", fmt.Sprintf(resourcesPatchTmpl, 100*(1+e%4), 128<<(e%3), 256<<(e%3)))
			put(o+"probes.json", fmt.Sprintf(probesPatchTmpl, 10+e%5))
			put(o+"app.properties", fmt.Sprintf("app.name=%s\nenv=%s\ncache.ttl=%d\n", app, env, 60*(1+e)))
			put(o+"app.env", fmt.Sprintf("LOG_LEVEL=%s\nREGION=%s\n", logLevel(env), region(e)))
		}
	}
	return files
}

// GenerateMonorepoChange edits the shared base of a repository made by
// GenerateMonorepo (the one the second and third apps use, or the first
// app's when there are fewer) and returns the edited copy and the changed
// paths, as a one-file pull request would.
func GenerateMonorepoChange(files map[string][]byte) (head map[string][]byte, changed []string) {
	p := "bases/" + appName(1) + "/deployment.yaml"
	if _, ok := files[p]; !ok {
		p = "bases/" + appName(0) + "/deployment.yaml"
	}
	head = maps.Clone(files)
	head[p] = []byte(strings.Replace(string(files[p]), "memory: 256Mi", "memory: 384Mi", 1))
	return head, []string{p}
}

var appWords = []string{"checkout", "cart", "search", "billing", "auth", "catalog", "orders", "payments", "profile", "notify"}

func appName(i int) string {
	w := appWords[i%len(appWords)]
	if i < len(appWords) {
		return w
	}
	return w + "-" + strconv.Itoa(i/len(appWords)+1)
}

// sharedBase is the index of the app whose base app i uses.
func sharedBase(i int) int {
	if i%3 == 2 {
		return i - 1
	}
	return i
}

var envWords = []string{"dev", "staging", "prod", "qa", "prod-eu", "perf", "prod-us", "canary", "dr", "sandbox"}

func envName(e int) string {
	if e < len(envWords) {
		return envWords[e]
	}
	return "env-" + strconv.Itoa(e)
}

func region(e int) string { return []string{"us-east-1", "eu-west-1", "ap-south-1"}[e%3] }

func logLevel(env string) string {
	if strings.HasPrefix(env, "prod") {
		return "warn"
	}
	return "debug"
}

func overlayKustomization(app, env string, i, e int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: %s-%s
namePrefix: %s-
labels:
- pairs:
    env: %s
resources:
- ../../base
`, app, env, app, env)
	if strings.HasPrefix(env, "prod") {
		b.WriteString("components:\n- ../../../../components/monitoring\n")
	}
	fmt.Fprintf(&b, `images:
- name: ghcr.io/acme/app
  newName: ghcr.io/acme/%s
  newTag: 1.%d.%d
replicas:
- name: app
  count: %d
patchesStrategicMerge:
- resources.yaml
patchesJson6902:
- target:
    group: apps
    version: v1
    kind: Deployment
    name: app
  path: probes.json
configMapGenerator:
- name: app-settings
  files:
  - app.properties
  envs:
  - app.env
`, app, i%7, e, 1+e%3)
	return b.String()
}

const baseKustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- serviceaccount.yaml
- configmap.yaml
- deployment.yaml
- service.yaml
`

const appBaseTmpl = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../../../bases/%s
components:
- ../../../components/netpol
labels:
- pairs:
    app.kubernetes.io/name: %s
  includeSelectors: true
`

const deploymentTmpl = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 1
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      serviceAccountName: app
      containers:
      - name: app
        image: ghcr.io/acme/app:1.0.0
        ports:
        - name: http
          containerPort: %d
        envFrom:
        - configMapRef:
            name: app-static
        - configMapRef:
            name: app-settings
        readinessProbe:
          httpGet:
            path: /ready
            port: http
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
          limits:
            memory: 256Mi
        volumeMounts:
        - name: tmp
          mountPath: /tmp
      volumes:
      - name: tmp
        emptyDir: {}
`

const serviceYAML = `apiVersion: v1
kind: Service
metadata:
  name: app
spec:
  selector:
    app: app
  ports:
  - name: http
    port: 80
    targetPort: http
`

const configMapTmpl = `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-static
data:
  SERVICE_NAME: %s
  TRACING_ENDPOINT: http://otel-collector.observability:4317
`

const resourcesPatchTmpl = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
      - name: app
        resources:
          requests:
            cpu: %dm
            memory: %dMi
          limits:
            memory: %dMi
`

const probesPatchTmpl = `[
  {"op": "add", "path": "/spec/template/spec/containers/0/livenessProbe",
   "value": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": %d}}
]
`

const monitoringKustomization = `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources:
- servicemonitor.yaml
patches:
- path: scrape.yaml
  target:
    kind: Deployment
`

const serviceMonitor = `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: app
spec:
  selector:
    matchLabels:
      app: app
  endpoints:
  - port: http
    path: /metrics
`

const scrapePatch = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: any
spec:
  template:
    metadata:
      annotations:
        prometheus.io/scrape: "true"
`

const networkPolicy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: app
spec:
  podSelector:
    matchLabels:
      app: app
  policyTypes:
  - Ingress
  ingress:
  - ports:
    - port: http
`
