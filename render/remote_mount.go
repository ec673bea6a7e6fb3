package render

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Remote kustomize entries that the base branch's configuration allows are
// fetched before the render and mounted into a copy of the tree: a GitHub
// repository under remoteDir/<hash>/, a file beside the kustomization that
// names it. The kustomization is rewritten to name the mounted copy, and
// the result goes through the same scan as the tree itself, so fetched
// content is held to the same rules (a remote entry in it is fetched only
// when allowed too, up to maxRemoteRounds levels).
const (
	remoteDir        = ".kustoguard-remote"
	maxRemoteRounds  = 3
	maxRemoteSources = 16
)

// pendingRemote is an allow-listed remote entry found by the scan.
type pendingRemote struct {
	file, dir, field, path string
}

type remoteCollector struct {
	allow   []string
	pending []pendingRemote
	seen    map[string]bool
}

// deferRemote marks the entries of a kustomization that the collector
// will fetch, so the scan neither refuses nor follows them.
func (s *scanner) deferRemote(dir, file string, refs []ref) map[int]bool {
	if s.remote == nil {
		return nil
	}
	skip := map[int]bool{}
	for i, r := range refs {
		switch r.field {
		case "resources", "bases", "components":
		default:
			continue
		}
		if c := classify(r.path); (c != refHTTP && c != refGit) || !allowedRemote(s.remote.allow, r.path) {
			continue
		}
		skip[i] = true
		key := file + "\x00" + r.path
		if !s.remote.seen[key] {
			s.remote.seen[key] = true
			s.remote.pending = append(s.remote.pending, pendingRemote{file: file, dir: dir, field: r.field, path: r.path})
		}
	}
	return skip
}

// mountRemote returns t, or a copy of it with the allow-listed remote
// entries of dir's closure fetched and mounted. Without an allow-list it
// does nothing, and the scan refuses every remote entry.
func (t *Tree) mountRemote(ctx context.Context, dir string) (*Tree, error) {
	opts := helmOptionsFrom(ctx)
	if len(opts.Allow) == 0 {
		return t, nil
	}
	dir = path.Clean(dir)
	cur, fetched := t, 0
	origins := map[string]Source{}
	for round := 0; ; round++ {
		s := &scanner{t: cur, rf: newResmapFactory(), res: &scanResult{kusts: map[string]*kustDoc{}}, done: map[string]bool{},
			remote: &remoteCollector{allow: opts.Allow, seen: map[string]bool{}}}
		if _, err := s.dir(dir, ""); err != nil {
			return nil, err
		}
		pending := s.remote.pending
		if len(pending) == 0 {
			return cur, nil
		}
		if round == 0 && t.isDir(remoteDir) {
			return nil, fmt.Errorf("%s: the directory %s is reserved for remote sources", pending[0].file, remoteDir)
		}
		if round >= maxRemoteRounds {
			return nil, fmt.Errorf("%s: %s: remote source %s: remote sources nest deeper than %d levels", pending[0].file, pending[0].field, pending[0].path, maxRemoteRounds)
		}
		extra := map[string][]byte{}
		rewrites := map[string]map[string]string{}
		for _, pr := range pending {
			if fetched++; fetched > maxRemoteSources {
				return nil, fmt.Errorf("%s: %s: remote source %s: more than %d remote sources in one render", pr.file, pr.field, pr.path, maxRemoteSources)
			}
			entry, err := cur.fetchRemote(ctx, opts, pr, extra)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: remote source %s: %w", pr.file, pr.field, pr.path, err)
			}
			if rewrites[pr.file] == nil {
				rewrites[pr.file] = map[string]string{}
			}
			rewrites[pr.file][pr.path] = entry
			origins[mountKey(pr.dir, entry)] = t.entrySource(origins, pr)
		}
		for file, rw := range rewrites {
			data, err := cur.content(file)
			if err == nil {
				data, err = rewriteEntries(data, rw)
			}
			if err != nil {
				return nil, fmt.Errorf("rewriting %s: %w", file, err)
			}
			extra[file] = data
		}
		next, err := cur.withFiles(extra)
		if err != nil {
			return nil, fmt.Errorf("%s: mounting remote sources: %w", pending[0].file, err)
		}
		next.origins = maps.Clone(origins)
		cur = next
	}
}

