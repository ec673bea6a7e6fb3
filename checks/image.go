package checks

import "strings"

// dockerHub is the registry an image reference without a host names, as
// container runtimes resolve it.
const dockerHub = "docker.io"

// imageRef is a container image reference split the way the docker
// reference library splits it.
type imageRef struct {
	// Name is the normalized repository: host and path, no tag or digest,
	// e.g. docker.io/library/nginx.
	Name   string
	Tag    string // "" when absent
	Digest string // "" when absent, else "sha256:..."
}

// parseImage normalizes an image reference: "nginx" is
// docker.io/library/nginx, "acme/app" is docker.io/acme/app, a first path
// component with a "." or ":" (a port), or exactly "localhost", is a host.
// ok is false for an empty reference.
func parseImage(s string) (ref imageRef, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return imageRef{}, false
	}
	if name, digest, found := strings.Cut(s, "@"); found {
		s, ref.Digest = name, digest
	}
	// A tag follows the last ":" after the last "/"; an earlier ":" is a port.
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		s, ref.Tag = s[:i], s[i+1:]
	}
	ref.Name = normalizeRepo(s)
	return ref, ref.Name != ""
}

// normalizeRepo adds the implied host (and library/ for official Docker Hub
// images) to a repository name without tag or digest.
func normalizeRepo(s string) string {
	host, rest, found := strings.Cut(s, "/")
	if !found || !isHost(host) {
		host, rest = dockerHub, s
	}
	host = strings.ToLower(host)
	if host == "index.docker.io" || host == "registry-1.docker.io" {
		host = dockerHub
	}
	if host == dockerHub && rest != "" && !strings.Contains(rest, "/") {
		rest = "library/" + rest
	}
	if rest == "" {
		return host
	}
	return host + "/" + rest
}

// isHost reports whether the first component of a reference is a registry
// host rather than a Docker Hub namespace.
func isHost(s string) bool {
	return s == "localhost" || strings.ContainsAny(s, ".:") || s != strings.ToLower(s)
}

// normalizeRegistry turns a configured allow-list entry into a prefix of
// normalized references: "ghcr.io/acme/" stays, "acme/" becomes
// "docker.io/acme/", a bare host "registry.local:5000" becomes
// "registry.local:5000/" so that it cannot match "registry.local:50001".
func normalizeRegistry(entry string) string {
	entry = strings.TrimSpace(entry)
	if entry == "" {
		return ""
	}
	trailing := strings.HasSuffix(entry, "/")
	trimmed := strings.TrimSuffix(entry, "/")
	if !strings.Contains(trimmed, "/") && isHost(trimmed) {
		return strings.ToLower(trimmed) + "/"
	}
	if trimmed == "library" || trimmed == "docker.io/library" {
		return dockerHub + "/library/"
	}
	if !trailing {
		return normalizeRepo(trimmed)
	}
	host, rest, found := strings.Cut(trimmed, "/")
	if found && isHost(host) {
		n := strings.ToLower(host)
		if n == "index.docker.io" || n == "registry-1.docker.io" {
			n = dockerHub
		}
		return n + "/" + rest + "/"
	}
	// A Docker Hub namespace prefix such as "acme/": keep it a namespace.
	return dockerHub + "/" + trimmed + "/"
}

// trusted reports whether the normalized name starts with one of prefixes
// (already normalized).
func trusted(name string, prefixes []string) bool {
	for _, p := range prefixes {
		if p != "" && strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
