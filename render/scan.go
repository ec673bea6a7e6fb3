package render

import (
	"fmt"
	"path"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
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
	// read holds the files the scan parsed, which a failing scan may
	// quote even when kustomize would never read them.
	read map[string]bool
	// failed is set when the scan stopped at an error: kustomize never
	// ran, and only the files in read were read.
	failed bool
}

func (sr *scanResult) noteRead(p string) {
	if sr.read == nil {
		sr.read = map[string]bool{}
	}
	sr.read[p] = true
}

type scanner struct {
	t          *Tree
	rf         *resmap.Factory
	res        *scanResult
	stack      []string
	done       map[string]bool
	dropParses bool
	// remote, when set, collects the allow-listed remote entries to fetch
	// instead of refusing them (remote_mount.go).
	remote *remoteCollector
}

// scan walks the kustomization closure of dir statically and refuses
// anything that would make kustomize reach outside the tree, run code or
// loop: remote references, Helm, plugins and KRM functions, paths leaving
// the tree, symlinks pointing out of it, cycles and alias bombs. It reads
// kustomizations and plugin configs with kustomize's own types and
// decoders, so it sees every field the way kustomize does. keepParses
// says whether the tree keeps the resource files the scan
// parses for the renders after this one (see maxCachedParse); a render for
// its YAML stream alone has no use for them.
func (t *Tree) scan(dir string, keepParses bool) (*scanResult, error) {
	s := &scanner{t: t, rf: newResmapFactory(), res: &scanResult{kusts: map[string]*kustDoc{}}, done: map[string]bool{}, dropParses: !keepParses}
	k, err := s.dir(dir, "")
	if err != nil {
		s.res.failed = true
		return s.res, err // what was scanned: the files an error may quote
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
		if t.has(p) {
			return p
		}
	}
	return ""
}

// dir scans the kustomization in dir. pluginRoot is set when the objects
// it declares are generator/transformer configs of the kustomization in
// pluginRoot, against whose directory their paths resolve.
func (s *scanner) dir(dir, pluginRoot string) (*kustDoc, error) {
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
	key := file + "\x00" + pluginRoot
	if k, ok := s.res.kusts[file]; ok && s.done[key] {
		return k, nil
	}
	s.res.noteRead(file)
	k, err := s.t.parsedKust(file)
	if err != nil {
		return nil, err
	}
	s.res.kusts[file] = k
	s.stack = append(s.stack, file)
	defer func() { s.stack = s.stack[:len(s.stack)-1] }()
	if err := s.check(dir, k, pluginRoot); err != nil {
		return nil, err
	}
	s.done[key] = true
	return k, nil
}