// mountKey is the key of a mounted source in origins: the file, or the
// repository's mount directory with a trailing slash.
func mountKey(dir, entry string) string {
	p := path.Join(dir, entry)
	if rest, ok := strings.CutPrefix(p, remoteDir+"/"); ok {
		hash, _, _ := strings.Cut(rest, "/")
		return remoteDir + "/" + hash + "/"
	}
	return p
}

// originOf is the entry that brought a mounted file into the tree.
func originOf(origins map[string]Source, file string) (Source, bool) {
	if s, ok := origins[file]; ok {
		return s, true
	}
	if rest, ok := strings.CutPrefix(file, remoteDir+"/"); ok {
		hash, _, _ := strings.Cut(rest, "/")
		s, ok := origins[remoteDir+"/"+hash+"/"]
		return s, ok
	}
	return Source{}, false
}

// entrySource is where the pull request's own tree names a remote entry:
// the line of the entry, or for a source named by fetched content, the
// entry that fetched that content.
func (t *Tree) entrySource(origins map[string]Source, pr pendingRemote) Source {
	if s, ok := originOf(origins, pr.file); ok {
		return s
	}
	src := Source{File: pr.file, Line: 1}
	for i, l := range strings.Split(string(t.fileText(pr.file)), "\n") {
		if strings.Contains(l, pr.path) {
			src.Line = i + 1
			break
		}
	}
	return src
}

// attributeRemote points objects declared by fetched content at the entry
// that named the remote source, which is what a reviewer can act on; the
// mounted copy is not a file of the repository.
func (t *Tree) attributeRemote(objs []Object) {
	if len(t.origins) == 0 {
		return
	}
	for i := range objs {
		o := &objs[i]
		if s, ok := originOf(t.origins, o.Source.File); ok {
			o.Source, o.Lines = s, nil
		}
		kept := o.Patches[:0]
		for _, p := range o.Patches {
			if _, ok := originOf(t.origins, p.File); !ok {
				kept = append(kept, p)
			}
		}
		o.Patches = kept
	}
}

// fetchRemote fetches one entry into extra and returns the entry that
// names the mounted copy from the kustomization's directory.
func (t *Tree) fetchRemote(ctx context.Context, opts HelmOptions, pr pendingRemote, extra map[string][]byte) (string, error) {
	if g, ok := parseGitHubSource(pr.path); ok && (classify(pr.path) == refGit || strings.Contains(pr.path, "?") || strings.Contains(strings.TrimPrefix(pr.path, "https://"), "//")) {
		return t.fetchGitHub(ctx, opts, pr, g, extra)
	}
	u, err := url.Parse(pr.path)
	if err != nil || u.Scheme != "https" {
		return "", fmt.Errorf("only GitHub repositories (github.com/<owner>/<repo>//<dir>?ref=<tag or SHA>) and https:// files are fetched")
	}
	if opts.Fetcher == nil {
		return "", fmt.Errorf("allow-listed, but fetching is off here (kustoguard check fetches with --allow-remote)")
	}
	data, err := opts.Fetcher.fetchFile(ctx, pr.path, t.lim.MaxFileSize)
	if err != nil {
		return "", fmt.Errorf("fetching: %w", err)
	}
	name := remoteDir + "-" + shortHash(pr.path) + ".yaml"
	p := path.Join(pr.dir, name)
	if old, ok := t.ReadFile(p); ok && extra[p] == nil {
		if string(old) != string(data) {
			return "", fmt.Errorf("%s is reserved for remote sources", p)
		}
	}
	extra[p] = data
	return name, nil
}

