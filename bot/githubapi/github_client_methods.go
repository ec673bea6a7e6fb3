package githubapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// ghClient implements Client for one installation with go-github.
type ghClient struct {
	gh *github.Client
	// download fetches archive links: through the retries, but without the
	// installation token, which the link itself carries.
	download *http.Client
}

var _ Client = (*ghClient)(nil)

const ghPerPage = 100

func (c *ghClient) PullRequest(ctx context.Context, r Repo, number int) (*PullRequest, error) {
	pr, resp, err := c.gh.PullRequests.Get(ctx, r.Owner, r.Name, number)
	if err != nil {
		return nil, wrapGitHubErr(fmt.Sprintf("getting pull request %s#%d", r.FullName(), number), resp, err)
	}
	out := &PullRequest{
		Number:  pr.GetNumber(),
		Author:  pr.GetUser().GetLogin(),
		State:   pr.GetState(),
		Draft:   pr.GetDraft(),
		BaseRef: pr.GetBase().GetRef(),
		BaseSHA: pr.GetBase().GetSHA(),
		HeadSHA: pr.GetHead().GetSHA(),
	}
	// merge_commit_sha lingers from earlier heads while mergeable is being
	// recomputed (null) or false; only a true mergeable names a current
	// test merge.
	if pr.Mergeable != nil && *pr.Mergeable {
		out.MergeSHA = pr.GetMergeCommitSHA()
	}
	return out, nil
}

