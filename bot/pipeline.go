package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
	"github.com/kustoguard/kustoguard/report"
)

// CheckName is the name of the check run kustoguard owns.
const CheckName = "kustoguard"

// DefaultTreeCacheBytes bounds the cache of base trees when
// PipelineConfig.TreeCacheBytes is zero.
const DefaultTreeCacheBytes = 256 << 20

// PipelineConfig configures the review pipeline.
type PipelineConfig struct {
	Clients ClientFactory
	Rules   []checks.Rule
	Limits  render.Limits
	// BotLogin is the App's bot user ("<slug>[bot]"); only its comments can
	// carry approval records.
	BotLogin string
	// JobTimeout bounds one review end to end.
	JobTimeout time.Duration
	Logger     *slog.Logger
	// ObserveStage, when set, receives the duration of each pipeline stage
	// (fetch, render, report).
	ObserveStage func(stage string, d time.Duration)
	// Review is the review engine; checks.Review when nil.
	Review func(ctx context.Context, in checks.ReviewInput) (*checks.Result, error)
	// TreeCacheBytes bounds the base trees kept between reviews
	// (DefaultTreeCacheBytes when 0; negative disables the cache).
	TreeCacheBytes int64
	// MemoryBudget bounds the bytes of trees reviews hold at once
	// (DefaultMemoryBudget when 0): a review reserves its repository's
	// expected size before downloading and waits while the budget is spent.
	MemoryBudget int64
	// ReviewsOnly is set in GitHub Actions: approvals come from APPROVED
	// reviews alone, and the check run shows no Approve button (its
	// requested_action would go to the App that created the run).
	ReviewsOnly bool
	// ReviewSettle is how long a job that took a head over from another
	// job still at work waits for that job's review to land before
	// looking for it (DefaultReviewSettle when 0; negative: no wait).
	ReviewSettle time.Duration
}

// engine is the pure code the pipeline drives; tests replace parts of it.
type engine struct {
	review      func(ctx context.Context, in checks.ReviewInput) (*checks.Result, error)
	parseConfig func(data []byte) (*checks.Config, error)
	fingerprint func(findings []checks.Finding) string
	build       func(r *checks.Result, a report.Approval) report.CheckRun
	comments    func(r *checks.Result) []report.Comment
	loadTree    loadTreeFunc
	now         func() time.Time
}

// Pipeline reviews pull requests: it implements Processor. It is safe for
// concurrent use; jobs for the same pull request run one at a time.
//
// It keeps no state GitHub does not hold (the base-tree cache aside), so
// replicas can share the work: the check run is found by an external id
// derived from the review's inputs, approvals are recorded as bot comments,
// and the review is posted once per head. Across replicas, finding and
// creating the run are two requests, so two replicas starting on the same
// head at the same instant can both create one; every evaluation then
// reports to all runs with that id, so they never disagree.
type Pipeline struct {
	cfg   PipelineConfig
	eng   engine
	cache *treeCache
	locks keyedMutex
	admit *admission
	sizes sizeMemo
	// charts fetches the remote Helm charts a base configuration allows.
	charts *render.ChartFetcher
	// repos fetches the GitHub repositories remote kustomize bases name.
	repos *remoteRepos
	// finished holds, per pull request, the claim of this pipeline's last
	// finished job: jobs of a pull request run one at a time here, so a run
	// still carrying it is no other job's at work.
	finished finishedClaims
}

