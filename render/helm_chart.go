package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"text/template"
	"time"

	"github.com/Masterminds/sprig/v3"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/ignore"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/kustomize/kyaml/yaml/merge2"
	"sigs.k8s.io/yaml"
)

// helmGeneratedAnnotation marks chart output as kustomize's inflation
// does, so that its namespace transformer leaves the objects to Helm and
// the annotation is dropped from the output.
const helmGeneratedAnnotation = "internal.config.kubernetes.io/helm-generated"

// A chart archive in the tree or fetched may not grow past this when
// unpacked (Helm's own limit is 100 MiB).
const maxChartSize = 32 << 20

func init() {
	archive.MaxDecompressedChartSize = maxChartSize
}

func yamlUnmarshal(data []byte, v any) error { return yaml.Unmarshal(data, v) }

// inflateChart renders one helmCharts entry of the kustomization u to the
// resource stream kustomize would absorb from `helm template`.
func (t *Tree) inflateChart(ctx context.Context, opts HelmOptions, u helmUse, g types.HelmGlobals, c types.HelmChart) ([]byte, []helmDoc, error) {
	out, chartDir, err := t.templateChart(ctx, opts, u, g, c)
	if err != nil {
		return nil, nil, err
	}
	docs := t.helmDocs(out, chartDir, u.file)
	marked, err := markGenerated(out)
	return marked, docs, err
}

func (t *Tree) templateChart(ctx context.Context, opts HelmOptions, u helmUse, g types.HelmGlobals, c types.HelmChart) ([]byte, string, error) {
	if c.Name == "" {
		return nil, "", errors.New("chart name cannot be empty")
	}
	if strings.HasPrefix(c.Name, "-") || strings.HasPrefix(c.ReleaseName, "-") {
		return nil, "", errors.New("chart and release names must not start with '-'")
	}
	switch c.ValuesMerge {
	case "":
		c.ValuesMerge = "override"
	case "override", "merge", "replace":
	default:
		return nil, "", fmt.Errorf("valuesMerge must be one of [merge override replace], not %q", c.ValuesMerge)
	}
	home := g.ChartHome
	if home == "" {
		home = types.HelmDefaultHome
	}
	homeDir, err := t.helmPath(u.dir, home)
	if err != nil {
		return nil, "", fmt.Errorf("chartHome: %w", err)
	}
	ch, chartDir, err := t.findChart(ctx, opts, homeDir, c)
	if err != nil {
		return nil, "", err
	}
	values, err := t.helmValues(u.dir, chartDir, ch, c)
	if err != nil {
		return nil, "", err
	}
	name := c.ReleaseName
	if name == "" && c.NameTemplate != "" {
		if name, err = releaseNameFromTemplate(ctx, c.NameTemplate); err != nil {
			return nil, "", err
		}
	}
	if name == "" {
		name = "release-name" // what `helm template` calls an unnamed release
	}
	if err := chartutil.ValidateReleaseName(name); err != nil {
		return nil, "", fmt.Errorf("release name %q: %w", name, err)
	}
	ns := c.Namespace
	if ns == "" {
		ns = "default"
	}
	out, err := helmTemplate(ctx, templateRequest{
		chart: ch, values: values, releaseName: name, namespace: ns,
		kubeVersion: c.KubeVersion, apiVersions: c.ApiVersions,
		includeCRDs: c.IncludeCRDs, skipHooks: c.SkipHooks, skipTests: c.SkipTests,
	})
	return out, chartDir, err
}

// helmPath resolves a path of a Helm field against the kustomization's
// directory, refusing absolute paths, paths out of the kustomization's
// directory, remote locations and symlinks that point outside the tree.
func (t *Tree) helmPath(dir, p string) (string, error) {
	if c := classify(p); c == refHTTP || c == refGit {
		return "", fmt.Errorf("%q is a remote location; only files in the repository are read", p)
	}
	if path.IsAbs(p) {
		return "", fmt.Errorf("absolute path %q is not allowed", p)
	}
	j := path.Join(dir, p)
	if j == ".." || strings.HasPrefix(j, "../") {
		return "", fmt.Errorf("path %q leaves the tree", p)
	}
	// kustomize's load restrictions: Helm inputs lie in or below the
	// kustomization's directory.
	if dir != "." && dir != "" && j != dir && !strings.HasPrefix(j, dir+"/") {
		return "", fmt.Errorf("%q is not in or below %s", p, dir)
	}
	if l, ok := t.outsideLink(j); ok {
		return "", fmt.Errorf("%q is a symlink that points outside the tree (%s)", p, l)
	}
	return j, nil
}

