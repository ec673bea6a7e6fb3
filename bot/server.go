package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"github.com/kustoguard/kustoguard/render"
)

// WebhookPath is where GitHub delivers webhooks.
const WebhookPath = "/api/github/webhooks"

// Handler routes the server's HTTP endpoints: the webhook, health, readiness
// and metrics. It starts not ready; Ready and Drain move it along.
type Handler struct {
	router   *mux.Router
	ready    atomic.Bool
	draining atomic.Bool
	// waiting says what startup is waiting for, for /readyz.
	waiting atomic.Pointer[string]
}

// NewHandler returns the server's routes around the webhook configuration.
func NewHandler(cfg WebhookConfig) *Handler {
	h := &Handler{router: mux.NewRouter()}
	wh := NewWebhook(cfg)
	wh.draining = h.draining.Load
	h.router.Handle(WebhookPath, wh).Methods(http.MethodPost)
	h.router.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	}).Methods(http.MethodGet, http.MethodHead)
	h.router.HandleFunc("/readyz", h.readyz).Methods(http.MethodGet, http.MethodHead)
	h.router.Handle("/metrics", cfg.Metrics.Handler()).Methods(http.MethodGet)
	return h
}

// ServeHTTP routes the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.router.ServeHTTP(w, r) }

// Ready marks the server able to take deliveries.
func (h *Handler) Ready() { h.ready.Store(true) }

// Drain marks the server shutting down: /readyz answers 503 and deliveries
// that would queue work get 503, so GitHub records them for redelivery.
func (h *Handler) Drain() { h.draining.Store(true) }

func (h *Handler) readyz(w http.ResponseWriter, _ *http.Request) {
	switch {
	case h.draining.Load():
		http.Error(w, "draining", http.StatusServiceUnavailable)
	case !h.ready.Load():
		msg := "starting"
		if why := h.waiting.Load(); why != nil {
			msg += ": " + *why
		}
		http.Error(w, msg, http.StatusServiceUnavailable)
	default:
		fmt.Fprintln(w, "ready")
	}
}

// ServerDeps are what a Server is built around.
type ServerDeps struct {
	// Processor reviews pull requests (the Pipeline).
	Processor Processor
	// Metrics is shared with the pipeline and the GitHub clients; a fresh
	// one when nil.
	Metrics *Metrics
	Logger  *slog.Logger
	// Recovery, when set, redoes reviews left unfinished, from start until
	// Shutdown.
	Recovery *Recoverer
	// Startup, when set, must succeed before the server takes work (asking
	// GitHub who the App is, say). Serve listens at once and retries it with
	// backoff while /readyz answers 503 with its error, so a GitHub outage
	// at start delays readiness instead of crashing the pod.
	Startup func(ctx context.Context) error
}

// Server is the webhook server: HTTP in front, the queue and its workers
// behind.
type Server struct {
	cfg     Config
	log     *slog.Logger
	handler *Handler
	queue   *Queue
	metrics *Metrics
	http    *http.Server

	recovery     *Recoverer
	stopRecovery context.CancelFunc
	recoveryDone chan struct{}

	startup     func(ctx context.Context) error
	stopStartup context.CancelFunc
	startupCtx  context.Context
	startedOnce sync.Once
	startDone   chan struct{}
}

