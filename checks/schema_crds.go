package checks

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"weak"

	yaml "go.yaml.in/yaml/v3"

	"github.com/kustoguard/kustoguard/render"
)

// crdIndex holds the schemas of the custom resource definitions known to
// a review, by group/kind/version. A repository may declare the same
// definition more than once (two copies of an operator); a custom resource
// fits when it fits any of them.
type crdIndex map[string][]*crdSchema

func crdKey(group, kind, version string) string { return group + "/" + kind + "/" + version }

// lookup returns the schemas for an object's apiVersion and kind.
func (x crdIndex) lookup(apiVersion, kind string) []*crdSchema {
	group, version, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return nil
	}
	return x[crdKey(group, kind, version)]
}

// add indexes one CustomResourceDefinition given as its fields (v1 or
// v1beta1); anything else is ignored.
func (x crdIndex) add(fields map[string]any) {
	if kind, _ := fields["kind"].(string); kind != "CustomResourceDefinition" {
		return
	}
	if av, _ := fields["apiVersion"].(string); !strings.HasPrefix(av, "apiextensions.k8s.io/") {
		return
	}
	spec, _ := fields["spec"].(map[string]any)
	names, _ := spec["names"].(map[string]any)
	group, _ := spec["group"].(string)
	kind, _ := names["kind"].(string)
	if group == "" || kind == "" {
		return
	}
	// v1beta1: one schema for every version.
	var shared *crdSchema
	if v, ok := spec["validation"].(map[string]any); ok {
		if s, err := parseCRDSchema(v["openAPIV3Schema"]); err == nil && v["openAPIV3Schema"] != nil {
			shared = s
		}
	}
	versions, _ := spec["versions"].([]any)
	if len(versions) == 0 && shared != nil {
		if v, _ := spec["version"].(string); v != "" {
			x.put(crdKey(group, kind, v), shared)
		}
	}
	for _, item := range versions {
		ver, _ := item.(map[string]any)
		name, _ := ver["name"].(string)
		if name == "" {
			continue
		}
		s := shared
		if sch, ok := ver["schema"].(map[string]any); ok && sch["openAPIV3Schema"] != nil {
			parsed, err := parseCRDSchema(sch["openAPIV3Schema"])
			if err != nil {
				continue
			}
			s = parsed
		}
		if s != nil {
			x.put(crdKey(group, kind, name), s)
		}
	}
}

func (x crdIndex) put(key string, s *crdSchema) { x[key] = append(x[key], s) }

// crdsOf indexes the CRDs among rendered objects.
func crdsOf(objs []render.Object) crdIndex {
	var x crdIndex
	for i := range objs {
		if objs[i].ID.Kind != "CustomResourceDefinition" {
			continue
		}
		if x == nil {
			x = crdIndex{}
		}
		x.add(objs[i].Fields)
	}
	return x
}

// repoCRDCache holds, per tree, the CRDs declared anywhere in it. An entry
// goes when its tree is collected.
var repoCRDCache sync.Map // weak.Pointer[render.Tree] → *repoCRDs

type repoCRDs struct {
	once  sync.Once
	index crdIndex
}

// repositoryCRDs indexes every CustomResourceDefinition declared in a YAML
// or JSON file of the tree, rendered by an overlay or not, so that a
// custom resource is checked even when its CRD is installed by another
// overlay, a Helm chart's crds/ directory or a plain manifest.
func repositoryCRDs(t *render.Tree) crdIndex {
	if t == nil {
		return nil
	}
	key := weak.Make(t)
	v, loaded := repoCRDCache.LoadOrStore(key, &repoCRDs{})
	entry := v.(*repoCRDs)
	if !loaded {
		runtime.AddCleanup(t, func(k weak.Pointer[render.Tree]) { repoCRDCache.Delete(k) }, key)
	}
	entry.once.Do(func() { entry.index = scanCRDs(t) })
	return entry.index
}

var crdMarker = []byte("CustomResourceDefinition")

func scanCRDs(t *render.Tree) crdIndex {
	x := crdIndex{}
	for _, p := range t.Files() {
		if !strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".yml") && !strings.HasSuffix(p, ".json") {
			continue
		}
		data, ok := t.ReadFile(p)
		if !ok || !bytes.Contains(data, crdMarker) {
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc map[string]any
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				// Templates and broken files are not CRDs we can use.
				slog.Debug("skipping unparsable file while indexing CRDs", "file", p, "err", err)
				break
			}
			x.add(doc)
		}
	}
	return x
}