// NewPipeline returns a pipeline.
func NewPipeline(cfg PipelineConfig) *Pipeline {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Limits == (render.Limits{}) {
		cfg.Limits = render.DefaultLimits()
	}
	if cfg.ReviewSettle == 0 {
		cfg.ReviewSettle = DefaultReviewSettle
	}
	if cfg.TreeCacheBytes == 0 {
		cfg.TreeCacheBytes = DefaultTreeCacheBytes
	}
	eng := engine{
		review:      cfg.Review,
		parseConfig: checks.ParseConfig,
		fingerprint: checks.ApprovalFingerprint,
		build:       report.Build,
		comments:    report.Comments,
		loadTree:    render.LoadTarGz,
		now:         time.Now,
	}
	if eng.review == nil {
		eng.review = checks.Review
	}
	if cfg.Rules == nil {
		cfg.Rules = checks.Default()
	}
	if cfg.BotLogin == "" {
		cfg.Logger.Warn("no bot login configured: approvals recorded by the bot will not be recognized")
	}
	p := &Pipeline{cfg: cfg, eng: eng, admit: newAdmission(cfg.MemoryBudget), charts: render.NewChartFetcher(nil)}
	p.repos = newRemoteRepos(cfg.Limits, eng.loadTree)
	if cfg.TreeCacheBytes > 0 {
		p.cache = newTreeCache(cfg.TreeCacheBytes)
	}
	return p
}

// Process brings the pull request's check run and review up to date. It
// works on the pull request's current head, whatever head the job named.
// Problems of the repository (a bad configuration, a tree over the limits)
// become the check run's result; faults complete the run as failed and are
// returned, except a cancellation (shutdown), which leaves the run in
// progress for recovery.
func (p *Pipeline) Process(ctx context.Context, job Job) error {
	if p.cfg.JobTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.cfg.JobTimeout)
		defer cancel()
	}
	log := jobLogger(p.cfg.Logger, job)
	unlock, err := p.locks.lock(ctx, job.Key())
	if err != nil {
		return fmt.Errorf("waiting for the pull request's previous job: %w", err)
	}
	defer unlock()
	claim := newClaim()
	defer p.finished.note(job.Key(), claim)

	gh, err := p.cfg.Clients(job.Repo.InstallationID)
	if err != nil {
		return fmt.Errorf("creating a client for installation %d: %w", job.Repo.InstallationID, err)
	}
	pr, err := gh.PullRequest(ctx, job.Repo, job.Number)
	if err != nil {
		return fmt.Errorf("reading pull request %d: %w", job.Number, err)
	}
	if pr.State != "open" {
		log.InfoContext(ctx, "pull request not open; nothing to do", "state", pr.State)
		return nil
	}
	log = log.With(LogKeySHA, pr.HeadSHA)
	if pr.HeadSHA != job.HeadSHA {
		log.InfoContext(ctx, "working on the current head, not the job's", "job_sha", job.HeadSHA)
	}

	// The configuration is part of the run's identity, so it is read first.
	cfgBytes, cfgErr := fetchConfig(ctx, gh, job.Repo, pr.BaseSHA)
	if cfgErr != nil && errors.Is(ctx.Err(), context.Canceled) {
		return cfgErr
	}
	extID, adopt := externalID(pr.BaseSHA, pr.HeadSHA, blobSHA(cfgBytes)), unkeyedID(pr.BaseSHA, pr.HeadSHA)
	if cfgErr != nil {
		extID, adopt = adopt, ""
	}
	runs, contended, err := openCheckRuns(ctx, gh, job.Repo, pr.HeadSHA, extID, adopt, claim, p.finished.last(job.Key()), p.eng.now())
	if errors.Is(err, errYielded) {
		log.InfoContext(ctx, "another replica created a newer check run for this head and reviews it")
		return nil
	}
	if err != nil {
		return err
	}
	log = log.With("check_run_id", runs[0].id)
	if len(runs) > 1 {
		log.WarnContext(ctx, "several check runs for the same inputs; reporting to all", "check_run_ids", runs.ids())
	}

	rv := &reviewRun{p: p, gh: gh, job: job, pr: pr, runs: runs, log: log, extID: extID, claim: claim}
	var settled time.Time
	if contended && p.cfg.ReviewSettle > 0 {
		settled = time.Now().Add(p.cfg.ReviewSettle)
	}
	defer func() { rv.grant.release() }() // the grant is taken later, in trees
	if cfgErr == nil {
		err = rv.evaluate(ctx, cfgBytes)
	} else {
		err = cfgErr
	}
	if errors.Is(err, errYielded) {
		log.InfoContext(ctx, "a later job took over this review")
		return nil
	}
	if err != nil {
		return rv.fail(ctx, err)
	}
	if rv.result == nil {
		return nil // a problem of the repository, reported on the run
	}
	err = postReview(ctx, reviewInput{
		gh: gh, repo: job.Repo, pr: pr, files: rv.files, comments: p.eng.comments(rv.result),
		botLogin: p.cfg.BotLogin, log: log, notBefore: settled,
		confirm: func(ctx context.Context) error {
			_, err := confirmClaim(ctx, gh, job.Repo, pr.HeadSHA, extID, claim, rv.runs)
			return err
		},
	})
	if err != nil {
		// The check run is complete and right; only the comments are missing.
		log.ErrorContext(ctx, "posting the review", "error", err)
		return err
	}
	return nil
}