// findChart loads the chart as kustomize finds it: a directory in the
// chart home (under <name>-<version>/ for a versioned remote chart), else
// a <name>-<version>.tgz archive there, else the remote repository.
func (t *Tree) findChart(ctx context.Context, opts HelmOptions, home string, c types.HelmChart) (*chart.Chart, string, error) {
	dir := path.Join(home, c.Name)
	if c.Version != "" && c.Repo != "" {
		dir = path.Join(home, c.Name+"-"+c.Version, c.Name)
	}
	if t.isDir(dir) {
		ch, err := t.loadChartDir(dir)
		if err == nil {
			err = fetchDependencies(ctx, opts, dir, ch)
		}
		return ch, dir, err
	}
	if c.Version != "" {
		tgz := path.Join(home, c.Name+"-"+c.Version+".tgz")
		if data, ok := t.ReadFile(tgz); ok {
			ch, err := loader.LoadArchive(bytes.NewReader(data))
			if err != nil {
				return nil, "", fmt.Errorf("loading %s: %w", tgz, err)
			}
			return ch, "", fetchDependencies(ctx, opts, tgz, ch)
		}
	}
	if l, ok := t.outsideLink(dir); ok {
		return nil, "", fmt.Errorf("%s is a symlink that points outside the tree (%s)", dir, l)
	}
	if c.Repo == "" {
		return nil, "", fmt.Errorf("no repo specified for pull, no chart found at %s", dir)
	}
	ch, err := fetchChart(ctx, opts, c)
	return ch, "", err
}

// loadChartDir loads a chart from the tree as helm loads a directory:
// .helmignore honored, every file read from the tree and nothing else.
func (t *Tree) loadChartDir(dir string) (*chart.Chart, error) {
	prefix := dir + "/"
	for link := range t.outside {
		if strings.HasPrefix(link, prefix) {
			return nil, fmt.Errorf("%s is a symlink that points outside the tree (%s)", link, t.outside[link])
		}
	}
	rules := ignore.Empty()
	if data, ok := t.ReadFile(path.Join(dir, ignore.HelmIgnore)); ok {
		r, err := ignore.Parse(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("parsing %s/.helmignore: %w", dir, err)
		}
		rules = r
	}
	rules.AddDefaults()
	var files []*archive.BufferedFile
	var size int64
	ignoredDirs := map[string]bool{}
	for _, p := range t.Files() {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		if s, ok := t.oversize[p]; ok {
			return nil, fmt.Errorf("%s is over the file size limit (%d bytes)", p, s)
		}
		rel := strings.TrimPrefix(p, prefix)
		if ignoredBelow(rules, rel, ignoredDirs) || rules.Ignore(rel, viewInfo{name: path.Base(rel)}) {
			continue
		}
		data, _ := t.ReadFile(p)
		size += int64(len(data))
		if size > maxChartSize {
			return nil, fmt.Errorf("chart %s is larger than the limit of %d bytes", dir, maxChartSize)
		}
		files = append(files, &archive.BufferedFile{Name: rel, Data: bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))})
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", dir, err)
	}
	return ch, nil
}

// ignoredBelow applies directory rules of .helmignore to the parents of
// rel, as helm's directory walk skips an ignored directory whole.
func ignoredBelow(rules *ignore.Rules, rel string, memo map[string]bool) bool {
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		d := strings.Join(parts[:i], "/")
		ign, ok := memo[d]
		if !ok {
			ign = rules.Ignore(d, viewInfo{name: parts[i-1], dir: true})
			memo[d] = ign
		}
		if ign {
			return true
		}
	}
	return false
}

