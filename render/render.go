package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"sync"
	"time"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// DefaultBudget is the time one render may take when the caller's context
// carries no deadline.
const DefaultBudget = 30 * time.Second

// lockMode is how concurrent renders share kustomize's package-global
// OpenAPI schema (kustomize issues #4824, #5805).
type lockMode int

const (
	// lockSchema lets renders run in parallel and gives exclusive access
	// only to those whose closure sets openapi:, which replaces the global
	// schema; it is the fastest race-free mode measured.
	lockSchema lockMode = iota
	// lockGlobal serializes every render.
	lockGlobal
	// lockNone takes no lock; racy with openapi:, kept for measuring.
	lockNone
)

var (
	renderLockMode = lockSchema
	schemaMu       sync.RWMutex
	// alwaysTrackOrigins skips the static attribution pass (for tests).
	alwaysTrackOrigins = false
	// scanClosure is the static pre-scan; tests replace it to show that
	// the sandbox holds without it.
	scanClosure = (*Tree).scan
)

// Render builds the kustomization in dir as `kustomize build dir` would,
// with plugins, functions, Helm and remote resources refused. It stops at
// ctx's deadline (or DefaultBudget) with an error. The objects come back in
// kustomize's output order, each with the source lines that declared it.
func (t *Tree) Render(ctx context.Context, dir string) ([]Object, error) {
	if isolateRenders.Load() {
		mt, err := t.mountRemote(ctx, filepath.ToSlash(dir))
		if err != nil {
			return nil, t.sanitizeError(dir, fmt.Errorf("rendering %s: %w", dir, err), nil)
		}
		objs, err := mt.RenderIsolated(ctx, dir)
		mt.attributeRemote(objs)
		return objs, err
	}
	r, err := t.render(ctx, dir, false)
	if err != nil {
		return nil, err
	}
	return r.objects, nil
}

