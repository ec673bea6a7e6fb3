package githubapi

import (
	"context"
	"fmt"
)

// RepoVisibility is implemented by clients that can tell whether a
// repository is private; the bot uses it before fetching a repository a
// pull request names as a remote kustomize base.
type RepoVisibility interface {
	// RepoPrivate reports whether the repository is private (or
	// internal); ErrNotFound when the installation cannot see it.
	RepoPrivate(ctx context.Context, r Repo) (bool, error)
}

var _ RepoVisibility = (*ghClient)(nil)

func (c *ghClient) RepoPrivate(ctx context.Context, r Repo) (bool, error) {
	rp, resp, err := c.gh.Repositories.Get(ctx, r.Owner, r.Name)
	if err != nil {
		return false, wrapGitHubErr(fmt.Sprintf("getting repository %s", r.FullName()), resp, err)
	}
	// Internal repositories are visible to the enterprise only: treated
	// like private ones.
	return rp.GetPrivate() || (rp.GetVisibility() != "" && rp.GetVisibility() != "public"), nil
}
