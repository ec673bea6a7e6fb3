package bot

import (
	"context"
	"log/slog"
)

// Log keys carried by every record about a delivery or a job, so that one
// pull request's story can be followed across the handler, the queue and the
// pipeline.
const (
	LogKeyEventType      = "github_event_type"
	LogKeyDeliveryID     = "github_delivery_id"
	LogKeyInstallationID = "github_installation_id"
	LogKeyRepoOwner      = "github_repository_owner"
	LogKeyRepoName       = "github_repository_name"
	LogKeyPRNum          = "github_pr_num"
	LogKeySHA            = "github_sha"
)

type loggerKey struct{}

// WithLogger returns a context carrying l.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// LoggerFrom returns the logger carried by ctx, or slog.Default() when there
// is none.
func LoggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok && l != nil {
		return l
	}
	return slog.Default()
}

// withJob returns a context carrying base annotated with the job's keys, and
// that logger.
func withJob(ctx context.Context, base *slog.Logger, job Job) (context.Context, *slog.Logger) {
	l := jobLogger(base, job).With(LogKeySHA, job.HeadSHA)
	return WithLogger(ctx, l), l
}

// jobLogger annotates base with the keys of the job's delivery and pull
// request; the SHA is left to the caller, which may know a newer head.
func jobLogger(base *slog.Logger, job Job) *slog.Logger {
	if base == nil {
		base = slog.Default()
	}
	return base.With(
		LogKeyEventType, job.Event,
		LogKeyDeliveryID, job.DeliveryID,
		LogKeyInstallationID, job.Repo.InstallationID,
		LogKeyRepoOwner, job.Repo.Owner,
		LogKeyRepoName, job.Repo.Name,
		LogKeyPRNum, job.Number,
	)
}