func (t *Tree) fetchGitHub(ctx context.Context, opts HelmOptions, pr pendingRemote, g githubSource, extra map[string][]byte) (string, error) {
	if g.ref == "" {
		return "", fmt.Errorf("needs a pinned ref: add ?ref= with a release tag (v1.2.3) or a full commit SHA")
	}
	if !pinnedRef(g.ref) {
		return "", fmt.Errorf("ref %q is not pinned: use a release tag (v1.2.3) or a full commit SHA, since a branch moves between reviews", g.ref)
	}
	if opts.Repos == nil {
		return "", fmt.Errorf("allow-listed, but GitHub repositories are fetched only by the server")
	}
	rt, err := opts.Repos.FetchRepo(ctx, g.owner, g.repo, g.ref)
	if err != nil {
		return "", err
	}
	if g.sub != "" && !rt.isDir(g.sub) {
		return "", fmt.Errorf("%s has no directory %s at %s", g.name(), g.sub, g.ref)
	}
	prefix := remoteDir + "/" + shortHash(g.owner+"/"+g.repo+"@"+g.ref)
	for p := range rt.eachFile {
		b, err := rt.content(p)
		if err != nil {
			return "", err
		}
		extra[prefix+"/"+p] = b
	}
	return relTo(pr.dir, path.Join(prefix, g.sub)), nil
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// relTo is target, a tree path, as seen from the directory dir.
func relTo(dir, target string) string {
	if dir == "." || dir == "" {
		return target
	}
	return strings.Repeat("../", strings.Count(dir, "/")+1) + target
}

// rewriteEntries replaces entries of a kustomization's resources, bases
// and components.
func rewriteEntries(data []byte, rw map[string]string) ([]byte, error) {
	rn, err := yaml.Parse(string(data))
	if err != nil {
		return nil, err
	}
	for _, f := range []string{"resources", "bases", "components"} {
		n := rn.Field(f)
		if n == nil || n.Value == nil {
			continue
		}
		for _, c := range n.Value.YNode().Content {
			if to, ok := rw[c.Value]; ok {
				c.Value = to
			}
		}
	}
	s, err := rn.String()
	return []byte(s), err
}

// withFiles is a copy of t with extra files added or replaced, within t's
// limits.
func (t *Tree) withFiles(extra map[string][]byte) (*Tree, error) {
	files := make(map[string][]byte, len(t.files)+len(extra))
	total, count := t.Size(), 0
	for p, b := range t.files {
		files[p] = b
	}
	for range t.eachFile {
		count++
	}
	names := slices.Sorted(maps.Keys(extra))
	for _, p := range names {
		b := extra[p]
		if t.lim.MaxFileSize > 0 && int64(len(b)) > t.lim.MaxFileSize {
			return nil, fmt.Errorf("%s is over the file size limit of %d bytes", p, t.lim.MaxFileSize)
		}
		if t.has(p) {
			total -= t.fileSize(p)
		} else {
			count++
		}
		total += int64(len(b))
		files[p] = b
	}
	if t.lim.MaxBytes > 0 && total > t.lim.MaxBytes {
		return nil, fmt.Errorf("the tree with its remote sources is over the limit of %d bytes", t.lim.MaxBytes)
	}
	if t.lim.MaxFiles > 0 && count > t.lim.MaxFiles {
		return nil, fmt.Errorf("the tree with its remote sources holds more than %d files", t.lim.MaxFiles)
	}
	// Files left on disk stay there; the fetched ones hide any namesake.
	nt := &Tree{files: files, disk: t.disk, outside: t.outside, oversize: t.oversize, unreadable: t.unreadable, lim: t.lim, dirs: make(map[string]bool, len(t.dirs))}
	for d := range t.dirs {
		nt.dirs[d] = true
	}
	for _, p := range names {
		for d := path.Dir(p); d != "." && !nt.dirs[d]; d = path.Dir(d) {
			nt.dirs[d] = true
		}
	}
	return nt, nil
}

// stayInMount keeps the references of fetched content inside the mounts:
// it may not read the pull request's files. (It may name another mounted
// source: its own remote entries are rewritten to do so, and every source
// mounted in a render passed the same allow-list and access check.)
func stayInMount(from, e, p string) error {
	if !strings.HasPrefix(from, remoteDir+"/") || strings.HasPrefix(p, remoteDir+"/") {
		return nil
	}
	return fmt.Errorf("%s: path %q leaves the remote source", from, e)
}
