package render

import (
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/resource"
)

// refClass is what kustomize would do with a reference before looking in
// the tree.
type refClass int

const (
	refLocal refClass = iota
	// refHTTP: kustomize's file loader fetches it over HTTP
	// (api/internal/loader.IsRemoteFile).
	refHTTP
	// refGit: kustomize's loader clones it with git when asked for a
	// directory (api/internal/git.NewRepoSpecFromURL accepts it).
	refGit
	// refAbsolute: an absolute path on the machine running the render.
	refAbsolute
)

// classify decides what kustomize does with a reference the way kustomize
// decides it. Local directories spelled like repositories (GitHub.com/o/r,
// u@host:o/r, GIT::…) are refGit because that is what kustomize makes of
// them: it runs git before it ever looks for the directory.
func classify(p string) refClass {
	switch {
	case isHTTPRef(p):
		return refHTTP
	case path.IsAbs(p) || filepath.IsAbs(p):
		return refAbsolute
	case isGitRef(p), looksRemote(p):
		return refGit
	}
	return refLocal
}

// isHTTPRef is kustomize's loader.IsRemoteFile, which is internal; the
// differential test shows the two agree on what reaches the network.
func isHTTPRef(p string) bool {
	u, err := url.Parse(p)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https")
}

// isGitRef runs kustomize's own repository-URL parser through its one
// exported caller: resource.Origin.Append records a repository exactly when
// git.NewRepoSpecFromURL accepts the path, which is when the loader clones.
func isGitRef(p string) (git bool) {
	defer func() {
		// The parser is not ours; an input it cannot handle is not local.
		if recover() != nil {
			git = true
		}
	}()
	return (&resource.Origin{}).Append(p).Repo != ""
}

// looksRemote keeps the renderer's older, wider net: forms that are not
// remote for this kustomize version but are for others or for go-getter
// ("//" subdirectories, ?ref= queries, scp-like and well-known hosts).
func looksRemote(e string) bool {
	e = strings.ToLower(strings.TrimSpace(e))
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