// NewServer builds the server from a validated configuration.
func NewServer(cfg Config, deps ServerDeps) (*Server, error) {
	if deps.Processor == nil {
		return nil, errors.New("building server: no processor")
	}
	if cfg.WebhookSecret == "" {
		return nil, errors.New("building server: no webhook secret")
	}
	if deps.Metrics == nil {
		deps.Metrics = NewMetrics()
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	q := NewQueue(QueueConfig{
		Workers:    cfg.Workers,
		Size:       cfg.QueueSize,
		Processor:  deps.Processor,
		JobTimeout: cfg.JobTimeout,
		Logger:     deps.Logger,
		Metrics:    deps.Metrics,
	})
	h := NewHandler(WebhookConfig{
		Secret:     []byte(cfg.WebhookSecret),
		AppID:      cfg.AppID,
		MaxPayload: cfg.MaxPayload,
		Scheduler:  q,
		Metrics:    deps.Metrics,
		Logger:     deps.Logger,
	})
	s := &Server{cfg: cfg, log: deps.Logger, handler: h, queue: q, metrics: deps.Metrics, recovery: deps.Recovery,
		startup: deps.Startup, startDone: make(chan struct{})}
	s.startupCtx, s.stopStartup = context.WithCancel(context.Background())
	s.http = &http.Server{
		Addr:              cfg.Listen,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// GitHub gives up after 10 s; a slow body must not hold a connection.
		ReadTimeout:    30 * time.Second,
		WriteTimeout:   30 * time.Second,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 1 << 20,
		ErrorLog:       slog.NewLogLogger(deps.Logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() *Handler { return s.handler }

// Metrics is the server's metrics.
func (s *Server) Metrics() *Metrics { return s.metrics }

// Serve starts the workers, marks the server ready and serves l until
// Shutdown; it then returns nil.
func (s *Server) Serve(l net.Listener) error {
	s.startedOnce.Do(func() { go s.start() })
	s.log.Info("serving webhooks", "addr", l.Addr().String(), "workers", s.queue.cfg.Workers, "queue_size", s.queue.cfg.Size)
	if err := s.http.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving %s: %w", l.Addr(), err)
	}
	return nil
}

// ListenAndServe listens on the configured address and serves.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.cfg.Listen, err)
	}
	return s.Serve(l)
}

// startupBackoff bounds the wait between startup attempts.
var startupBackoff = struct{ first, max time.Duration }{time.Second, 30 * time.Second}

// start runs the startup step until it succeeds, then starts the workers
// and recovery and marks the server ready. Deliveries that arrive before
// wait in the queue.
func (s *Server) start() {
	defer close(s.startDone)
	wait := startupBackoff.first
	for s.startup != nil {
		err := s.startup(s.startupCtx)
		if err == nil {
			break
		}
		if s.startupCtx.Err() != nil {
			return
		}
		why := err.Error() + "; retrying"
		s.handler.waiting.Store(&why)
		s.log.Warn("not ready: startup failed; retrying", "err", err, "retry_in", wait)
		select {
		case <-time.After(wait):
		case <-s.startupCtx.Done():
			return
		}
		wait = min(2*wait, startupBackoff.max)
	}
	s.handler.waiting.Store(nil)
	s.handler.Ready()
	s.queue.Start()
	s.startRecovery()
	s.log.Info("ready")
}

// Shutdown drains: /readyz goes 503 and new work is refused, the HTTP
// server stops accepting connections and finishes open requests, then the
// queue finishes its jobs, all within ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.handler.Drain()
	s.stopStartup()
	s.startedOnce.Do(func() { close(s.startDone) })
	select {
	case <-s.startDone:
	case <-ctx.Done():
	}
	s.stopRecoveryAndWait(ctx)
	s.log.Info("draining", "queued", s.queue.Len())
	var errs []error
	if err := s.http.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("closing http server: %w", err))
	}
	if err := s.queue.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	render.StopRenderProcesses()
	return errors.Join(errs...)
}

// startRecovery runs the recoverer in the background, once.
func (s *Server) startRecovery() {
	if s.recovery == nil || s.stopRecovery != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopRecovery, s.recoveryDone = cancel, make(chan struct{})
	go func() {
		defer close(s.recoveryDone)
		s.recovery.Run(ctx, s.queue)
	}()
}

// stopRecoveryAndWait ends recovery passes before the queue drains, so a
// pass does not meet a closed queue.
func (s *Server) stopRecoveryAndWait(ctx context.Context) {
	if s.stopRecovery == nil {
		return
	}
	s.stopRecovery()
	select {
	case <-s.recoveryDone:
	case <-ctx.Done():
	}
}
