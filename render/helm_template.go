package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	release "helm.sh/helm/v4/pkg/release/v1"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
)

// helmDefaultKubeVersion is what a released helm v3.21 reports as
// .Capabilities.KubeVersion when no kubeVersion is given (it is set from
// the client-go release helm is built with).
const helmDefaultKubeVersion = "v1.36.0"

// helmVersionReported is .Capabilities.HelmVersion.Version: output is
// meant to match `kustomize build --enable-helm` with helm v3.21.
const helmVersionReported = "v3.21.4"

// tickFunc is the template function inserted at the top of every loop
// body and named template so that a runaway template stops at the render
// deadline or its work budget instead of running on.
const tickFunc = "kustoguardTick"

// templateWork bounds the loop iterations and template calls of one chart
// render, weighted by the size of the loop body, so that output grows by
// at most about this many bytes of template text.
const templateWork = 16 << 20

// templateCalls bounds loop iterations and named-template calls of one
// chart render; real charts stay orders of magnitude below it.
const templateCalls = 2 << 20

// maxChartOutput caps what one chart may render, all templates together.
const maxChartOutput = 32 << 20

// fixedNow is what `now` returns in a chart: a render depends only on
// the commit, never on the clock.
var fixedNow = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

var errTemplateBudget = errors.New("template exceeded its work budget")

// templateRequest is one chart inflation, its values already merged.
type templateRequest struct {
	chart       *chart.Chart
	values      map[string]any
	releaseName string
	namespace   string
	kubeVersion string
	apiVersions []string
	includeCRDs bool
	skipHooks   bool
	skipTests   bool
}

// helmTemplate renders a chart as `helm template` does and returns its
// YAML stream. Templates are instrumented so that a loop or recursion
// stops at ctx's deadline; the engine runs on its own goroutine and is
// abandoned if it still overruns.
func helmTemplate(ctx context.Context, req templateRequest) ([]byte, error) {
	ch := req.chart
	caps, err := capabilities(req.kubeVersion, req.apiVersions)
	if err != nil {
		return nil, err
	}
	if ch.Metadata == nil {
		return nil, errors.New("chart has no Chart.yaml")
	}
	if ch.Metadata.Type == "library" {
		return nil, fmt.Errorf("chart %s is a library chart, which cannot be rendered", ch.Name())
	}
	if ch.Metadata.KubeVersion != "" && !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, caps.KubeVersion.String()) {
		return nil, fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s (set kubeVersion in the helmCharts entry)", ch.Metadata.KubeVersion, caps.KubeVersion.Version)
	}
	if err := checkDependencies(ch); err != nil {
		return nil, err
	}
	if err := chartutil.ProcessDependencies(ch, req.values); err != nil {
		return nil, err
	}
	if err := instrumentChart(ch); err != nil {
		return nil, err
	}
	opts := common.ReleaseOptions{Name: req.releaseName, Namespace: req.namespace, Revision: 1, IsInstall: true}
	vals, err := util.ToRenderValuesWithSchemaValidation(ch, req.values, opts, caps, false)
	if err != nil {
		return nil, err
	}
	files, err := runEngine(ctx, ch, vals, seedFor(req))
	if err != nil {
		return nil, err
	}
	return assembleManifests(ch, files, req)
}

func capabilities(kubeVersion string, apiVersions []string) (*common.Capabilities, error) {
	caps := common.DefaultCapabilities.Copy()
	kv := kubeVersion
	if kv == "" {
		kv = helmDefaultKubeVersion
	}
	v, err := common.ParseKubeVersion(kv)
	if err != nil {
		return nil, fmt.Errorf("invalid kube version %q: %w", kv, err)
	}
	caps.KubeVersion = *v
	caps.APIVersions = append(caps.APIVersions, apiVersions...)
	caps.HelmVersion.Version = helmVersionReported
	return caps, nil
}

// checkDependencies refuses a chart whose Chart.yaml names dependencies
// missing from its charts/ directory, as `helm template` does.
func checkDependencies(ch *chart.Chart) error {
	var missing []string
	for _, d := range ch.Metadata.Dependencies {
		found := false
		for _, sub := range ch.Dependencies() {
			if sub.Name() == d.Name {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, d.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s (dependencies are never fetched: vendor them with `helm dependency build` and commit charts/)", strings.Join(missing, ", "))
	}
	return nil
}

type engineResult struct {
	files map[string]string
	err   error
}

func runEngine(ctx context.Context, ch *chart.Chart, vals common.Values, seed [2]uint64) (map[string]string, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultBudget)
	}
	e := engine.Engine{CustomTemplateFuncs: sandboxFuncs(deadline, seed)}
	done := make(chan engineResult, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- engineResult{err: fmt.Errorf("rendering templates panicked: %v", p)}
			}
		}()
		files, err := e.RenderWithContext(ctx, ch, vals)
		done <- engineResult{files, err}
	}()
	select {
	case r := <-done:
		if r.err != nil && errors.Is(r.err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("templates exceeded the time budget: %w", r.err)
		}
		return r.files, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("templates exceeded the time budget: %w", ctx.Err())
	}
}

// assembleManifests prints rendered templates as `helm template` does:
// CRDs (with includeCRDs), then manifests in install order, then hooks
// (unless skipHooks; test hooks dropped with skipTests).
func assembleManifests(ch *chart.Chart, files map[string]string, req templateRequest) ([]byte, error) {
	total := 0
	for k, v := range files {
		total += len(v)
		if strings.HasSuffix(k, "NOTES.txt") {
			delete(files, k)
		}
	}
	if total > maxChartOutput {
		return nil, fmt.Errorf("templates rendered %d bytes, over the limit of %d", total, maxChartOutput)
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if req.includeCRDs {
		for _, crd := range ch.CRDObjects() {
			fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", crd.Filename, string(crd.File.Data))
		}
	}
	for _, m := range manifests {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.Name, m.Content)
	}
	out := bytes.NewBuffer(nil)
	out.WriteString(strings.TrimSpace(b.String()))
	out.WriteString("\n")
	if !req.skipHooks {
		for _, h := range hooks {
			if req.skipTests && isTestHook(h) {
				continue
			}
			fmt.Fprintf(out, "---\n# Source: %s\n%s\n", h.Path, h.Manifest)
		}
	}
	return out.Bytes(), nil
}

func isTestHook(h *release.Hook) bool {
	for _, e := range h.Events {
		if e == release.HookTest {
			return true
		}
	}
	return false
}