// RenderYAML is Render's output as the YAML stream `kustomize build` prints,
// byte for byte.
func (t *Tree) RenderYAML(ctx context.Context, dir string) ([]byte, error) {
	var b bytes.Buffer
	if err := t.RenderYAMLTo(ctx, dir, &b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// RenderYAMLTo writes RenderYAML's stream to w. Each object is printed
// and let go of in turn, so the stream never sits in memory beside every
// object (kustomize holds both when a big overlay's memory peaks), and it
// is written only once all printed: a failing render writes nothing.
func (t *Tree) RenderYAMLTo(ctx context.Context, dir string, w io.Writer) error {
	r, err := t.render(ctx, dir, true)
	if err != nil {
		return err
	}
	docs, err := printEach(r.resources)
	if err != nil {
		return r.fail(err)
	}
	// As kustomize's ResMap.AsYaml: documents separated by "---" lines.
	for i, d := range docs {
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(d); err != nil {
			return err
		}
	}
	return nil
}

// printEach prints each resource as YAML, dropping it from the slice once
// printed.
func printEach(resources []*resource.Resource) ([][]byte, error) {
	docs := make([][]byte, len(resources))
	for i, res := range resources {
		out, err := res.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", res.CurId(), err)
		}
		docs[i] = out
		resources[i] = nil
	}
	return docs, nil
}

type rendered struct {
	objects []Object
	// resources is the output of a render for its YAML stream, which
	// takes them from the ResMap (writeStream).
	resources []*resource.Resource
	err       error
	// fail reports an error met after the render as the render's own,
	// sanitized for the closure it read.
	fail func(error) error
}

func (t *Tree) render(ctx context.Context, dir string, wantYAML bool) (*rendered, error) {
	// Errors met before any file is read quote none.
	nothingRead := &scanResult{}
	if err := ctx.Err(); err != nil {
		return nil, t.sanitizeError(dir, fmt.Errorf("rendering %s: %w", dir, err), nothingRead)
	}
	dir = path.Clean(filepath.ToSlash(dir))
	if dir == ".." || path.IsAbs(dir) || len(dir) > 2 && dir[:3] == "../" {
		return nil, t.sanitizeError(dir, fmt.Errorf("rendering %s: directory is outside the tree", dir), nothingRead)
	}
	// Allow-listed remote entries are fetched and mounted in a copy of
	// the tree, which the render then reads instead.
	mt, err := t.mountRemote(ctx, dir)
	if err != nil {
		return nil, t.sanitizeError(dir, fmt.Errorf("rendering %s: %w", dir, err), nil)
	}
	sr, err := scanClosure(mt, dir, !wantYAML)
	if err == nil {
		var r *rendered
		if r, err = mt.renderScanned(ctx, dir, sr, wantYAML); err == nil {
			r.fail = func(err error) error {
				return mt.sanitizeError(dir, fmt.Errorf("rendering %s: %w", dir, err), sr)
			}
			return r, nil
		}
	}
	// Only what the closure can read may be quoted in its error.
	return nil, mt.sanitizeError(dir, fmt.Errorf("rendering %s: %w", dir, err), sr)
}

func (t *Tree) renderScanned(ctx context.Context, dir string, sr *scanResult, wantYAML bool) (*rendered, error) {
	base, err := t.fileSystem()
	if err != nil {
		return nil, err
	}
	budget := DefaultBudget
	if d, ok := ctx.Deadline(); ok {
		budget = time.Until(d).Round(time.Millisecond)
	} else {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
	}
	// Helm charts are inflated first; kustomize then sees each such
	// kustomization with its charts' output as a resource file.
	helm, err := t.helmFiles(ctx, sr)
	if err != nil {
		return nil, err
	}
	base = newHelmFS(base, helm.files)
	top, err := t.content(sr.top.file)
	if err != nil {
		return nil, err
	}
	if b, ok := helm.files[sr.top.file]; ok {
		top = b
	}
	data, added, err := withBuildMetadata(top)
	if err != nil {
		return nil, err
	}
	// krusty cannot be interrupted: it runs on its own goroutine and is
	// abandoned at the deadline; its file reads fail from then on, so it
	// stops at the next one instead of finishing in the background.
	// gitGuardFS is the second line behind the scan (see sandbox.go).
	plain := gitGuardFS{overrideFS{FileSystem: base, stop: ctx.Done()}}
	tracking := gitGuardFS{overrideFS{FileSystem: base, path: "/" + sr.top.file, data: data, stop: ctx.Done()}}
	done := make(chan *rendered, 1)
	go func() {
		done <- t.build(plain, tracking, dir, sr, added, wantYAML)
	}()
	var r *rendered
	select {
	case r = <-done:
	case <-ctx.Done():
	}
	// A render cut short by the deadline fails on its next file read; the
	// deadline is the reason to report, not that read.
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("exceeded time budget %s", budget)
		}
		return nil, err
	}
	if r.err != nil {
		return nil, r.err
	}
	attributeHelm(r.objects, helm)
	t.attributeRemote(r.objects)
	return r, nil
}

// build renders twice at most. The first pass is plain krusty, whose output
// is `kustomize build`'s by construction, with sources found statically
// from the kustomization closure; origin tracking makes kustomize about
// three times as costly, so only when some object cannot be attributed
// with certainty does a second pass ask kustomize for its origin records.
func (t *Tree) build(plain, tracking filesys.FileSystem, dir string, sr *scanResult, added []string, wantYAML bool) (r *rendered) {
	defer func() {
		if p := recover(); p != nil {
			r = &rendered{err: fmt.Errorf("kustomize panicked: %v", p)}
		}
	}()
	src := newSourcer(t, dir, sr)
	if !alwaysTrackOrigins {
		m, err := runKrusty(plain, path.Join("/", dir), sr.needsSchema)
		if err != nil {
			return &rendered{err: err}
		}
		if wantYAML {
			return finish(m, nil, true) // the stream needs no sources
		}
		if objs, ok := src.staticObjects(m); ok {
			return finish(m, objs, wantYAML)
		}
	}
	m, err := runKrusty(tracking, path.Join("/", dir), sr.needsSchema)
	if err != nil {
		return &rendered{err: err}
	}
	objs := make([]Object, 0, m.Size())
	for _, res := range m.Resources() {
		o, err := src.object(res, added)
		if err != nil {
			return &rendered{err: err}
		}
		objs = append(objs, o)
	}
	return finish(m, objs, wantYAML)
}

