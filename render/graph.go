package render

import (
	"fmt"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
)

// node is one kustomization root and what it names directly.
type node struct {
	dir       string
	file      string // its kustomization file
	component bool   // kind: Component, never an overlay
	// unreadable is set when the kustomization cannot be parsed, so that
	// any change may reach it.
	unreadable bool
	children   []string // kustomization roots it names
	files      []string // files it names, its own kustomization file included
	prefixes   []string // paths it depends on wholesale: the path and everything under it ("." is everything)
}

// graph is the static input graph of one tree, indexed for the question
// "which roots does a change to this path reach?".
type graph struct {
	roots    map[string]*node
	dups     []string            // dirs holding more than one kustomization file
	referred map[string]bool     // roots another kustomization names
	byFile   map[string][]string // path → roots naming it
	byPrefix map[string][]string // path prefix → roots depending on all of it
	parents  map[string][]string // root → roots naming it
	rf       *resmap.Factory     // for plugin configs, made on first use
}

// parseCache maps kustomization file contents to their parse (nil when
// unparseable). Most kustomization files are identical at base and head, so
// one cache serves both sides.
type parseCache map[string]*kustomization

// kustomizationPaths lists the kustomization files of t, sorted.
func kustomizationPaths(t *Tree) []string {
	if t == nil {
		return nil
	}
	var out []string
	for _, p := range t.Files() {
		if isKustomizationName(path.Base(p)) {
			out = append(out, p)
		}
	}
	return out
}

// parseAll parses every distinct kustomization content of the given
// sides, spread over the available CPUs: parsing dominates the cost of
// selecting overlays in a large monorepo.
func parseAll(sides ...side) parseCache {
	cache := parseCache{}
	var todo []string
	for _, s := range sides {
		for _, p := range s.kusts {
			b, _ := s.tree.ReadFile(p)
			if _, ok := cache[string(b)]; !ok {
				cache[string(b)] = nil
				todo = append(todo, string(b))
			}
		}
	}
	parsed := make([]*kustomization, len(todo))
	workers := min(runtime.GOMAXPROCS(0), len(todo)/32+1)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(todo); i = int(next.Add(1) - 1) {
				parsed[i] = parseQuietly([]byte(todo[i]))
			}
		})
	}
	wg.Wait()
	for i, c := range todo {
		cache[c] = parsed[i]
	}
	return cache
}

// parseQuietly parses a kustomization for the graph, nil when it does not
// parse. A panic in the YAML library on hostile input counts as that too:
// it would otherwise end the process from a worker goroutine.
func parseQuietly(b []byte) (k *kustomization) {
	defer func() {
		if recover() != nil {
			k = nil
		}
	}()
	k, _ = parseKustomization(trimIrrelevant(b))
	return k
}

// side is one tree and its kustomization files.
type side struct {
	tree  *Tree
	kusts []string
}

func newSide(t *Tree) side { return side{tree: t, kusts: kustomizationPaths(t)} }

// buildGraph discovers the kustomization roots of s and resolves what each
// names, with parses from cache (which must hold every kustomization of s).
// Unresolvable references widen the dependency rather than drop it.
func buildGraph(s side, cache parseCache) *graph {
	g := &graph{
		roots:    map[string]*node{},
		referred: map[string]bool{},
		byFile:   map[string][]string{},
		byPrefix: map[string][]string{},
		parents:  map[string][]string{},
	}
	for _, p := range s.kusts {
		dir := path.Dir(p)
		if _, ok := g.roots[dir]; ok {
			g.dups = append(g.dups, dir)
			continue
		}
		g.roots[dir] = &node{dir: dir, file: p}
	}
	for _, n := range g.roots {
		g.resolve(s.tree, n, cache)
		for _, f := range n.files {
			g.byFile[f] = append(g.byFile[f], n.dir)
		}
		for _, p := range n.prefixes {
			g.byPrefix[p] = append(g.byPrefix[p], n.dir)
		}
		for _, c := range n.children {
			g.parents[c] = append(g.parents[c], n.dir)
			if c != n.dir {
				g.referred[c] = true
			}
		}
	}
	return g
}

// resolve fills in what n names.
func (g *graph) resolve(t *Tree, n *node, cache parseCache) {
	n.files = append(n.files, n.file)
	b, _ := t.ReadFile(n.file)
	k := cache[string(b)]
	if k != nil {
		n.component = k.Kind == "Component"
	}
	if k == nil || k.unknown {
		// Unreadable: kustomize will report it; until then it may name anything.
		n.prefixes = append(n.prefixes, ".")
		n.unreadable = true
		return
	}
	for _, ref := range k.refs() {
		g.resolveRef(t, n, ref)
	}
	for _, ref := range g.pluginConfigRefs(t, n.dir, k) {
		g.resolveRef(t, n, ref)
	}
}

