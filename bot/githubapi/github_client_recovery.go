package githubapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-github/v60/github"
)

// OpenPull is an open pull request as listed: enough to tell whether its
// head's check run needs recovering.
type OpenPull struct {
	Number    int
	HeadSHA   string
	UpdatedAt time.Time
}

// ErrLowRateBudget is returned (wrapped) by RecoveryLister methods when
// the installation has less than a fifth of its hourly request budget
// left: recovery leaves that to reviews of new events.
var ErrLowRateBudget = errors.New("installation's rate limit budget low")

// lowBudget reports whether a response says less than a fifth of the
// hourly budget is left.
func lowBudget(resp *github.Response) bool {
	return resp != nil && resp.Rate.Limit > 0 && resp.Rate.Remaining < resp.Rate.Limit/5
}

// RecoveryLister is what recovery asks of an installation's client beyond
// GitHub. The go-github client implements it.
type RecoveryLister interface {
	// Repositories lists the repositories the installation reaches.
	Repositories(ctx context.Context) ([]Repo, error)
	// OpenPulls lists open pull requests, most recently updated first,
	// stopping after the first one updated before since (or after max
	// pull requests).
	OpenPulls(ctx context.Context, r Repo, since time.Time, max int) ([]OpenPull, error)
}

var _ RecoveryLister = (*ghClient)(nil)

func (c *ghClient) Repositories(ctx context.Context) ([]Repo, error) {
	var out []Repo
	opts := &github.ListOptions{PerPage: ghPerPage}
	for {
		res, resp, err := c.gh.Apps.ListRepos(ctx, opts)
		if err != nil {
			return nil, wrapGitHubErr("listing the installation's repositories", resp, err)
		}
		for _, r := range res.Repositories {
			out = append(out, Repo{Owner: r.GetOwner().GetLogin(), Name: r.GetName()})
		}
		if lowBudget(resp) {
			return nil, fmt.Errorf("listing the installation's repositories: %w (%d of %d left)", ErrLowRateBudget, resp.Rate.Remaining, resp.Rate.Limit)
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

func (c *ghClient) OpenPulls(ctx context.Context, r Repo, since time.Time, max int) ([]OpenPull, error) {
	opts := &github.PullRequestListOptions{
		State: "open", Sort: "updated", Direction: "desc",
		ListOptions: github.ListOptions{PerPage: ghPerPage},
	}
	var out []OpenPull
	for {
		page, resp, err := c.gh.PullRequests.List(ctx, r.Owner, r.Name, opts)
		if err != nil {
			return nil, wrapGitHubErr(fmt.Sprintf("listing open pull requests of %s", r.FullName()), resp, err)
		}
		if lowBudget(resp) {
			return nil, fmt.Errorf("listing open pull requests of %s: %w (%d of %d left)", r.FullName(), ErrLowRateBudget, resp.Rate.Remaining, resp.Rate.Limit)
		}
		for _, pr := range page {
			updated := pr.GetUpdatedAt().Time
			if updated.Before(since) || len(out) >= max {
				return out, nil // sorted by update: the rest are older
			}
			out = append(out, OpenPull{Number: pr.GetNumber(), HeadSHA: pr.GetHead().GetSHA(), UpdatedAt: updated})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}
