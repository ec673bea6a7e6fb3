package bot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/kustoguard/kustoguard/bot/githubapi"
	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
	"github.com/kustoguard/kustoguard/report"
)

// DefaultActionBotLogin is who a workflow's GITHUB_TOKEN posts as.
const DefaultActionBotLogin = "github-actions[bot]"

// ActionConfig is one review run by a GitHub Actions workflow step.
type ActionConfig struct {
	// EventName and Event are the workflow's trigger (GITHUB_EVENT_NAME) and
	// its payload (the file at GITHUB_EVENT_PATH).
	EventName string
	Event     []byte
	// Repository is GITHUB_REPOSITORY, "owner/name".
	Repository string
	// APIURL is GITHUB_API_URL ("https://api.github.com",
	// "https://HOST/api/v3" on GitHub Enterprise Server).
	APIURL string
	Token  string
	// ConfigPath, when set, is read at the base commit instead of
	// .github/kustoguard.yml.
	ConfigPath string
	// BotLogin is who the token posts as (DefaultActionBotLogin when
	// empty): only its comments count as fingerprints of what was already
	// commented on. Approval records never count in Actions (see
	// gateInput).
	BotLogin string
	Limits   render.Limits
	Logger   *slog.Logger
	// Transport is the HTTP transport (http.DefaultTransport when nil).
	Transport http.RoundTripper
}

// ActionResult is what one run of the action found and did.
type ActionResult struct {
	// Skipped says why nothing was reviewed (an event or action kustoguard
	// does not review, a closed pull request); the rest is then empty.
	Skipped string
	Repo    Repo
	Number  int
	HeadSHA string
	// Posted is false when GitHub refused to write the check run: the step
	// must then report the findings itself (workflow commands, summary).
	Posted bool
	// NotPosted names other writes GitHub refused (the review, approval
	// records).
	NotPosted  []string
	Conclusion string
	Title      string
	Summary    string
	Text       string
	// Annotations are the findings at their source lines, as the check
	// run's annotations.
	Annotations []report.Annotation
	// Counts counts the new findings as the title does; Findings is their
	// total.
	Counts   checks.Summary
	Findings int
	Approval report.Approval
}

// Blocks reports whether the pull request is held back: an error finding,
// an overlay that no longer renders, an invalid configuration, or findings
// that wait for approval.
func (r *ActionResult) Blocks() bool {
	return r.Conclusion == report.Failure || r.Conclusion == report.ActionRequired
}

