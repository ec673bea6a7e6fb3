package render

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
)

// PublicGitHub fetches public GitHub repositories without credentials, for
// `kustoguard check --allow-remote`: it can read only what anyone can, so
// it needs no access check. The server uses the App's client instead.
type PublicGitHub struct {
	// API is the GitHub API's address (https://api.github.com when empty).
	API string
	// Fetcher does the request, with its redirect, time and size limits,
	// and caches the archive by URL.
	Fetcher *ChartFetcher
	// Limits bound the fetched tree.
	Limits Limits
}

// FetchRepo downloads the repository's tarball at ref.
func (p PublicGitHub) FetchRepo(ctx context.Context, owner, repo, ref string) (*Tree, error) {
	if p.Fetcher == nil {
		return nil, fmt.Errorf("fetching is off here")
	}
	api := strings.TrimSuffix(p.API, "/")
	if api == "" {
		api = "https://api.github.com"
	}
	u := api + "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(repo) + "/tarball/" + url.PathEscape(ref)
	data, err := p.Fetcher.fetchFile(ctx, u, maxArchiveSize)
	if err != nil {
		if strings.Contains(err.Error(), "404") {
			return nil, fmt.Errorf("%s/%s at %s is not found or not public (without the App, only public repositories are fetched)", owner, repo, ref)
		}
		return nil, fmt.Errorf("downloading %s/%s at %s: %w", owner, repo, ref, err)
	}
	t, err := LoadTarGz(bytes.NewReader(data), p.Limits)
	if err != nil {
		return nil, fmt.Errorf("loading %s/%s at %s: %w", owner, repo, ref, err)
	}
	return t, nil
}
