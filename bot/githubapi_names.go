package bot

import "github.com/kustoguard/kustoguard/bot/githubapi"

// The bot speaks to GitHub through package githubapi; these names keep the
// bot's own code reading as it did before the client moved there.
type (
	Repo           = githubapi.Repo
	PullRequest    = githubapi.PullRequest
	ChangedFile    = githubapi.ChangedFile
	CheckRun       = githubapi.CheckRun
	CheckOutput    = githubapi.CheckOutput
	Annotation     = githubapi.Annotation
	CheckAction    = githubapi.CheckAction
	Review         = githubapi.Review
	ReviewComment  = githubapi.ReviewComment
	PostedComment  = githubapi.PostedComment
	PRReview       = githubapi.PRReview
	GitHub         = githubapi.Client
	ClientFactory  = githubapi.ClientFactory
	ClientConfig   = githubapi.ClientConfig
	AppClient      = githubapi.AppClient
	AppCredentials = githubapi.AppCredentials
	OpenPull       = githubapi.OpenPull
	RecoveryLister = githubapi.RecoveryLister
)

var (
	ErrNotFound      = githubapi.ErrNotFound
	ErrTooManyFiles  = githubapi.ErrTooManyFiles
	ErrLowRateBudget = githubapi.ErrLowRateBudget
	NewClientFactory = githubapi.NewClientFactory
	NewAppClient     = githubapi.NewAppClient
)