// helmValues merges values as kustomize hands them to helm: valuesFile
// (default: the chart's values.yaml) with valuesInline per valuesMerge,
// then each of additionalValuesFiles over it.
func (t *Tree) helmValues(dir, chartDir string, ch *chart.Chart, c types.HelmChart) (map[string]any, error) {
	var base []byte
	if c.ValuesFile != "" {
		b, err := t.helmFile(dir, c.ValuesFile, "valuesFile")
		if err != nil {
			return nil, err
		}
		base = b
	} else if chartDir != "" {
		b, ok := t.ReadFile(path.Join(chartDir, "values.yaml"))
		if !ok {
			return nil, fmt.Errorf("%s/values.yaml not found in the tree", chartDir)
		}
		base = b
	} else {
		for _, f := range ch.Raw {
			if f.Name == "values.yaml" {
				base = f.Data
			}
		}
	}
	if len(c.ValuesInline) > 0 {
		inline := c.ValuesInline
		if c.ValuesMerge != "replace" {
			merged, err := mergeInline(base, inline, c.ValuesMerge)
			if err != nil {
				return nil, err
			}
			inline = merged
		}
		b, err := yaml.Marshal(inline)
		if err != nil {
			return nil, err
		}
		base = b
	}
	vals := map[string]any{}
	layers := [][]byte{base}
	names := []string{"values"}
	for _, f := range c.AdditionalValuesFiles {
		b, err := t.helmFile(dir, f, "additionalValuesFiles")
		if err != nil {
			return nil, err
		}
		layers = append(layers, b)
		names = append(names, f)
	}
	for i, b := range layers {
		m := map[string]any{}
		if err := yaml.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("parsing %s: %w", names[i], err)
		}
		vals = loader.MergeMaps(vals, m)
	}
	return vals, nil
}

func (t *Tree) helmFile(dir, p, field string) ([]byte, error) {
	full, err := t.helmPath(dir, p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	b, ok := t.ReadFile(full)
	if !ok {
		return nil, fmt.Errorf("%s: %s not found in the tree", field, full)
	}
	return b, nil
}

// mergeInline is kustomize's valuesMerge: override lets valuesInline win,
// merge lets the values file win.
func mergeInline(base []byte, inline map[string]any, mode string) (map[string]any, error) {
	file, err := kyaml.Parse(string(base))
	if err != nil {
		return nil, fmt.Errorf("parsing values file: %w", err)
	}
	in, err := kyaml.FromMap(inline)
	if err != nil {
		return nil, fmt.Errorf("parsing valuesInline: %w", err)
	}
	var out *kyaml.RNode
	if mode == "override" {
		out, err = merge2.Merge(in, file.Copy(), kyaml.MergeOptions{})
	} else {
		out, err = merge2.Merge(file, in.Copy(), kyaml.MergeOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("merging values: %w", err)
	}
	return out.Map()
}

// releaseNameFromTemplate renders nameTemplate as helm does, without the
// functions that read the environment.
func releaseNameFromTemplate(ctx context.Context, tpl string) (string, error) {
	funcs := sprig.TxtFuncMap()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultBudget)
	}
	for k, v := range sandboxFuncs(deadline, [2]uint64{}) {
		funcs[k] = v
	}
	t, err := template.New("name-template").Funcs(funcs).Parse(instrument("name-template", tpl))
	if err != nil {
		return "", fmt.Errorf("nameTemplate: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&limitedWriter{w: &b, n: 1 << 10}, nil); err != nil {
		return "", fmt.Errorf("nameTemplate: %w", err)
	}
	return b.String(), nil
}

type limitedWriter struct {
	w *strings.Builder
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.w.Len()+len(p) > l.n {
		return 0, errors.New("output over the limit")
	}
	return l.w.Write(p)
}

// markGenerated annotates every object of helm's output as kustomize's
// HelmChartInflationGenerator does.
func markGenerated(out []byte) ([]byte, error) {
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(out), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, fmt.Errorf("reading chart output: %w", err)
	}
	for _, n := range nodes {
		if err := n.PipeE(kyaml.SetAnnotation(helmGeneratedAnnotation, "true")); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	if err := (kio.ByteWriter{Writer: &b}).Write(nodes); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
