package render

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// RepoFetcher fetches a GitHub repository at a pinned ref for a remote
// kustomize base. The server implements it with the App installation's
// client, and decides there whether the pull request's author may see the
// repository; renders only ask.
type RepoFetcher interface {
	FetchRepo(ctx context.Context, owner, repo, ref string) (*Tree, error)
}

// githubSource is a remote kustomize entry naming a GitHub repository.
type githubSource struct {
	owner, repo string
	sub         string // directory inside the repository, "" for its root
	ref         string
}

func (g githubSource) name() string { return "github.com/" + g.owner + "/" + g.repo }

// parseGitHubSource reads the spellings of a GitHub repository that
// kustomize's repository parser accepts with host github.com:
// github.com/o/r//sub?ref=x, https://github.com/o/r.git//sub?ref=x,
// git@github.com:o/r//sub, ssh://git@github.com/o/r, git::https://….
func parseGitHubSource(p string) (githubSource, bool) {
	s := strings.TrimPrefix(strings.TrimSpace(p), "git::")
	var query string
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s, query = s[:i], s[i+1:]
	}
	for _, pre := range []string{"https://", "http://", "ssh://", "git://"} {
		if strings.HasPrefix(strings.ToLower(s), pre) {
			s = s[len(pre):]
			break
		}
	}
	s = strings.TrimPrefix(s, "git@")
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "github.com/"), strings.HasPrefix(lower, "github.com:"):
		s = s[len("github.com/"):]
	default:
		return githubSource{}, false
	}
	repoPart, sub := s, ""
	if i := strings.Index(s, "//"); i >= 0 {
		repoPart, sub = s[:i], s[i+2:]
	}
	parts := strings.Split(strings.Trim(repoPart, "/"), "/")
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return githubSource{}, false
	}
	g := githubSource{owner: parts[0], repo: strings.TrimSuffix(parts[1], ".git")}
	// Without "//", kustomize takes what follows owner/repo as the path.
	rest := append(parts[2:], strings.Split(sub, "/")...)
	var keep []string
	for _, r := range rest {
		if r != "" && r != "." {
			keep = append(keep, r)
		}
	}
	g.sub = strings.Join(keep, "/")
	if q, err := url.ParseQuery(query); err == nil {
		g.ref = q.Get("ref")
		if g.ref == "" {
			g.ref = q.Get("version")
		}
	}
	if !validName.MatchString(g.owner) || !validName.MatchString(g.repo) || strings.Contains(g.sub, "..") {
		return githubSource{}, false
	}
	return g, true
}

var (
	validName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	// A pinned ref is a full commit SHA or a release tag (v1, v1.2.3,
	// v1.2.3-rc.1); branches move, so a review of them would not repeat.
	pinnedSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)
	pinnedTag = regexp.MustCompile(`^v[0-9]+(\.[0-9]+){0,2}([-+][0-9A-Za-z.-]+)?$`)
)

func pinnedRef(ref string) bool { return pinnedSHA.MatchString(ref) || pinnedTag.MatchString(ref) }

// remoteSourceName is what the allow-list is matched against: the GitHub
// repository (github.com/o/r) or the URL without its query.
func remoteSourceName(p string) string {
	if g, ok := parseGitHubSource(p); ok {
		return g.name()
	}
	if u, err := url.Parse(p); err == nil && u.Scheme == "https" {
		u.RawQuery, u.Fragment = "", ""
		return u.String()
	}
	return p
}

// allowedRemote reports whether the configuration's allow-list covers a
// remote entry; "https://github.com/acme/" allows as "github.com/acme/".
func allowedRemote(allow []string, p string) bool {
	src := remoteSourceName(p)
	if !strings.HasPrefix(src, "github.com/") {
		return strings.HasPrefix(src, "https://") && allowedSource(allow, src)
	}
	var norm []string
	for _, a := range allow {
		norm = append(norm, strings.TrimPrefix(strings.TrimSpace(a), "https://"))
	}
	return allowedSource(norm, src)
}

// notAllowedHint says how to allow a remote entry.
func notAllowedHint(p string) string {
	src := remoteSourceName(p)
	example := src
	if g, ok := parseGitHubSource(p); ok {
		example = "github.com/" + g.owner + "/"
	}
	return fmt.Sprintf("to fetch it, allow it in the base branch's .github/kustoguard.yml with remote: {allow: [%q]}, or vendor it into the repository", example)
}