func finish(m resmap.ResMap, objs []Object, wantYAML bool) *rendered {
	out := &rendered{objects: objs}
	if wantYAML {
		out.resources = m.Resources()
		m.Clear()
	}
	return out
}

func runKrusty(fsys filesys.FileSystem, dir string, needsSchema bool) (resmap.ResMap, error) {
	switch renderLockMode {
	case lockGlobal:
		schemaMu.Lock()
		defer schemaMu.Unlock()
	case lockSchema:
		if needsSchema {
			schemaMu.Lock()
			defer schemaMu.Unlock()
		} else {
			schemaMu.RLock()
			defer schemaMu.RUnlock()
		}
	}
	if needsSchema && renderLockMode != lockNone {
		// A custom schema outlives the run that set it; put the default
		// back so the next render sees what `kustomize build` would.
		defer openapi.ResetOpenAPI()
	}
	opts := krusty.MakeDefaultOptions()
	// As `kustomize build` without --reorder: sortOptions, else legacy order.
	opts.Reorder = krusty.ReorderOptionUnspecified
	opts.PluginConfig = types.DisabledPluginConfig()
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	return krusty.MakeKustomizer(opts).Run(fsys, dir)
}

// withBuildMetadata asks kustomize to record origins and transformations in
// the top kustomization, returning which options it had to add (and so must
// strip again from the output).
func withBuildMetadata(data []byte) ([]byte, []string, error) {
	rn, err := yaml.Parse(string(data))
	if err != nil {
		return nil, nil, err
	}
	var have []string
	if n := rn.Field("buildMetadata"); n != nil && n.Value != nil {
		for _, c := range n.Value.YNode().Content {
			have = append(have, c.Value)
		}
	}
	var added []string
	for _, want := range []string{types.OriginAnnotations, types.TransformerAnnotations} {
		if !contains(have, want) {
			added = append(added, want)
		}
	}
	if len(added) == 0 {
		return data, nil, nil
	}
	if err := rn.PipeE(yaml.SetField("buildMetadata", yaml.NewListRNode(append(have, added...)...))); err != nil {
		return nil, nil, err
	}
	s, err := rn.String()
	return []byte(s), added, err
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// stripBookkeeping removes the annotations the renderer asked for, so the
// output equals `kustomize build`.
func stripBookkeeping(res *resource.Resource, added []string) error {
	if contains(added, types.OriginAnnotations) {
		if err := res.SetOrigin(nil); err != nil {
			return err
		}
	}
	if contains(added, types.TransformerAnnotations) {
		if err := res.ClearTransformations(); err != nil {
			return err
		}
	}
	return nil
}

// overrideFS is the shared in-memory tree with one file replaced and every
// write refused, so renders never change the tree others read.
type overrideFS struct {
	filesys.FileSystem
	path string
	data []byte
	stop <-chan struct{}
}

var (
	errReadOnly  = errors.New("the tree is read-only")
	errAbandoned = errors.New("render abandoned at its deadline")
)

func (o overrideFS) ReadFile(p string) ([]byte, error) {
	select {
	case <-o.stop:
		return nil, errAbandoned
	default:
	}
	if o.path != "" && filepath.Clean(p) == o.path {
		return append([]byte(nil), o.data...), nil
	}
	return o.FileSystem.ReadFile(p)
}

func (o overrideFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (o overrideFS) Mkdir(string) error                  { return errReadOnly }
func (o overrideFS) MkdirAll(string) error               { return errReadOnly }
func (o overrideFS) RemoveAll(string) error              { return errReadOnly }
func (o overrideFS) WriteFile(string, []byte) error      { return errReadOnly }
