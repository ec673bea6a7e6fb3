package githubapi

import "strings"

// apiRoute templates an API path for low-cardinality metrics: owner, repo and
// other names, numbers and SHAs become placeholders, as in
// "/repos/{owner}/{repo}/check-runs/{id}". basePath (such as "/api/v3") is
// stripped first.
func apiRoute(basePath, path string) string {
	path = strings.TrimPrefix(path, strings.TrimSuffix(basePath, "/"))
	segs := strings.Split(strings.Trim(path, "/"), "/")
	out := make([]string, 0, len(segs))
	for i := 0; i < len(segs); i++ {
		s := segs[i]
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		switch {
		case prev == "repos" && i == 1:
			out = append(out, "{owner}")
			if i+1 < len(segs) {
				out = append(out, "{repo}")
				i++
			}
			continue
		case prev == "contents":
			out = append(out, "{path}") // the rest is a file path
			i = len(segs)
			continue
		}
		if p, ok := apiRouteParams[prev]; ok && i > 0 {
			out = append(out, p)
			continue
		}
		if isDigits(s) {
			out = append(out, "{id}")
			continue
		}
		if looksLikeSHA(s) {
			out = append(out, "{sha}")
			continue
		}
		out = append(out, s)
	}
	return "/" + strings.Join(out, "/")
}

// apiRouteParams names the segment that follows a fixed one.
var apiRouteParams = map[string]string{
	"orgs":          "{org}",
	"teams":         "{team}",
	"memberships":   "{user}",
	"collaborators": "{user}",
	"users":         "{user}",
	"tarball":       "{ref}",
	"zipball":       "{ref}",
	"compare":       "{basehead}",
	"commits":       "{ref}",
	"app-manifests": "{code}",
	"installations": "{id}",
	"legacy.tar.gz": "{ref}",
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func looksLikeSHA(s string) bool {
	if len(s) < 7 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
