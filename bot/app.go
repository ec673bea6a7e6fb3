package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
)

// NewLogger returns the logger the configuration asks for, writing to w.
func NewLogger(cfg Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel))); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// NewAppServer wires the whole App from a validated configuration: GitHub
// clients, the review pipeline, the queue and the HTTP server, sharing one
// set of metrics.
func NewAppServer(_ context.Context, cfg Config, log *slog.Logger) (*Server, error) {
	key, err := cfg.PrivateKeyPEM()
	if err != nil {
		return nil, err
	}
	// A server renders untrusted trees all day: each render runs in a child
	// process killed at its deadline, so one that runs out of time stops
	// consuming CPU instead of running on beside the next review.
	render.IsolateRenders(true)
	m := NewMetrics()
	clientCfg := ClientConfig{
		AppID:            cfg.AppID,
		PrivateKey:       key,
		BaseURL:          cfg.GitHubAPIURL,
		MaxRetries:       5,
		MaxRetryWait:     time.Minute,
		MutationInterval: time.Second,
		OnRequest:        m.ObserveGitHubRequest,
	}
	clients, err := NewClientFactory(clientCfg)
	if err != nil {
		return nil, fmt.Errorf("building GitHub clients: %w", err)
	}
	var rec *Recoverer
	if cfg.RecoveryInterval > 0 {
		app, err := NewAppClient(clientCfg)
		if err != nil {
			return nil, fmt.Errorf("building the recovery client: %w", err)
		}
		grace := cfg.RecoveryGrace
		if grace == 0 {
			grace = 2 * cfg.JobTimeout // a live replica has finished or given up by then
		}
		rec = NewRecoverer(RecoveryConfig{
			Installations: app.Installations, Clients: clients,
			Interval: cfg.RecoveryInterval, Grace: grace, Logger: log, OnPass: m.ObserveRecoveryPass,
		})
	}
	// The pipeline needs the App's bot login, which may mean asking GitHub:
	// that happens in the server's startup step, retried until GitHub
	// answers, so that an outage at start delays readiness instead of
	// failing the pod.
	pipe := &deferredProcessor{}
	startup := func(ctx context.Context) error {
		if pipe.ready() {
			return nil
		}
		login, err := resolveBotLogin(ctx, cfg, clientCfg)
		if err != nil {
			return err
		}
		p := NewPipeline(PipelineConfig{
			Clients:      clients,
			Rules:        checks.Default(),
			Limits:       render.DefaultLimits(),
			BotLogin:     login,
			JobTimeout:   cfg.JobTimeout,
			Logger:       log,
			ObserveStage: m.ObserveStage,
			MemoryBudget: cfg.MemoryBudget,
		})
		pipe.set(p)
		return nil
	}
	return NewServer(cfg, ServerDeps{Processor: pipe, Metrics: m, Logger: log, Recovery: rec, Startup: startup})
}

// deferredProcessor is the pipeline once startup has built it. The queue's
// workers start only after startup, so Process never runs before set.
type deferredProcessor struct{ p atomic.Pointer[Pipeline] }

func (d *deferredProcessor) set(p *Pipeline) { d.p.Store(p) }
func (d *deferredProcessor) ready() bool     { return d.p.Load() != nil }

// Process reviews with the pipeline.
func (d *deferredProcessor) Process(ctx context.Context, job Job) error {
	p := d.p.Load()
	if p == nil {
		return errors.New("reviewing: the server has not finished starting")
	}
	return p.Process(ctx, job)
}

// resolveBotLogin returns the App's bot user: the configured one, else the
// one GitHub names for the App ("<slug>[bot]"). Only its comments can carry
// approval records, so it must be right.
func resolveBotLogin(ctx context.Context, cfg Config, clientCfg ClientConfig) (string, error) {
	if cfg.BotLogin != "" {
		return cfg.BotLogin, nil
	}
	app, err := NewAppClient(clientCfg)
	if err != nil {
		return "", fmt.Errorf("resolving the App's bot login: %w", err)
	}
	slug, err := app.App(ctx)
	if err != nil {
		return "", fmt.Errorf("resolving the App's bot login (or set %s): %w", EnvName("bot-login"), err)
	}
	return slug + "[bot]", nil
}
