package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// RecoveryConfig configures a Recoverer. Zero values take the documented
// defaults.
type RecoveryConfig struct {
	// Installations lists the App's installations (AppClient.Installations).
	Installations func(ctx context.Context) ([]int64, error)
	// Clients returns installation clients; they must implement
	// RecoveryLister.
	Clients ClientFactory
	// Interval is the time between passes (default 10 minutes, with ±10%
	// jitter so that replicas drift apart). The first pass runs at start.
	Interval time.Duration
	// Grace is how old an unfinished run (by started_at), or a pull request
	// without a run (by its last update), must be before it is redone: long
	// enough that a live replica is not still on it. Default 10 minutes,
	// twice the default job timeout.
	Grace time.Duration
	// Lookback limits a pass to pull requests updated this recently
	// (default 72 hours): older ones are left to a re-run.
	Lookback time.Duration
	// MaxJobs and MaxRequests bound one pass (defaults 100 and 1,000); a
	// pass that hits either stops and the next one starts where it stopped.
	MaxJobs     int
	MaxRequests int
	Logger      *slog.Logger
	// OnPass, when set, observes every finished pass (Metrics.ObserveRecoveryPass).
	OnPass func(st RecoveryStats, err error)
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// RecoveryStats describe one pass.
type RecoveryStats struct {
	Installations, Repos, Pulls int
	Requests                    int
	Scheduled                   int
	// Truncated is set when a bound stopped the pass early.
	Truncated bool
	// LowBudget counts installations left alone because little of their
	// hourly GitHub budget remained.
	LowBudget int
}

// Recoverer finds reviews that no replica will finish — a check run left
// queued or in progress by a replica that died, or a pull request whose
// delivery was lost (a crash with the job still queued, a 503 while the
// queue was full) — and schedules them again. Redoing is safe: the
// pipeline finds the run by its external id and posts one review per head.
type Recoverer struct {
	cfg RecoveryConfig

	mu   sync.Mutex
	next int // installation index the next pass starts at
}

// NewRecoverer returns a recoverer.
func NewRecoverer(cfg RecoveryConfig) *Recoverer {
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Minute
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 10 * time.Minute
	}
	if cfg.Lookback <= 0 {
		cfg.Lookback = 72 * time.Hour
	}
	if cfg.MaxJobs <= 0 {
		cfg.MaxJobs = 100
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = 1000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Recoverer{cfg: cfg}
}

// Run makes a pass at once and then every interval until ctx ends.
func (rc *Recoverer) Run(ctx context.Context, s Scheduler) {
	for {
		st, err := rc.Pass(ctx, s)
		log := rc.cfg.Logger.With("installations", st.Installations, "repositories", st.Repos,
			"pull_requests", st.Pulls, "requests", st.Requests, "scheduled", st.Scheduled, "truncated", st.Truncated, "low_budget", st.LowBudget)
		if ctx.Err() == nil && rc.cfg.OnPass != nil {
			rc.cfg.OnPass(st, err)
		}
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.WarnContext(ctx, "recovery pass incomplete", "error", err)
		default:
			log.InfoContext(ctx, "recovery pass done")
		}
		d := time.Duration(float64(rc.cfg.Interval) * (0.9 + 0.2*rand.Float64()))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// busyChecker is a scheduler that knows which pull requests it holds (the
// Queue).
type busyChecker interface {
	Busy(key string) bool
}

// errPassBound stops a pass at one of its bounds.
var errPassBound = errors.New("pass bound reached")

// pass is the state of one pass.
type pass struct {
	rc  *Recoverer
	s   Scheduler
	now time.Time
	st  RecoveryStats
}

// request counts one request against the pass's budget.
func (p *pass) request() error {
	if p.st.Requests >= p.rc.cfg.MaxRequests {
		return errPassBound
	}
	p.st.Requests++
	return nil
}

// Pass looks at every installation once (within the bounds) and schedules
// a recovery job for each pull request that needs one. Errors of one
// installation or repository are collected and the pass goes on.
func (rc *Recoverer) Pass(ctx context.Context, s Scheduler) (RecoveryStats, error) {
	p := &pass{rc: rc, s: s, now: rc.cfg.Now()}
	if err := p.request(); err != nil {
		return p.st, err
	}
	ids, err := rc.cfg.Installations(ctx)
	if err != nil {
		return p.st, fmt.Errorf("recovering: %w", err)
	}
	rc.mu.Lock()
	start := rc.next
	rc.mu.Unlock()
	var errs []error
	for i := range ids {
		idx := (start + i) % len(ids)
		err := p.installation(ctx, ids[idx])
		if errors.Is(err, errPassBound) || errors.Is(err, ErrQueueFull) || errors.Is(err, ErrDraining) {
			p.st.Truncated = true
			rc.mu.Lock()
			rc.next = idx // start here next time, so no installation starves
			rc.mu.Unlock()
			break
		}
		if ctx.Err() != nil {
			return p.st, ctx.Err()
		}
		if err != nil {
			errs = append(errs, err)
		}
		p.st.Installations++
	}
	if !p.st.Truncated {
		rc.mu.Lock()
		rc.next = 0
		rc.mu.Unlock()
	}
	return p.st, errors.Join(errs...)
}

func (p *pass) installation(ctx context.Context, id int64) error {
	gh, err := p.rc.cfg.Clients(id)
	if err != nil {
		return fmt.Errorf("recovering installation %d: %w", id, err)
	}
	lister, ok := gh.(RecoveryLister)
	if !ok {
		return fmt.Errorf("recovering installation %d: the client cannot list repositories", id)
	}
	if err := p.request(); err != nil {
		return err
	}
	repos, err := lister.Repositories(ctx)
	if errors.Is(err, ErrLowRateBudget) {
		p.st.LowBudget++
		return nil // the budget is the reviews'; the next pass tries again
	}
	if err != nil {
		return fmt.Errorf("recovering installation %d: %w", id, err)
	}
	var errs []error
	for _, r := range repos {
		r.InstallationID = id
		err := p.repo(ctx, gh, lister, r)
		if errors.Is(err, ErrLowRateBudget) {
			p.st.LowBudget++
			return nil
		}
		if errors.Is(err, errPassBound) || errors.Is(err, ErrQueueFull) || errors.Is(err, ErrDraining) || ctx.Err() != nil {
			return err
		}
		if err != nil {
			errs = append(errs, err)
		}
		p.st.Repos++
	}
	return errors.Join(errs...)
}

func (p *pass) repo(ctx context.Context, gh GitHub, lister RecoveryLister, r Repo) error {
	if err := p.request(); err != nil {
		return err
	}
	pulls, err := lister.OpenPulls(ctx, r, p.now.Add(-p.rc.cfg.Lookback), p.rc.cfg.MaxRequests)
	if err != nil {
		return fmt.Errorf("recovering %s: %w", r.FullName(), err)
	}
	for _, pr := range pulls {
		if err := p.request(); err != nil {
			return err
		}
		p.st.Pulls++
		runs, err := gh.CheckRuns(ctx, r, pr.HeadSHA, CheckName)
		if err != nil {
			return fmt.Errorf("recovering %s#%d: %w", r.FullName(), pr.Number, err)
		}
		reason := recoveryReason(runs, pr, p.now, p.rc.cfg.Grace)
		if reason == "" {
			continue
		}
		job := Job{
			Repo: r, Number: pr.Number, HeadSHA: pr.HeadSHA,
			Event: "recovery", Action: reason, DeliveryID: "recovery-" + short(pr.HeadSHA),
		}
		if b, ok := p.s.(busyChecker); ok && b.Busy(job.Key()) {
			continue // this replica is on it: its run's start time is not updated yet
		}
		if p.st.Scheduled >= p.rc.cfg.MaxJobs {
			return errPassBound
		}
		if err := p.s.Schedule(job); err != nil {
			return fmt.Errorf("scheduling recovery of %s#%d: %w", r.FullName(), pr.Number, err)
		}
		p.st.Scheduled++
		p.rc.cfg.Logger.InfoContext(ctx, "review scheduled for recovery", "github_repository_owner", r.Owner,
			"github_repository_name", r.Name, "github_pr_num", pr.Number, "github_sha", pr.HeadSHA, "reason", reason)
	}
	return nil
}

// recoveryReason says why a pull request's head needs its review redone,
// or "" when it does not: "unfinished" when a kustoguard run on the head
// is queued (handed back by a replica shutting down), or was started more
// than grace ago and never completed, and no replica restarted it since; "missing" when the head has no run at all
// although the pull request was last updated more than grace ago.
func recoveryReason(runs []CheckRun, pr OpenPull, now time.Time, grace time.Duration) string {
	var stale, fresh, done bool
	for _, r := range runs {
		if r.Name != CheckName || r.HeadSHA != "" && r.HeadSHA != pr.HeadSHA {
			continue
		}
		switch {
		case r.Status == "completed":
			done = true
		case r.Status == "queued" || r.StartedAt.IsZero() || now.Sub(r.StartedAt) > grace:
			// queued: handed back by a replica shutting down (or never
			// started); nobody holds it.
			stale = true
		default:
			fresh = true
		}
	}
	switch {
	case fresh:
		return "" // a live replica is on it (or was, recently: the next pass sees)
	case stale:
		return "unfinished"
	case done:
		return ""
	case now.Sub(pr.UpdatedAt) > grace:
		return "missing"
	}
	return ""
}