// reviewRun is one evaluation of a pull request's head.
type reviewRun struct {
	p    *Pipeline
	gh   GitHub
	job  Job
	pr   *PullRequest
	runs checkRuns
	log  *slog.Logger

	files  []ChangedFile
	result *checks.Result // nil when the repository's problem was reported instead
	grant  *grant         // the memory the review's trees hold
	extID  string         // the runs' key
	claim  string         // this job's claim on the newest run
}

// evaluate fetches, reviews, gates and completes the check run.
func (r *reviewRun) evaluate(ctx context.Context, cfgBytes []byte) error {
	p, repo := r.p, r.job.Repo
	start := time.Now()
	cfg := checks.DefaultConfig()
	if cfgBytes != nil {
		parsed, err := p.eng.parseConfig(cfgBytes)
		if err != nil {
			r.log.InfoContext(ctx, "invalid repository configuration", "error", err)
			return r.complete(ctx, invalidConfigReport(r.pr.BaseRef, err), nil)
		}
		cfg = parsed
	}
	files, complete, err := changedFiles(ctx, r.gh, repo, r.pr)
	if err != nil {
		return err
	}
	r.files = files
	base, head, err := r.trees(ctx)
	var tle *treeLoadError
	if errors.As(err, &tle) {
		r.log.InfoContext(ctx, "repository not loadable", "error", err)
		return r.complete(ctx, loadFailureReport(err), nil)
	}
	if err != nil {
		return err
	}
	p.observe("fetch", time.Since(start))

	start = time.Now()
	paths := changedPaths(files)
	if !complete {
		paths = render.ChangedFiles(base, head)
	}
	// Remote sources come only from the base branch's configuration.
	helm := render.WithHelm(ctx, render.HelmOptions{Allow: cfg.RemoteAllow(), Fetcher: p.charts,
		Repos: p.repos.forReview(r.gh, r.pr.Author)})
	result, err := p.safeReview(helm, checks.ReviewInput{
		BaseName: r.pr.BaseRef, HeadName: short(r.pr.HeadSHA),
		Base: base, Head: head, Changed: paths, Config: cfg, Rules: p.cfg.Rules,
	})
	if err != nil {
		return fmt.Errorf("reviewing: %w", err)
	}
	p.observe("render", time.Since(start))

	start = time.Now()
	need := checks.NeedingApproval(result.Findings)
	approval, err := evaluateGate(ctx, gateInput{
		gh: r.gh, repo: repo, pr: r.pr, job: r.job, cfg: cfg, botLogin: p.cfg.BotLogin,
		need: need, fp: p.eng.fingerprint(result.Findings), log: r.log, reviewsOnly: p.cfg.ReviewsOnly,
	})
	if err != nil {
		return err
	}
	approval.ReviewsOnly = p.cfg.ReviewsOnly
	var actions []CheckAction
	if !approval.Approved() && !p.cfg.ReviewsOnly {
		actions = []CheckAction{approveAction}
	}
	rep := p.eng.build(result, approval)
	if err := r.complete(ctx, rep, actions); err != nil {
		return err
	}
	r.result = result
	p.observe("report", time.Since(start))
	r.log.InfoContext(ctx, "check run completed", "conclusion", rep.Conclusion,
		"findings", len(result.Findings), "approved_by", approval.By)
	return nil
}