// pluginConfigs decodes a file of plugin configs as kustomize does; what
// does not decode (the render reports it) or panics the parser yields none.
func (g *graph) pluginConfigs(data []byte) (configs []*resource.Resource) {
	defer func() {
		if recover() != nil {
			configs = nil
		}
	}()
	configs, _ = g.rf.RF().SliceFromBytes(data)
	return configs
}

// pluginConfigRefs lists the files named inside the builtin generator,
// transformer and validator configs of k (in files, or inline), read with
// the scan's decoders: kustomize loads them, so a change to one changes
// the render. They resolve against the kustomization, as kustomize does.
func (g *graph) pluginConfigRefs(t *Tree, dir string, k *kustomization) []string {
	var out []string
	for _, list := range [][]string{k.Generators, k.Transformers, k.Validators} {
		for _, e := range list {
			data := []byte(e)
			if !isInline(e) {
				var ok bool
				if data, ok = t.ReadFile(path.Join(dir, strings.TrimSpace(e))); !ok {
					continue // a directory, or missing: refs() has it
				}
			}
			if g.rf == nil {
				g.rf = newResmapFactory()
			}
			for _, res := range g.pluginConfigs(data) {
				refs, _, err := pluginRefs(res, g.rf)
				if err != nil {
					continue
				}
				for _, r := range refs {
					out = append(out, r.path)
				}
			}
		}
	}
	return out
}

// resolveRef records one reference of n: a kustomization root becomes an
// edge, an existing file a file dependency, and anything else (a missing
// path, a directory without kustomization, a glob, a remote or
// out-of-tree reference) a dependency on a whole prefix.
func (g *graph) resolveRef(t *Tree, n *node, ref string) {
	// Remote or absolute, decided as the renderer's scan decides it.
	if classify(ref) != refLocal {
		n.prefixes = append(n.prefixes, ".")
		return
	}
	glob := false
	if i := strings.IndexAny(ref, "*?["); i >= 0 {
		// A glob: depend on its static directory part.
		ref, glob = path.Dir(ref[:i]+"x"), true
	}
	p := path.Join(n.dir, ref)
	if p == ".." || strings.HasPrefix(p, "../") {
		n.prefixes = append(n.prefixes, ".")
		return
	}
	if glob {
		n.prefixes = append(n.prefixes, p)
		return
	}
	if p == n.dir {
		// A kustomization naming its own directory is a cycle kustomize reports.
		n.children = append(n.children, p)
		return
	}
	if _, ok := g.roots[p]; ok {
		n.children = append(n.children, p)
		return
	}
	if _, ok := t.ReadFile(p); ok {
		n.files = append(n.files, p)
		return
	}
	n.prefixes = append(n.prefixes, p)
}

// duplicateError names the first directory holding two kustomization files.
func (g *graph) duplicateError() error {
	if len(g.dups) == 0 {
		return nil
	}
	first := g.dups[0]
	for _, d := range g.dups[1:] {
		if d < first {
			first = d
		}
	}
	return fmt.Errorf("finding kustomizations: %s holds more than one of %s", first, strings.Join(kustomizationNames, ", "))
}

// reach adds to out the roots in want that a change to one of the changed
// paths reaches: the roots naming the path (or a prefix of it), and every
// root naming those, transitively, each with the change that reached it.
// Each root is visited once, so cycles end.
func (g *graph) reach(changed []string, want map[string]string, out map[string]string) {
	seen := map[string]string{}
	var queue []string
	push := func(dirs []string, via string) {
		for _, d := range dirs {
			if _, ok := seen[d]; !ok {
				seen[d] = via
				queue = append(queue, d)
			}
		}
	}
	for _, c := range changed {
		p := cleanRel(c)
		push(g.byFile[p], p+" changed")
		for d := p; ; d = path.Dir(d) {
			for _, root := range g.byPrefix[d] {
				via := p + " changed"
				if g.roots[root].unreadable {
					via = "its kustomization cannot be parsed, so any change may reach it (" + via + ")"
				}
				push([]string{root}, via)
			}
			if d == "." {
				break
			}
		}
	}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if _, ok := want[d]; ok {
			if _, done := out[d]; !done {
				out[d] = seen[d]
			}
		}
		push(g.parents[d], seen[d])
	}
}

// cleanRel normalises a repository path: "/"-separated, relative, cleaned,
// "." for the root.
func cleanRel(p string) string {
	p = path.Clean("/" + strings.ReplaceAll(p, "\\", "/"))
	if p == "/" {
		return "."
	}
	return p[1:]
}
