package githubapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-github/v60/github"
)

func (c *ghClient) Reviews(ctx context.Context, r Repo, number int) ([]PRReview, error) {
	var out []PRReview
	opts := &github.ListOptions{PerPage: ghPerPage}
	for {
		page, resp, err := c.gh.PullRequests.ListReviews(ctx, r.Owner, r.Name, number, opts)
		if err != nil {
			return nil, wrapGitHubErr(fmt.Sprintf("listing reviews of %s#%d", r.FullName(), number), resp, err)
		}
		for _, rv := range page {
			out = append(out, PRReview{
				ID:        rv.GetID(),
				User:      rv.GetUser().GetLogin(),
				State:     rv.GetState(),
				CommitSHA: rv.GetCommitID(),
				Body:      rv.GetBody(),
			})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

func (c *ghClient) ReviewComments(ctx context.Context, r Repo, number int) ([]PostedComment, error) {
	var out []PostedComment
	opts := &github.PullRequestListCommentsOptions{ListOptions: github.ListOptions{PerPage: ghPerPage}}
	for {
		page, resp, err := c.gh.PullRequests.ListComments(ctx, r.Owner, r.Name, number, opts)
		if err != nil {
			return nil, wrapGitHubErr(fmt.Sprintf("listing review comments of %s#%d", r.FullName(), number), resp, err)
		}
		for _, cm := range page {
			out = append(out, PostedComment{ID: cm.GetID(), Path: cm.GetPath(), Body: cm.GetBody(), User: cm.GetUser().GetLogin()})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// CreateReview posts a review with inline comments on the new (RIGHT) side.
func (c *ghClient) CreateReview(ctx context.Context, r Repo, number int, rev Review) error {
	event := rev.Event
	if event == "" {
		event = "COMMENT"
	}
	req := &github.PullRequestReviewRequest{
		CommitID: optString(rev.CommitSHA),
		Body:     optString(rev.Body),
		Event:    github.String(event),
	}
	for _, cm := range rev.Comments {
		req.Comments = append(req.Comments, &github.DraftReviewComment{
			Path: github.String(cm.Path),
			Line: github.Int(cm.Line),
			Side: github.String("RIGHT"),
			Body: github.String(cm.Body),
		})
	}
	_, resp, err := c.gh.PullRequests.CreateReview(ctx, r.Owner, r.Name, number, req)
	if err != nil {
		return wrapGitHubErr(fmt.Sprintf("creating review on %s#%d", r.FullName(), number), resp, err)
	}
	return nil
}

// fileCommentRequest is a file-level review comment; go-github v60's
// PullRequestComment has no subject_type.
type fileCommentRequest struct {
	Body        string `json:"body"`
	CommitID    string `json:"commit_id"`
	Path        string `json:"path"`
	SubjectType string `json:"subject_type"`
}

func (c *ghClient) CreateFileComment(ctx context.Context, r Repo, number int, commitSHA, path, body string) error {
	what := fmt.Sprintf("commenting on %s of %s#%d", path, r.FullName(), number)
	return c.send(ctx, what, http.MethodPost, fmt.Sprintf("repos/%s/%s/pulls/%d/comments", r.Owner, r.Name, number),
		fileCommentRequest{Body: body, CommitID: commitSHA, Path: path, SubjectType: "file"})
}

func (c *ghClient) IssueComments(ctx context.Context, r Repo, number int) ([]PostedComment, error) {
	var out []PostedComment
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: ghPerPage}}
	for {
		page, resp, err := c.gh.Issues.ListComments(ctx, r.Owner, r.Name, number, opts)
		if err != nil {
			return nil, wrapGitHubErr(fmt.Sprintf("listing comments of %s#%d", r.FullName(), number), resp, err)
		}
		for _, cm := range page {
			out = append(out, PostedComment{ID: cm.GetID(), Body: cm.GetBody(), User: cm.GetUser().GetLogin()})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

func (c *ghClient) CreateIssueComment(ctx context.Context, r Repo, number int, body string) error {
	_, resp, err := c.gh.Issues.CreateComment(ctx, r.Owner, r.Name, number, &github.IssueComment{Body: github.String(body)})
	if err != nil {
		return wrapGitHubErr(fmt.Sprintf("commenting on %s#%d", r.FullName(), number), resp, err)
	}
	return nil
}

func (c *ghClient) Permission(ctx context.Context, r Repo, user string) (string, error) {
	p, resp, err := c.gh.Repositories.GetPermissionLevel(ctx, r.Owner, r.Name, user)
	if err != nil {
		return "", wrapGitHubErr(fmt.Sprintf("getting %s's permission on %s", user, r.FullName()), resp, err)
	}
	return p.GetPermission(), nil
}

// TeamMember is true only for an active membership: a pending invitation
// does not make an approver. GitHub answers 404 for non-members.
func (c *ghClient) TeamMember(ctx context.Context, org, teamSlug, user string) (bool, error) {
	m, resp, err := c.gh.Teams.GetTeamMembershipBySlug(ctx, org, teamSlug, user)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return false, nil
		}
		return false, wrapGitHubErr(fmt.Sprintf("getting %s's membership of %s/%s", user, org, teamSlug), resp, err)
	}
	return m.GetState() == "active", nil
}