// trees loads the base tree (shared through the cache) and the head-side
// tree: GitHub's test merge when there is one, since that is what merging
// would change, else the head.
func (r *reviewRun) trees(ctx context.Context) (base, head *render.Tree, err error) {
	p, repo := r.p, r.job.Repo
	reserved := p.sizes.estimate(repo.FullName())
	r.grant, err = p.admit.acquire(ctx, reserved)
	if err != nil {
		return nil, nil, fmt.Errorf("waiting for memory to load %s: %w", repo.FullName(), err)
	}
	defer func() {
		if err == nil {
			actual := base.Size() + head.Size()
			r.grant.grow(actual - reserved)
			p.sizes.remember(repo.FullName(), actual)
		}
	}()
	fetchBase := func(ctx context.Context) (*render.Tree, error) {
		return fetchTree(ctx, r.gh, repo, r.pr.BaseSHA, p.cfg.Limits, p.eng.loadTree)
	}
	if p.cache != nil {
		base, err = p.cache.get(ctx, repo.FullName()+"@"+r.pr.BaseSHA, fetchBase)
	} else {
		base, err = fetchBase(ctx)
	}
	if err != nil {
		return nil, nil, err
	}
	ref := r.pr.MergeSHA
	if ref == "" {
		ref = r.pr.HeadSHA
	}
	head, err = fetchTree(ctx, r.gh, repo, ref, p.cfg.Limits, p.eng.loadTree)
	if err != nil {
		return nil, nil, err
	}
	return base, head, nil
}

// complete reports rep on the runs, unless a later job has taken them over
// (errYielded).
func (r *reviewRun) complete(ctx context.Context, rep report.CheckRun, actions []CheckAction) error {
	runs, err := confirmClaim(ctx, r.gh, r.job.Repo, r.pr.HeadSHA, r.extID, r.claim, r.runs)
	if err != nil {
		return err
	}
	r.runs = runs
	return r.runs.complete(ctx, r.gh, r.job.Repo, r.pr.HeadSHA, rep, actions)
}

// fail completes the run as failed after a fault, with a fresh budget when
// the job's own ran out, and returns err. A cancelled job (shutdown) leaves
// the run in progress, to be redone on recovery.
func (r *reviewRun) fail(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		if herr := r.handBack(ctx); herr != nil {
			r.log.WarnContext(ctx, "review interrupted; check run left in progress for recovery", "error", err, "hand_back_error", herr)
		} else {
			r.log.WarnContext(ctx, "review interrupted; check run queued for recovery", "error", err)
		}
		return err
	}
	r.log.ErrorContext(ctx, "review failed", "error", err)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	cerr := r.complete(cctx, faultReport(err), nil)
	if errors.Is(cerr, errYielded) {
		return err // the job that took over reports
	}
	if cerr != nil {
		r.log.ErrorContext(ctx, "completing the failed check run", "error", cerr)
		return errors.Join(err, cerr)
	}
	return err
}

// safeReview runs the engine, turning a panic into an error so that the
// check run is still completed.
func (p *Pipeline) safeReview(ctx context.Context, in checks.ReviewInput) (res *checks.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			res, err = nil, fmt.Errorf("internal error in the review engine: %v", v)
		}
	}()
	res, err = p.eng.review(ctx, in)
	if err == nil && res == nil {
		err = errors.New("the review engine returned no result")
	}
	return res, err
}

func (p *Pipeline) observe(stage string, d time.Duration) {
	if p.cfg.ObserveStage != nil {
		p.cfg.ObserveStage(stage, d)
	}
}

var _ Processor = (*Pipeline)(nil)
