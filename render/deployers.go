package render

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// deployer is a GitOps object of the repository that deploys a directory
// of it on its own: an Argo CD Application or ApplicationSet, or a Flux
// Kustomization. Its directory is an overlay root even when another
// kustomization refers to it, since the controller renders it alone.
type deployer struct {
	// dir is the directory, or a glob of directories (an ApplicationSet's
	// git generator), relative to the repository root.
	dir  string
	glob bool
	// why names the object, for the review's summary.
	why string
}

// deployerObject holds the fields of Argo CD and Flux objects that name a
// path in a repository.
type deployerObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Path       string          `json:"path"` // Flux Kustomization
		Source     *argoSource     `json:"source"`
		Sources    []argoSource    `json:"sources"`
		Template   *argoTemplate   `json:"template"`   // ApplicationSet
		Generators []argoGenerator `json:"generators"` // ApplicationSet
	} `json:"spec"`
}

type argoSource struct {
	Path string `json:"path"`
}

type argoTemplate struct {
	Spec struct {
		Source  *argoSource  `json:"source"`
		Sources []argoSource `json:"sources"`
	} `json:"spec"`
}

type argoGenerator struct {
	Git *struct {
		Directories []struct {
			Path    string `json:"path"`
			Exclude bool   `json:"exclude"`
		} `json:"directories"`
	} `json:"git"`
}

// deployers finds the Argo CD and Flux objects in t's YAML files and the
// directories they deploy. Files that do not parse (Helm templates among
// them) are skipped: this only adds roots, it never hides one.
func deployers(t *Tree) []deployer {
	if t == nil {
		return nil
	}
	var out []deployer
	for _, p := range t.Files() {
		if ext := path.Ext(p); ext != ".yaml" && ext != ".yml" {
			continue
		}
		b, _ := t.ReadFile(p)
		if !bytes.Contains(b, []byte("argoproj.io/")) && !bytes.Contains(b, []byte("kustomize.toolkit.fluxcd.io/")) {
			continue
		}
		for _, doc := range splitDocuments(b) {
			out = append(out, deployersIn(p, doc)...)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].dir < out[j].dir })
	return out
}

func splitDocuments(b []byte) [][]byte {
	var out [][]byte
	for _, d := range bytes.Split(b, []byte("\n---")) {
		if len(bytes.TrimSpace(d)) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// deployersIn reads one YAML document of file p.
func deployersIn(p string, doc []byte) (out []deployer) {
	defer func() {
		if recover() != nil {
			out = nil // hostile YAML must not end the review
		}
	}()
	var o deployerObject
	if yaml.Unmarshal(doc, &o) != nil {
		return nil
	}
	group, _, _ := strings.Cut(o.APIVersion, "/")
	why := fmt.Sprintf("%s %s (%s)", o.Kind, o.Metadata.Name, p)
	add := func(dir string, glob bool) {
		dir = strings.TrimSpace(dir)
		if dir == "" || strings.Contains(dir, "{{") || path.IsAbs(dir) {
			return // templated per generated app, or outside the repository
		}
		if d := cleanRel(dir); d != ".." && !strings.HasPrefix(d, "../") {
			out = append(out, deployer{dir: d, glob: glob, why: why})
		}
	}
	sources := func(s *argoSource, list []argoSource) {
		if s != nil {
			add(s.Path, false)
		}
		for _, x := range list {
			add(x.Path, false)
		}
	}
	switch {
	case group == "kustomize.toolkit.fluxcd.io" && o.Kind == "Kustomization":
		why = "Flux " + why
		add(o.Spec.Path, false)
	case group == "argoproj.io" && o.Kind == "Application":
		why = "Argo CD " + why
		sources(o.Spec.Source, o.Spec.Sources)
	case group == "argoproj.io" && o.Kind == "ApplicationSet":
		why = "Argo CD " + why
		if o.Spec.Template != nil {
			sources(o.Spec.Template.Spec.Source, o.Spec.Template.Spec.Sources)
		}
		for _, g := range o.Spec.Generators {
			if g.Git == nil {
				continue
			}
			for _, d := range g.Git.Directories {
				if !d.Exclude {
					add(d.Path, true)
				}
			}
		}
	}
	return out
}

// deployedRoots maps each kustomization root of g that a deployer points
// at to the first deployer's description.
func (g *graph) deployedRoots(ds []deployer) map[string]string {
	out := map[string]string{}
	for _, d := range ds {
		if !d.glob {
			if _, ok := g.roots[d.dir]; ok && out[d.dir] == "" {
				out[d.dir] = d.why
			}
			continue
		}
		for dir := range g.roots {
			if ok, _ := matchGlob(d.dir, dir); ok && out[dir] == "" {
				out[dir] = d.why
			}
		}
	}
	return out
}
