package render

import (
	"context"
	"fmt"
	"path"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// HelmOptions configures how renders inflate `helmCharts:`. The zero value
// renders charts found in the tree and refuses every remote source.
type HelmOptions struct {
	// Disabled refuses every kustomization that uses Helm.
	Disabled bool
	// Allow lists the remote sources (URL prefixes such as
	// "https://stefanprodan.github.io/podinfo" or "oci://ghcr.io/acme/")
	// that may be fetched; it comes from the base branch's configuration.
	Allow []string
	// Fetcher fetches allow-listed charts and https:// kustomize
	// resources; nil refuses them all.
	Fetcher *ChartFetcher
	// Repos fetches allow-listed GitHub repositories named as kustomize
	// bases (github.com/o/r//dir?ref=v1); nil refuses them all.
	Repos RepoFetcher
}

type helmOptionsKey struct{}

// WithHelm returns a context whose renders use opts for Helm charts.
func WithHelm(ctx context.Context, opts HelmOptions) context.Context {
	return context.WithValue(ctx, helmOptionsKey{}, opts)
}

func helmOptionsFrom(ctx context.Context) HelmOptions {
	o, _ := ctx.Value(helmOptionsKey{}).(HelmOptions)
	return o
}

// helmUse is a kustomization of a render's closure that inflates charts.
type helmUse struct {
	dir, file string
	// inheritedNS is the namespace kustomize hands down to charts of
	// bases from the nearest kustomization above that sets one.
	inheritedNS string
}

// usesHelm reports whether a kustomization inflates Helm charts.
func usesHelm(k *types.Kustomization) bool {
	return len(k.HelmCharts) > 0 || len(k.HelmChartInflationGenerator) > 0 || k.HelmGlobals != nil
}

// noteHelm records a kustomization using Helm for inflation before the
// build; refusals that need no chart (Helm turned off) happen then too.
func (s *scanner) noteHelm(dir string, k *kustDoc) error {
	u := helmUse{dir: dir, file: k.file}
	for i := len(s.stack) - 2; i >= 0; i-- {
		if ns := kustNamespace(s.t, s.stack[i]); ns != "" {
			u.inheritedNS = ns
			break
		}
	}
	s.res.helm = append(s.res.helm, u)
	return nil
}

func kustNamespace(t *Tree, file string) string {
	data, _ := t.ReadFile(file)
	var k struct {
		Namespace string `json:"namespace"`
	}
	if err := yamlUnmarshal(data, &k); err != nil {
		return ""
	}
	return k.Namespace
}

// helmInflation is what inflating a closure's charts produced.
type helmInflation struct {
	// files stand in for the tree's during the build: each kustomization
	// using Helm without its helmCharts, and the charts' output as a
	// resource file beside it.
	files map[string][]byte
	// docs lists, per output file, the objects and the chart files that
	// declared them.
	docs map[string][]helmDoc
}

// helmFiles inflates every chart of the closure.
func (t *Tree) helmFiles(ctx context.Context, sr *scanResult) (*helmInflation, error) {
	inf := &helmInflation{files: map[string][]byte{}, docs: map[string][]helmDoc{}}
	if len(sr.helm) == 0 {
		return inf, nil
	}
	opts := helmOptionsFrom(ctx)
	for _, u := range sr.helm {
		if opts.Disabled {
			return nil, fmt.Errorf("%s: helm charts are not supported", u.file)
		}
		if _, done := inf.files[u.file]; done {
			continue
		}
		if err := t.inflateKustomization(ctx, opts, u, inf); err != nil {
			return nil, err
		}
	}
	return inf, nil
}

func (t *Tree) inflateKustomization(ctx context.Context, opts HelmOptions, u helmUse, inf *helmInflation) error {
	out := inf.files
	data, _ := t.ReadFile(u.file)
	var k types.Kustomization
	if err := k.Unmarshal(data); err != nil {
		return fmt.Errorf("parsing %s: %w", u.file, err)
	}
	k.FixKustomization()
	globals := types.HelmGlobals{}
	if k.HelmGlobals != nil {
		globals = *k.HelmGlobals
	}
	var generated []string
	for i, c := range k.HelmCharts {
		if c.Namespace == "" {
			c.Namespace = k.Namespace
		}
		if c.Namespace == "" {
			c.Namespace = u.inheritedNS
		}
		y, docs, err := t.inflateChart(ctx, opts, u, globals, c)
		if err != nil {
			return fmt.Errorf("%s: helm chart %s: %s", u.file, c.Name, shortError(err))
		}
		name := fmt.Sprintf("%s%d-%s.yaml", helmGeneratedPrefix, i, safeName(c.Name))
		p := path.Join(u.dir, name)
		if _, ok := t.ReadFile(p); ok {
			return fmt.Errorf("%s: %s is reserved for Helm output", u.file, p)
		}
		out[p] = y
		inf.docs[p] = docs
		generated = append(generated, name)
	}
	rewritten, err := withoutHelm(data, generated)
	if err != nil {
		return fmt.Errorf("rewriting %s: %w", u.file, err)
	}
	out[u.file] = rewritten
	return nil
}

// shortError keeps a template error readable in a finding: nested
// include errors repeat their call chain, up to a thousand times.
func shortError(err error) string {
	const head, tail = 400, 400
	s := err.Error()
	if len(s) <= head+tail+50 {
		return s
	}
	return s[:head] + " … " + s[len(s)-tail:]
}

// helmGeneratedPrefix names the resource files holding chart output; the
// name starts with a dot so it cannot clash with a chart or manifest.
const helmGeneratedPrefix = ".helmchart-"

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, s)
}

