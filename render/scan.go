package render

import (
	"fmt"
	"path"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// kustFile holds the fields of a kustomization that name other inputs or
// enable capabilities the renderer refuses.
type kustFile struct {
	Kind                        string                  `yaml:"kind"`
	NamePrefix                  string                  `yaml:"namePrefix"`
	NameSuffix                  string                  `yaml:"nameSuffix"`
	Resources                   []string                `yaml:"resources"`
	Bases                       []string                `yaml:"bases"`
	Components                  []string                `yaml:"components"`
	Crds                        []string                `yaml:"crds"`
	Configurations              []string                `yaml:"configurations"`
	Generators                  []string                `yaml:"generators"`
	Transformers                []string                `yaml:"transformers"`
	Validators                  []string                `yaml:"validators"`
	PatchesStrategicMerge       []string                `yaml:"patchesStrategicMerge"`
	Patches                     []patchEntry            `yaml:"patches"`
	PatchesJSON6902             []patchEntry            `yaml:"patchesJson6902"`
	ConfigMapGenerator          []generatorEntry        `yaml:"configMapGenerator"`
	SecretGenerator             []generatorEntry        `yaml:"secretGenerator"`
	Replacements                []struct{ Path string } `yaml:"replacements"`
	OpenAPI                     map[string]string       `yaml:"openapi"`
	HelmCharts                  []any                   `yaml:"helmCharts"`
	HelmChartInflationGenerator []any                   `yaml:"helmChartInflationGenerator"`
	HelmGlobals                 any                     `yaml:"helmGlobals"`
	BuildMetadata               []string                `yaml:"buildMetadata"`
}

type patchEntry struct {
	Path   string         `yaml:"path"`
	Patch  string         `yaml:"patch"`
	Target map[string]any `yaml:"target"`
}

type generatorEntry struct {
	Name  string   `yaml:"name"`
	Files []string `yaml:"files"`
	Envs  []string `yaml:"envs"`
	Env   string   `yaml:"env"`
}

// kustDoc is one parsed kustomization file.
type kustDoc struct {
	file string // tree path of the kustomization file
	k    kustFile
	doc  *yaml.Node
}

// scanResult is what the static pre-scan learned about a kustomization
// closure before kustomize is allowed to see it.
type scanResult struct {
	top *kustDoc
	// needsSchema is set when some kustomization sets openapi:, which
	// replaces kustomize's package-global schema (crds: only feed the
	// render's own configuration and need no exclusive access).
	needsSchema bool
	kusts       map[string]*kustDoc
	objects     int       // documents declared by resource files in the closure
	helm        []helmUse // kustomizations that inflate Helm charts
}

type scanner struct {
	t     *Tree
	res   *scanResult
	stack []string
	done  map[string]bool
}

// scan walks the kustomization closure of dir statically and refuses
// anything that would make kustomize reach outside the tree, run code or
// loop: remote references, Helm, plugins and KRM functions, paths leaving
// the tree, symlinks pointing out of it, cycles and alias bombs.
func (t *Tree) scan(dir string) (*scanResult, error) {
	s := &scanner{t: t, res: &scanResult{kusts: map[string]*kustDoc{}}, done: map[string]bool{}}
	k, err := s.dir(dir, false)
	if err != nil {
		return nil, err
	}
	s.res.top = k
	if max := t.lim.MaxObjects; max > 0 && s.res.objects > max {
		return nil, fmt.Errorf("%s: the kustomization and its bases declare %d objects, over the limit of %d", k.file, s.res.objects, max)
	}
	return s.res, nil
}

// KustomizationFile is the path of dir's kustomization file, in kustomize's
// order of preference, or "" when dir holds none.
func (t *Tree) KustomizationFile(dir string) string {
	for _, n := range kustomizationNames {
		p := path.Join(dir, n)
		if _, ok := t.files[p]; ok {
			return p
		}
	}
	return ""
}

func (s *scanner) dir(dir string, plugins bool) (*kustDoc, error) {
	file := s.t.KustomizationFile(dir)
	if file == "" {
		if l, ok := s.t.outsideLink(dir); ok {
			return nil, fmt.Errorf("%s: symlink points outside the tree", l)
		}
		return nil, fmt.Errorf("%s: no kustomization file in the directory", displayDir(dir))
	}
	for i, d := range s.stack {
		if d == file {
			return nil, fmt.Errorf("%s: cycle among kustomizations: %s", file, strings.Join(append(s.stack[i:], file), " -> "))
		}
	}
	if k, ok := s.res.kusts[file]; ok && s.done[file+fmt.Sprint(plugins)] {
		return k, nil
	}
	k, err := s.t.parsedKust(file)
	if err != nil {
		return nil, err
	}
	s.res.kusts[file] = k
	s.stack = append(s.stack, file)
	defer func() { s.stack = s.stack[:len(s.stack)-1] }()
	if err := s.check(dir, k, plugins); err != nil {
		return nil, err
	}
	s.done[file+fmt.Sprint(plugins)] = true
	return k, nil
}

func (s *scanner) check(dir string, k *kustDoc, plugins bool) error {
	kf := k.k
	if len(kf.HelmCharts) > 0 || len(kf.HelmChartInflationGenerator) > 0 || kf.HelmGlobals != nil {
		if err := s.noteHelm(dir, k); err != nil {
			return err
		}
	}
	if len(kf.OpenAPI) > 0 {
		s.res.needsSchema = true
	}
	for _, list := range [][]string{kf.Resources, kf.Bases, kf.Components} {
		for _, e := range list {
			if err := s.entry(dir, k.file, e, plugins); err != nil {
				return err
			}
		}
	}
	var paths []string
	paths = append(paths, kf.Crds...)
	paths = append(paths, kf.Configurations...)
	if p := kf.OpenAPI["path"]; p != "" {
		paths = append(paths, p)
	}
	for _, p := range append(append([]patchEntry{}, kf.Patches...), kf.PatchesJSON6902...) {
		if p.Path != "" {
			paths = append(paths, p.Path)
		}
		if err := checkInline(k.file, p.Patch); err != nil {
			return err
		}
	}
	for _, p := range kf.PatchesStrategicMerge {
		if !isRemoteRef(p) && (strings.Contains(p, "\n") || strings.Contains(p, ": ") || strings.HasPrefix(p, "{")) {
			if err := checkInline(k.file, p); err != nil {
				return err
			}
			continue
		}
		paths = append(paths, p)
	}
	for _, g := range append(append([]generatorEntry{}, kf.ConfigMapGenerator...), kf.SecretGenerator...) {
		for _, f := range g.Files {
			if _, v, ok := strings.Cut(f, "="); ok {
				f = v
			}
			paths = append(paths, f)
		}
		paths = append(paths, g.Envs...)
		if g.Env != "" {
			paths = append(paths, g.Env)
		}
	}
	for _, r := range kf.Replacements {
		if r.Path != "" {
			paths = append(paths, r.Path)
		}
	}
	for _, p := range paths {
		if _, err := s.file(dir, k.file, p); err != nil {
			return err
		}
	}
	for _, list := range [][]string{kf.Generators, kf.Transformers, kf.Validators} {
		for _, e := range list {
			if err := s.pluginEntry(dir, k.file, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// entry checks a resources/bases/components entry: a file or a directory
// holding a kustomization, inside the tree.
func (s *scanner) entry(dir, from, e string, plugins bool) error {
	p, err := s.resolve(dir, from, e)
	if err != nil {
		return err
	}
	if _, ok := s.t.files[p]; ok {
		docs, err := s.t.parse(p)
		if err != nil {
			return err
		}
		s.res.objects += len(docs)
		if plugins {
			for _, d := range docs {
				if err := checkPluginConfig(p, d); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if s.t.isDir(p) {
		_, err := s.dir(p, plugins)
		return err
	}
	return fmt.Errorf("%s: %q not found in the tree", from, e)
}

// file checks a path-valued field; the file must exist in the tree.
func (s *scanner) file(dir, from, e string) (string, error) {
	p, err := s.resolve(dir, from, e)
	if err != nil {
		return "", err
	}
	if _, ok := s.t.files[p]; !ok {
		return "", fmt.Errorf("%s: %q not found in the tree", from, e)
	}
	if looksYAML(p) {
		if _, err := s.t.parse(p); err != nil {
			return "", err
		}
	}
	return p, nil
}

func (s *scanner) pluginEntry(dir, from, e string) error {
	if strings.Contains(e, "\n") || strings.Contains(e, ": ") {
		docs, err := parseYAML(from, []byte(e))
		if err != nil {
			return err
		}
		for _, d := range docs {
			if err := checkPluginConfig(from, d); err != nil {
				return err
			}
		}
		return nil
	}
	return s.entry(dir, from, e, true)
}

// resolve turns an entry into a tree path, refusing remote references,
// paths leaving the tree and symlinks out of it.
func (s *scanner) resolve(dir, from, e string) (string, error) {
	if isRemoteRef(e) {
		return "", fmt.Errorf("%s: remote reference %q is not allowed", from, e)
	}
	if path.IsAbs(e) {
		return "", fmt.Errorf("%s: absolute path %q is not allowed", from, e)
	}
	p := path.Join(dir, e)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("%s: path %q leaves the tree", from, e)
	}
	if l, ok := s.t.outsideLink(p); ok {
		return "", fmt.Errorf("%s: %q is a symlink that points outside the tree (%s)", from, e, l)
	}
	if size, ok := s.t.oversize[p]; ok {
		return "", fmt.Errorf("%s: %q is over the file size limit of %d bytes (%d bytes)", from, e, s.t.lim.MaxFileSize, size)
	}
	return p, nil
}

// isRemote reports references kustomize would fetch over the network or
// with git: URLs, scp-like git addresses, go-getter and "//" subdir forms,
// and query strings such as ?ref=.
func isRemoteRef(e string) bool {
	e = strings.TrimSpace(e)
	switch {
	case strings.Contains(e, "://"), strings.Contains(e, "//"), strings.Contains(e, "?"),
		strings.HasPrefix(e, "git@"), strings.HasPrefix(e, "git::"), strings.HasPrefix(e, "ssh:"),
		strings.HasPrefix(e, "file:"), strings.HasPrefix(e, "http:"), strings.HasPrefix(e, "https:"):
		return true
	}
	for _, host := range []string{"github.com", "gitlab.com", "bitbucket.org", "dev.azure.com", "gitee.com"} {
		if strings.HasPrefix(e, host+"/") || strings.HasPrefix(e, host+":") {
			return true
		}
	}
	return false
}

func checkInline(from, content string) error {
	if content == "" {
		return nil
	}
	_, err := parseYAML(from, []byte(content))
	return err
}

var builtinKinds = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range krusty.GetBuiltinPluginNames() {
		m[n] = true
	}
	return m
}()

// checkPluginConfig allows only plain configurations of built-in
// generators and transformers: no KRM functions, no legacy plugins, no Helm.
func checkPluginConfig(file string, doc *yaml.Node) error {
	var cfg struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
	}
	if err := doc.Decode(&cfg); err != nil {
		return fmt.Errorf("parsing %s: %w", file, err)
	}
	for _, a := range []string{"config.kubernetes.io/function", "config.k8s.io/function"} {
		if _, ok := cfg.Metadata.Annotations[a]; ok {
			return fmt.Errorf("%s: KRM function %s (%s) is not allowed: functions never run", file, cfg.Kind, a)
		}
	}
	if cfg.APIVersion != "builtin" || !builtinKinds[cfg.Kind] {
		return fmt.Errorf("%s: plugin %s/%s is not allowed: only built-in generators and transformers are", file, cfg.APIVersion, cfg.Kind)
	}
	if strings.HasPrefix(cfg.Kind, "HelmChart") {
		return fmt.Errorf("%s: helm charts are not supported", file)
	}
	return nil
}

func displayDir(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}