// RunAction reviews the pull request of the workflow's event once, through
// the same pipeline the App's queue runs, and returns what it found. An
// event it does not review is a Skipped result, not an error; an error
// means the review could not be done.
func RunAction(ctx context.Context, cfg ActionConfig) (*ActionResult, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BotLogin == "" {
		cfg.BotLogin = DefaultActionBotLogin
	}
	repo, err := parseRepository(cfg.Repository)
	if err != nil {
		return nil, err
	}
	job, skip, err := parseActionEvent(cfg.EventName, cfg.Event, repo)
	if err != nil {
		return nil, err
	}
	if skip != "" {
		return &ActionResult{Skipped: skip, Repo: repo}, nil
	}
	if cfg.Token == "" {
		return nil, fmt.Errorf("reviewing %s#%d: no token (set GITHUB_TOKEN or --token)", repo.FullName(), job.Number)
	}
	client, err := githubapi.NewTokenClient(githubapi.ClientConfig{BaseURL: apiRoot(cfg.APIURL), Transport: cfg.Transport}, cfg.Token)
	if err != nil {
		return nil, err
	}
	gh := newActionGitHub(client, cfg.ConfigPath, cfg.Logger)
	p := NewPipeline(PipelineConfig{
		Clients:        func(int64) (GitHub, error) { return gh, nil },
		Limits:         cfg.Limits,
		BotLogin:       cfg.BotLogin,
		Logger:         cfg.Logger,
		TreeCacheBytes: -1, // one review: nothing to share
		ReviewsOnly:    true,
	})
	// The result and the gate, as the check run is built from them.
	var built struct {
		result   *checks.Result
		approval report.Approval
		run      report.CheckRun
	}
	build := p.eng.build
	p.eng.build = func(r *checks.Result, a report.Approval) report.CheckRun {
		built.result, built.approval = r, a
		built.run = build(r, a)
		return built.run
	}
	if err := p.Process(ctx, job); err != nil {
		return nil, fmt.Errorf("reviewing %s#%d: %w", repo.FullName(), job.Number, err)
	}

	final, checksRefused, refused := gh.outcome()
	out := &ActionResult{Repo: repo, Number: job.Number, Posted: !checksRefused, NotPosted: refused}
	if final == nil {
		// Process leaves the run alone only for a pull request that is not
		// open, or a head another run has taken over.
		out.Skipped = "no review: the pull request is not open, or a concurrent run of kustoguard took over its check run"
		return out, nil
	}
	out.HeadSHA, out.Conclusion = final.HeadSHA, final.Conclusion
	if final.Output != nil {
		out.Title, out.Summary, out.Text = final.Output.Title, final.Output.Summary, final.Output.Text
	}
	if built.result != nil {
		out.Annotations = built.run.Annotations
		out.Approval = built.approval
		out.Counts = report.Counts(built.result, built.approval)
		out.Findings = out.Counts.Blocking + out.Counts.Warnings + out.Counts.Notices
	}
	return out, nil
}

// apiRoot is GITHUB_API_URL as the client takes it: api.github.com when
// unset, with the trailing slash the REST paths are appended to.
func apiRoot(u string) string {
	if u == "" {
		return "https://api.github.com/"
	}
	return strings.TrimSuffix(u, "/") + "/"
}

func parseRepository(s string) (Repo, error) {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return Repo{}, fmt.Errorf("reading GITHUB_REPOSITORY: want owner/name, got %q", s)
	}
	return Repo{Owner: owner, Name: name}, nil
}

// parseActionEvent turns the workflow's event into the job the App would
// queue for the same webhook. Workflow payloads are webhook payloads without
// the installation, which a token needs no id of.
func parseActionEvent(name string, payload []byte, repo Repo) (Job, string, error) {
	var jobs []Job
	var skip string
	var err error
	switch name {
	case "pull_request", "pull_request_target":
		var ev pullRequestEvent
		if err := decode(payload, &ev); err != nil {
			return Job{}, "", fmt.Errorf("reading the %s event: %w", name, err)
		}
		fillActionContext(&ev.hookCommon, repo)
		jobs, skip, err = pullRequestJobs(ev, "")
	case "pull_request_review":
		var ev reviewEvent
		if err := decode(payload, &ev); err != nil {
			return Job{}, "", fmt.Errorf("reading the %s event: %w", name, err)
		}
		fillActionContext(&ev.hookCommon, repo)
		jobs, skip, err = reviewJobs(ev, "")
	default:
		return Job{}, fmt.Sprintf("event %q is not one kustoguard reviews (pull_request, pull_request_target, pull_request_review)", name), nil
	}
	if err != nil || skip != "" {
		return Job{}, skip, err
	}
	j := jobs[0]
	j.Repo = repo
	return j, "", nil
}

// fillActionContext completes a workflow payload as a webhook payload:
// the installation, which the action's token needs no id of, and the
// repository when the payload lacks it (GITHUB_REPOSITORY names it).
func fillActionContext(c *hookCommon, repo Repo) {
	c.Installation = &struct {
		ID int64 `json:"id"`
	}{ID: -1}
	if c.Repository == nil || c.Repository.Name == "" || c.Repository.Owner.Login == "" {
		c.Repository = &hookRepo{Name: repo.Name, FullName: repo.FullName()}
		c.Repository.Owner.Login = repo.Owner
	}
}