// withoutHelm is the kustomization with its Helm fields removed and the
// charts' output appended to its resources.
func withoutHelm(data []byte, generated []string) ([]byte, error) {
	rn, err := yaml.Parse(string(data))
	if err != nil {
		return nil, err
	}
	for _, f := range []string{"helmCharts", "helmGlobals", "helmChartInflationGenerator"} {
		if err := rn.PipeE(yaml.Clear(f)); err != nil {
			return nil, err
		}
	}
	var have []string
	if n := rn.Field("resources"); n != nil && n.Value != nil {
		for _, c := range n.Value.YNode().Content {
			have = append(have, c.Value)
		}
	}
	if err := rn.PipeE(yaml.SetField("resources", yaml.NewListRNode(append(have, generated...)...))); err != nil {
		return nil, err
	}
	s, err := rn.String()
	return []byte(s), err
}

// helmFS serves the inflation's stand-in files over the tree's file
// system; it never writes.
type helmFS struct {
	filesys.FileSystem
	files map[string][]byte // absolute path ("/" + tree path) → content
}

func newHelmFS(base filesys.FileSystem, files map[string][]byte) filesys.FileSystem {
	if len(files) == 0 {
		return base
	}
	abs := make(map[string][]byte, len(files))
	for p, b := range files {
		abs["/"+p] = b
	}
	return helmFS{FileSystem: base, files: abs}
}

func (h helmFS) ReadFile(p string) ([]byte, error) {
	if b, ok := h.files[path.Clean(p)]; ok {
		return append([]byte(nil), b...), nil
	}
	return h.FileSystem.ReadFile(p)
}

func (h helmFS) Exists(p string) bool {
	if _, ok := h.files[path.Clean(p)]; ok {
		return true
	}
	return h.FileSystem.Exists(p)
}

func (h helmFS) IsDir(p string) bool {
	if _, ok := h.files[path.Clean(p)]; ok {
		return false
	}
	return h.FileSystem.IsDir(p)
}

func (h helmFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	if _, ok := h.files[path.Clean(p)]; ok {
		return filesys.ConfirmedDir(path.Dir(path.Clean(p))), path.Base(p), nil
	}
	return h.FileSystem.CleanedAbs(p)
}

func (h helmFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (h helmFS) Mkdir(string) error                  { return errReadOnly }
func (h helmFS) MkdirAll(string) error               { return errReadOnly }
func (h helmFS) RemoveAll(string) error              { return errReadOnly }
func (h helmFS) WriteFile(string, []byte) error      { return errReadOnly }