func (s *scanner) check(dir string, k *kustDoc, pluginRoot string) error {
	data, err := s.t.content(k.file)
	if err != nil {
		return err
	}
	kz, err := decodeKustomization(data)
	if err != nil {
		return fmt.Errorf("parsing %s: %w", k.file, err)
	}
	if usesHelm(kz) {
		if err := s.noteHelm(dir, k); err != nil {
			return err
		}
	}
	if len(kz.OpenAPI) > 0 {
		s.res.needsSchema = true
	}
	refs, inline := kustRefs(kz, s.rf)
	// Every reference is classified before any is followed, so a remote
	// one is reported even when an earlier local one is broken.
	skip := s.deferRemote(dir, k.file, refs)
	for i, r := range refs {
		if skip[i] {
			continue
		}
		if err := refuseRemote(k.file, r); err != nil {
			return err
		}
	}
	for _, d := range inline {
		if err := s.inline(dir, k.file, d); err != nil {
			return err
		}
	}
	for i, r := range refs {
		if skip[i] {
			continue
		}
		var err error
		switch {
		case r.kind == refFile:
			_, err = s.file(dir, k.file, r)
		case r.field == "generators" || r.field == "transformers" || r.field == "validators":
			err = s.entry(dir, k.file, r.path, dir)
		default:
			err = s.entry(dir, k.file, r.path, pluginRoot)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *scanner) parse(p string) ([]*yaml.Node, error) {
	if s.dropParses {
		return s.t.parseUncached(p)
	}
	return s.t.parse(p)
}

// refuseRemote refuses what kustomize would fetch, clone or read from the
// machine rather than the tree.
func refuseRemote(from string, r ref) error {
	switch classify(r.path) {
	case refHTTP, refGit:
		if r.field == "resources" || r.field == "bases" || r.field == "components" {
			return fmt.Errorf("%s: %s: remote reference %q is not allowed: %s", from, r.field, r.path, notAllowedHint(r.path))
		}
		return fmt.Errorf("%s: %s: remote reference %q is not allowed", from, r.field, r.path)
	case refAbsolute:
		return fmt.Errorf("%s: %s: absolute path %q is not allowed", from, r.field, r.path)
	}
	return nil
}

// entry checks a resources/bases/components entry: a file or a directory
// holding a kustomization, inside the tree.
func (s *scanner) entry(dir, from, e, pluginRoot string) error {
	p, err := s.resolve(dir, from, e)
	if err != nil {
		return err
	}
	if s.t.has(p) {
		s.res.noteRead(p)
		docs, err := s.parse(p)
		if err != nil {
			return err
		}
		s.res.objects += len(docs)
		if pluginRoot != "" {
			return s.pluginFile(pluginRoot, p)
		}
		return nil
	}
	if s.t.isDir(p) {
		_, err := s.dir(p, pluginRoot)
		return err
	}
	return fmt.Errorf("%s: %q not found in the tree", from, e)
}

// file checks a path-valued field; the file must exist in the tree, and
// what kustomize parses as YAML is parsed (and bounded) first.
func (s *scanner) file(dir, from string, r ref) (string, error) {
	p, err := s.resolve(dir, from, r.path)
	if err != nil {
		return "", err
	}
	if !s.t.has(p) {
		return "", fmt.Errorf("%s: %q not found in the tree", from, r.path)
	}
	s.res.noteRead(p)
	if r.yaml {
		if _, err := s.parse(p); err != nil {
			return "", err
		}
	}
	return p, nil
}

// inline checks YAML held in a field: bounded like a file, and, for an
// inline generator/transformer config, held to the plugin rules.
func (s *scanner) inline(dir, from string, d inlineDoc) error {
	if _, err := parseYAML(from+": "+d.field, []byte(d.content)); err != nil {
		return err
	}
	if !d.plugin {
		return nil
	}
	rm, err := s.rf.NewResMapFromBytes([]byte(d.content))
	if err != nil {
		return fmt.Errorf("parsing %s: %s: %w", from, d.field, err)
	}
	for _, res := range rm.Resources() {
		if err := s.pluginConfig(dir, from, res); err != nil {
			return err
		}
	}
	return nil
}

// pluginFile checks the generator/transformer configs in a file as
// kustomize reads them (kind: List expanded).
func (s *scanner) pluginFile(root, p string) error {
	data, err := s.t.content(p)
	if err != nil {
		return err
	}
	list, err := s.rf.RF().SliceFromBytes(data)
	if err != nil {
		return fmt.Errorf("parsing %s: %w", p, err)
	}
	for _, res := range list {
		if err := s.pluginConfig(root, p, res); err != nil {
			return err
		}
	}
	return nil
}

// resolve turns an entry into a tree path, refusing remote references,
// paths leaving the tree and symlinks out of it.
func (s *scanner) resolve(dir, from, e string) (string, error) {
	if err := refuseRemote(from, ref{field: "entry", path: e}); err != nil {
		return "", err
	}
	p := path.Join(dir, e)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("%s: path %q leaves the tree", from, e)
	}
	if err := stayInMount(from, e, p); err != nil {
		return "", err
	}
	if l, ok := s.t.outsideLink(p); ok {
		return "", fmt.Errorf("%s: %q is a symlink that points outside the tree (%s)", from, e, l)
	}
	if size, ok := s.t.oversize[p]; ok {
		return "", fmt.Errorf("%s: %q is over the file size limit of %d bytes (%d bytes)", from, e, s.t.lim.MaxFileSize, size)
	}
	return p, nil
}

var builtinKinds = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range krusty.GetBuiltinPluginNames() {
		m[n] = true
	}
	return m
}()

// pluginConfig allows only plain configurations of built-in generators
// and transformers (no KRM functions, no legacy plugins, no Helm), and
// checks the files they name, relative to root, like any other reference.
func (s *scanner) pluginConfig(root, file string, res *resource.Resource) error {
	for _, a := range []string{"config.kubernetes.io/function", "config.k8s.io/function"} {
		if _, ok := res.GetAnnotations()[a]; ok {
			return fmt.Errorf("%s: KRM function %s (%s) is not allowed: functions never run", file, res.GetKind(), a)
		}
	}
	gvk := res.GetGvk()
	if gvk.Group != "" || gvk.Version != "builtin" || !builtinKinds[gvk.Kind] {
		return fmt.Errorf("%s: plugin %s/%s is not allowed: only built-in generators and transformers are", file, res.GetApiVersion(), gvk.Kind)
	}
	if strings.HasPrefix(gvk.Kind, "HelmChart") {
		return fmt.Errorf("%s: helm charts are not supported", file)
	}
	refs, inline, err := pluginRefs(res, s.rf)
	if err != nil {
		return fmt.Errorf("parsing %s: %s: %w", file, gvk.Kind, err)
	}
	for _, r := range refs {
		if err := refuseRemote(file, r); err != nil {
			return err
		}
	}
	for _, d := range inline {
		if _, err := parseYAML(file+": "+d.field, []byte(d.content)); err != nil {
			return err
		}
	}
	for _, r := range refs {
		if _, err := s.file(root, file, r); err != nil {
			return err
		}
	}
	return nil
}

func displayDir(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}
