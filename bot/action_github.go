package bot

import (
	"context"
	"log/slog"
	"sync"

	"github.com/kustoguard/kustoguard/bot/githubapi"
	"github.com/kustoguard/kustoguard/checks"
)

// actionGitHub is the GitHub a workflow step's token reaches, as the
// pipeline sees it. It passes every call through, and:
//   - reads the configuration from configPath when one is given (still at the
//     commit the pipeline asks for: the base);
//   - remembers what the check run says, for the job summary and outputs;
//   - when GitHub refuses to write check runs (403: a read-only token, as a
//     fork's pull request gets under pull_request), keeps the run here
//     instead, so that the review completes and the step can report it
//     itself; other writes GitHub refuses are skipped and noted.
type actionGitHub struct {
	GitHub
	configPath string
	log        *slog.Logger

	mu sync.Mutex
	// checksRefused is set once GitHub refused a check run write; from then
	// on runs live in local.
	checksRefused bool
	local         map[int64]*CheckRun
	nextID        int64
	// final is the last completing update: the run's conclusion and output.
	final *CheckRun
	// refused names the other writes GitHub refused.
	refused []string
}

func newActionGitHub(gh GitHub, configPath string, log *slog.Logger) *actionGitHub {
	return &actionGitHub{GitHub: gh, configPath: configPath, log: log, local: map[int64]*CheckRun{}, nextID: 1}
}

func (a *actionGitHub) FileContent(ctx context.Context, r Repo, path, ref string) ([]byte, error) {
	if path == checks.ConfigPath && a.configPath != "" {
		path = a.configPath
	}
	return a.GitHub.FileContent(ctx, r, path, ref)
}

func (a *actionGitHub) CheckRuns(ctx context.Context, r Repo, sha, name string) ([]CheckRun, error) {
	a.mu.Lock()
	refused := a.checksRefused
	var out []CheckRun
	for _, run := range a.local {
		if run.HeadSHA == sha && run.Name == name {
			out = append(out, *run)
		}
	}
	a.mu.Unlock()
	if refused {
		return out, nil
	}
	return a.GitHub.CheckRuns(ctx, r, sha, name)
}

func (a *actionGitHub) CreateCheckRun(ctx context.Context, r Repo, run CheckRun) (int64, error) {
	if !a.refusedChecks() {
		id, err := a.GitHub.CreateCheckRun(ctx, r, run)
		if !githubapi.IsForbidden(err) {
			a.record(run)
			return id, err
		}
		a.refuseChecks(err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	id := a.nextID
	a.nextID++
	run.ID = id
	a.local[id] = &run
	a.recordLocked(run)
	return id, nil
}

func (a *actionGitHub) UpdateCheckRun(ctx context.Context, r Repo, id int64, run CheckRun) error {
	if !a.refusedChecks() {
		err := a.GitHub.UpdateCheckRun(ctx, r, id, run)
		if !githubapi.IsForbidden(err) {
			if err == nil {
				a.record(run)
			}
			return err
		}
		a.refuseChecks(err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	have, ok := a.local[id]
	if !ok {
		have = &CheckRun{ID: id, Name: run.Name, HeadSHA: run.HeadSHA}
		a.local[id] = have
	}
	if run.ExternalID != "" {
		have.ExternalID = run.ExternalID
	}
	if run.Status != "" {
		have.Status, have.Conclusion = run.Status, run.Conclusion
	}
	if run.Output != nil {
		out := *run.Output
		if have.Output != nil {
			out.AnnotationsCount = have.Output.AnnotationsCount
		}
		out.AnnotationsCount += len(out.Annotations)
		have.Output = &out
	}
	a.recordLocked(run)
	return nil
}

func (a *actionGitHub) CreateReview(ctx context.Context, r Repo, number int, rev Review) error {
	return a.skipRefused("the review", a.GitHub.CreateReview(ctx, r, number, rev))
}

func (a *actionGitHub) CreateFileComment(ctx context.Context, r Repo, number int, commitSHA, path, body string) error {
	return a.skipRefused("a comment on "+path, a.GitHub.CreateFileComment(ctx, r, number, commitSHA, path, body))
}

func (a *actionGitHub) CreateIssueComment(ctx context.Context, r Repo, number int, body string) error {
	return a.skipRefused("an approval record", a.GitHub.CreateIssueComment(ctx, r, number, body))
}

// skipRefused turns GitHub refusing a write into a note: the check run (or
// the step's own report) still carries every finding.
func (a *actionGitHub) skipRefused(what string, err error) error {
	if !githubapi.IsForbidden(err) {
		return err
	}
	a.mu.Lock()
	a.refused = append(a.refused, what)
	a.mu.Unlock()
	a.log.Warn("the token may not post "+what+"; skipped", "error", err)
	return nil
}

func (a *actionGitHub) refusedChecks() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.checksRefused
}

func (a *actionGitHub) refuseChecks(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.checksRefused {
		a.log.Warn("the token may not write check runs (a pull request from a fork under pull_request, or no checks: write permission): "+
			"reporting through workflow commands and the job summary instead", "error", err)
	}
	a.checksRefused = true
}

func (a *actionGitHub) record(run CheckRun) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.recordLocked(run)
}

func (a *actionGitHub) recordLocked(run CheckRun) {
	if run.Status == "completed" {
		c := run
		a.final = &c
	}
}

// outcome is what the check run says after the pipeline ran: the final
// update (nil when none completed it), whether it lives only here, and the
// other writes GitHub refused.
func (a *actionGitHub) outcome() (final *CheckRun, checksRefused bool, refused []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.final, a.checksRefused, append([]string(nil), a.refused...)
}

var _ GitHub = (*actionGitHub)(nil)
