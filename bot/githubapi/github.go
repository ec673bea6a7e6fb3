package githubapi

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotFound is returned (wrapped) when GitHub answers 404.
var ErrNotFound = errors.New("not found")

// ErrTooManyFiles is returned (wrapped), together with the files GitHub
// gave, when a pull request's file list hits GitHub's cap of 3,000 files.
var ErrTooManyFiles = errors.New("pull request lists GitHub's maximum of 3,000 files")

// Repo names a repository and the App installation that reaches it.
type Repo struct {
	Owner, Name    string
	InstallationID int64
}

// FullName is "owner/name".
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

// PullRequest is what the bot needs of a pull request.
type PullRequest struct {
	Number  int
	Author  string
	State   string // open, closed
	Draft   bool
	BaseRef string
	BaseSHA string
	HeadSHA string
	// MergeSHA is GitHub's test merge commit; empty when GitHub has none
	// (conflicts, or not computed yet).
	MergeSHA string
}

// ChangedFile is one file of a pull request's diff.
type ChangedFile struct {
	Path         string
	PreviousPath string // set for renames
	Status       string // added, removed, modified, renamed, copied, changed, unchanged
	// Patch is the unified diff hunk text; empty for binary or very large files.
	Patch string
}

// CheckRun is a check run as the bot creates, updates and lists it.
type CheckRun struct {
	ID         int64
	Name       string
	HeadSHA    string
	ExternalID string
	Status     string // queued, in_progress, completed
	Conclusion string // set only with Status completed
	Output     *CheckOutput
	// Actions replaces the run's buttons when non-nil (an empty, non-nil
	// slice removes them); nil leaves them as they are.
	Actions   []CheckAction
	StartedAt time.Time
	// CompletedAt is when GitHub recorded the run completed (listing only).
	CompletedAt time.Time
}

// CheckOutput is a check run's output. GitHub caps Summary and Text at
// 65,535 characters and takes at most 50 annotations per request.
type CheckOutput struct {
	Title       string
	Summary     string
	Text        string
	Annotations []Annotation
	// AnnotationsCount is how many annotations the run holds, as GitHub
	// reports it when listing runs (annotations accumulate across updates);
	// ignored on create and update.
	AnnotationsCount int
}

// Annotation is a check run annotation; Level is notice, warning or failure.
type Annotation struct {
	Path      string
	StartLine int
	EndLine   int
	Level     string
	Title     string
	Message   string
}

// CheckAction is a button on a check run (requested_action).
type CheckAction struct {
	Label       string // at most 20 characters
	Description string // at most 40 characters
	Identifier  string // at most 20 characters
}

// Review is a pull request review the bot posts.
type Review struct {
	CommitSHA string
	Event     string // COMMENT
	Body      string
	Comments  []ReviewComment
}

// ReviewComment is an inline comment: on Line of the new side of Path.
type ReviewComment struct {
	Path string
	Line int
	Body string
}

// PostedComment is a review comment already on the pull request.
type PostedComment struct {
	ID   int64
	Path string
	Body string
	User string
}

// PRReview is a review someone submitted.
type PRReview struct {
	ID        int64
	User      string
	State     string // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
	CommitSHA string
	Body      string
}

// Client is everything the bot asks of GitHub for one installation. Methods
// are safe for concurrent use; list methods return every page.
type Client interface {
	PullRequest(ctx context.Context, r Repo, number int) (*PullRequest, error)
	// ChangedFiles lists the pull request's files in GitHub's order; past
	// GitHub's 3,000-file cap it returns what GitHub gave and ErrTooManyFiles.
	ChangedFiles(ctx context.Context, r Repo, number int) ([]ChangedFile, error)
	// Tarball streams the repository at ref as a gzip-compressed tar.
	Tarball(ctx context.Context, r Repo, ref string) (io.ReadCloser, error)
	// FileContent returns one file at ref; ErrNotFound when it does not exist.
	FileContent(ctx context.Context, r Repo, path, ref string) ([]byte, error)

	// CheckRuns lists the check runs named name on sha.
	CheckRuns(ctx context.Context, r Repo, sha, name string) ([]CheckRun, error)
	CreateCheckRun(ctx context.Context, r Repo, run CheckRun) (int64, error)
	UpdateCheckRun(ctx context.Context, r Repo, id int64, run CheckRun) error

	Reviews(ctx context.Context, r Repo, number int) ([]PRReview, error)
	ReviewComments(ctx context.Context, r Repo, number int) ([]PostedComment, error)
	CreateReview(ctx context.Context, r Repo, number int, rev Review) error
	// CreateFileComment posts a file-level review comment (subject_type file).
	CreateFileComment(ctx context.Context, r Repo, number int, commitSHA, path, body string) error

	// IssueComments lists the pull request's conversation comments.
	IssueComments(ctx context.Context, r Repo, number int) ([]PostedComment, error)
	// CreateIssueComment posts a conversation comment (the bot records
	// approvals given with the check run's button this way).
	CreateIssueComment(ctx context.Context, r Repo, number int, body string) error

	// Permission is the user's permission on the repository: admin, maintain,
	// write, triage, read or none.
	Permission(ctx context.Context, r Repo, user string) (string, error)
	// TeamMember reports whether user is an active member of org/team.
	TeamMember(ctx context.Context, org, teamSlug, user string) (bool, error)
}

// ClientFactory returns a GitHub client acting as the given installation.
type ClientFactory func(installationID int64) (Client, error)