func (c *ghClient) ChangedFiles(ctx context.Context, r Repo, number int) ([]ChangedFile, error) {
	what := fmt.Sprintf("listing files of %s#%d", r.FullName(), number)
	var files []ChangedFile
	opts := &github.ListOptions{PerPage: ghPerPage}
	for {
		page, resp, err := c.gh.PullRequests.ListFiles(ctx, r.Owner, r.Name, number, opts)
		if err != nil {
			return nil, wrapGitHubErr(what, resp, err)
		}
		files = appendChangedFiles(files, page)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if len(files) >= maxPRFiles {
		return files, fmt.Errorf("%s: %w", what, ErrTooManyFiles)
	}
	return files, nil
}

func appendChangedFiles(dst []ChangedFile, page []*github.CommitFile) []ChangedFile {
	for _, f := range page {
		dst = append(dst, ChangedFile{
			Path:         f.GetFilename(),
			PreviousPath: f.GetPreviousFilename(),
			Status:       f.GetStatus(),
			Patch:        f.GetPatch(),
		})
	}
	return dst
}

// Tarball asks GitHub for the archive link and streams the archive; the
// caller closes the body.
func (c *ghClient) Tarball(ctx context.Context, r Repo, ref string) (io.ReadCloser, error) {
	what := fmt.Sprintf("downloading %s at %s", r.FullName(), ref)
	link, resp, err := c.gh.Repositories.GetArchiveLink(ctx, r.Owner, r.Name, github.Tarball,
		&github.RepositoryContentGetOptions{Ref: ref}, 1)
	if err != nil {
		return nil, wrapGitHubErr(what, resp, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	dl, err := c.download.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if dl.StatusCode != http.StatusOK {
		dl.Body.Close()
		if dl.StatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("%s: %w", what, ErrNotFound)
		}
		return nil, fmt.Errorf("%s: archive answered %s", what, dl.Status)
	}
	return dl.Body, nil
}

// FileContent reads one file with the raw media type (one request, no
// base64, no 1 MB limit of the JSON form).
func (c *ghClient) FileContent(ctx context.Context, r Repo, path, ref string) ([]byte, error) {
	what := fmt.Sprintf("reading %s of %s at %s", path, r.FullName(), ref)
	u := fmt.Sprintf("repos/%s/%s/contents/%s?ref=%s", url.PathEscape(r.Owner), url.PathEscape(r.Name),
		escapeRepoPath(path), url.QueryEscape(ref))
	req, err := c.gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	req.Header.Set("Accept", "application/vnd.github.raw")
	var buf bytes.Buffer
	resp, err := c.gh.Do(ctx, req, &buf)
	if err != nil {
		return nil, wrapGitHubErr(what, resp, err)
	}
	return buf.Bytes(), nil
}

func escapeRepoPath(p string) string {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func (c *ghClient) CheckRuns(ctx context.Context, r Repo, sha, name string) ([]CheckRun, error) {
	what := fmt.Sprintf("listing check runs of %s at %s", r.FullName(), sha)
	opts := &github.ListCheckRunsOptions{Filter: github.String("all"), ListOptions: github.ListOptions{PerPage: ghPerPage}}
	if name != "" {
		opts.CheckName = github.String(name)
	}
	var runs []CheckRun
	for {
		res, resp, err := c.gh.Checks.ListCheckRunsForRef(ctx, r.Owner, r.Name, sha, opts)
		if err != nil {
			return nil, wrapGitHubErr(what, resp, err)
		}
		for _, cr := range res.CheckRuns {
			runs = append(runs, fromGitHubCheckRun(cr))
		}
		if resp.NextPage == 0 {
			return runs, nil
		}
		opts.Page = resp.NextPage
	}
}

func fromGitHubCheckRun(cr *github.CheckRun) CheckRun {
	run := CheckRun{
		ID:          cr.GetID(),
		Name:        cr.GetName(),
		HeadSHA:     cr.GetHeadSHA(),
		ExternalID:  cr.GetExternalID(),
		Status:      cr.GetStatus(),
		Conclusion:  cr.GetConclusion(),
		StartedAt:   cr.GetStartedAt().Time,
		CompletedAt: cr.GetCompletedAt().Time,
	}
	if o := cr.Output; o != nil {
		run.Output = &CheckOutput{Title: o.GetTitle(), Summary: o.GetSummary(), Text: o.GetText(), AnnotationsCount: o.GetAnnotationsCount()}
	}
	return run
}

func (c *ghClient) CreateCheckRun(ctx context.Context, r Repo, run CheckRun) (int64, error) {
	opts := github.CreateCheckRunOptions{
		Name:        run.Name,
		HeadSHA:     run.HeadSHA,
		ExternalID:  optString(run.ExternalID),
		Status:      optString(run.Status),
		Conclusion:  optString(run.Conclusion),
		StartedAt:   ghTimestamp(run.StartedAt),
		CompletedAt: ghCompletedAt(run),
		Output:      toGitHubOutput(run.Output),
		Actions:     toGitHubActions(run.Actions),
	}
	cr, resp, err := c.gh.Checks.CreateCheckRun(ctx, r.Owner, r.Name, opts)
	if err != nil {
		return 0, wrapGitHubErr(fmt.Sprintf("creating check run on %s at %s", r.FullName(), run.HeadSHA), resp, err)
	}
	return cr.GetID(), nil
}

// checkRunUpdateRequest is the update body: go-github's always sends "name", which
// would blank a name the caller leaves empty, and has no started_at.
type checkRunUpdateRequest struct {
	Name        string                 `json:"name,omitempty"`
	ExternalID  *string                `json:"external_id,omitempty"`
	Status      *string                `json:"status,omitempty"`
	Conclusion  *string                `json:"conclusion,omitempty"`
	StartedAt   *github.Timestamp      `json:"started_at,omitempty"`
	CompletedAt *github.Timestamp      `json:"completed_at,omitempty"`
	Output      *github.CheckRunOutput `json:"output,omitempty"`
	// Actions is a pointer so that an empty list is sent: it removes the
	// buttons (an absent list leaves them as they are).
	Actions *[]*github.CheckRunAction `json:"actions,omitempty"`
}

func (c *ghClient) UpdateCheckRun(ctx context.Context, r Repo, id int64, run CheckRun) error {
	what := fmt.Sprintf("updating check run %d of %s", id, r.FullName())
	body := checkRunUpdateRequest{
		Name:        run.Name,
		ExternalID:  optString(run.ExternalID),
		Status:      optString(run.Status),
		Conclusion:  optString(run.Conclusion),
		StartedAt:   ghTimestamp(run.StartedAt),
		CompletedAt: ghCompletedAt(run),
		Output:      toGitHubOutput(run.Output),
	}
	if run.Actions != nil {
		actions := toGitHubActions(run.Actions)
		if actions == nil {
			actions = []*github.CheckRunAction{}
		}
		body.Actions = &actions
	}
	return c.send(ctx, what, http.MethodPatch, fmt.Sprintf("repos/%s/%s/check-runs/%d", r.Owner, r.Name, id), body)
}

// send makes a request whose body go-github cannot express and discards the
// answer; what names the action in errors.
func (c *ghClient) send(ctx context.Context, what, method, path string, body any) error {
	req, err := c.gh.NewRequest(method, path, body)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	resp, err := c.gh.Do(ctx, req, nil)
	if err != nil {
		return wrapGitHubErr(what, resp, err)
	}
	return nil
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func ghTimestamp(t time.Time) *github.Timestamp {
	if t.IsZero() {
		return nil
	}
	return &github.Timestamp{Time: t.UTC()}
}

// ghCompletedAt is now for a completed run; GitHub wants it with a conclusion.
func ghCompletedAt(run CheckRun) *github.Timestamp {
	if run.Status != "completed" && run.Conclusion == "" {
		return nil
	}
	return ghTimestamp(time.Now())
}

func toGitHubOutput(o *CheckOutput) *github.CheckRunOutput {
	if o == nil {
		return nil
	}
	out := &github.CheckRunOutput{
		Title:   github.String(o.Title),
		Summary: github.String(o.Summary),
		Text:    optString(o.Text),
	}
	for _, a := range o.Annotations {
		end := a.EndLine
		if end < a.StartLine {
			end = a.StartLine
		}
		out.Annotations = append(out.Annotations, &github.CheckRunAnnotation{
			Path:            github.String(a.Path),
			StartLine:       github.Int(a.StartLine),
			EndLine:         github.Int(end),
			AnnotationLevel: github.String(a.Level),
			Title:           optString(a.Title),
			Message:         github.String(a.Message),
		})
	}
	return out
}

func toGitHubActions(actions []CheckAction) []*github.CheckRunAction {
	var out []*github.CheckRunAction
	for _, a := range actions {
		out = append(out, &github.CheckRunAction{Label: a.Label, Description: a.Description, Identifier: a.Identifier})
	}
	return out
}
