package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// Webhook headers GitHub sends with every delivery.
const (
	headerSignature = "X-Hub-Signature-256"
	headerEvent     = "X-GitHub-Event"
	headerDelivery  = "X-GitHub-Delivery"
)

// DefaultMaxPayload is GitHub's own cap on a webhook payload.
const DefaultMaxPayload = 25 << 20

// WebhookConfig configures the webhook endpoint.
type WebhookConfig struct {
	// Secret is the App's webhook secret; deliveries not signed with it are
	// refused. It must not be empty.
	Secret []byte
	// AppID is the App's id: check runs and suites of other apps are ignored.
	AppID int64
	// MaxPayload bounds a delivery's body (default DefaultMaxPayload).
	MaxPayload int64
	Scheduler  Scheduler
	Metrics    *Metrics
	Logger     *slog.Logger
	// Dedupe remembers accepted delivery ids (default: 10,000 ids for an hour).
	Dedupe *DeliverySet
	// PreAuthBudget bounds the bytes all deliveries not yet authenticated
	// hold at once (default DefaultPreAuthBudget; at least one MaxPayload).
	PreAuthBudget int64
}

// Webhook is the POST /api/github/webhooks handler: it verifies a delivery,
// turns it into jobs and queues them, never doing the review in the request.
type Webhook struct {
	cfg      WebhookConfig
	draining func() bool
	budget   *byteBudget
}

// NewWebhook returns the webhook handler.
func NewWebhook(cfg WebhookConfig) *Webhook {
	if cfg.MaxPayload <= 0 {
		cfg.MaxPayload = DefaultMaxPayload
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Dedupe == nil {
		cfg.Dedupe = NewDeliverySet(0, 0)
	}
	if cfg.PreAuthBudget <= 0 {
		cfg.PreAuthBudget = DefaultPreAuthBudget
	}
	cfg.PreAuthBudget = max(cfg.PreAuthBudget, cfg.MaxPayload+2*maxChunk)
	return &Webhook{cfg: cfg, draining: func() bool { return false }, budget: newByteBudget(cfg.PreAuthBudget)}
}

// webhookError is a refusal with its HTTP status and metric result.
type webhookError struct {
	status int
	result string
	msg    string
}

func (e *webhookError) Error() string { return e.msg }

func refuse(status int, result, format string, a ...any) *webhookError {
	return &webhookError{status: status, result: result, msg: fmt.Sprintf(format, a...)}
}

// ServeHTTP answers one delivery: 202 queued, 200 ping/ignored/duplicate,
// 401 bad signature, 400 malformed, 413 too large, 503 full or draining.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, result, event, msg := h.handle(r)
	if event == "" {
		event = "unverified"
	}
	h.cfg.Metrics.delivery(event, result)
	lvl := slog.LevelDebug
	switch {
	case status >= 500:
		lvl = slog.LevelWarn
	case status >= 400:
		lvl = slog.LevelInfo
	}
	// Checked first, so that accepted deliveries build no record while
	// debug logs are off: bursts of them are the hot path.
	if h.cfg.Logger.Enabled(r.Context(), lvl) {
		h.cfg.Logger.Log(r.Context(), lvl, "webhook delivery",
			LogKeyDeliveryID, r.Header.Get(headerDelivery), LogKeyEventType, event,
			"status", status, "result", result, "reason", msg)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// handle returns the status, the metric result, the event label (empty
// until the signature is verified: the header is the sender's word until
// then) and a short message.
func (h *Webhook) handle(r *http.Request) (status int, result, event, msg string) {
	body, err := h.verify(r)
	var we *webhookError
	if errors.As(err, &we) {
		return we.status, we.result, "", we.msg
	}
	event = r.Header.Get(headerEvent)
	delivery := r.Header.Get(headerDelivery)
	if event == "" || delivery == "" {
		return http.StatusBadRequest, "bad_request", "", "missing " + headerEvent + " or " + headerDelivery + " header"
	}
	label := eventLabel(event)
	if event == "ping" {
		return http.StatusOK, "ping", label, "pong"
	}
	jobs, reason, err := parseEvent(event, delivery, body, h.cfg.AppID)
	if err != nil {
		return http.StatusBadRequest, "bad_request", label, err.Error()
	}
	if len(jobs) == 0 {
		return http.StatusOK, "ignored", label, "ignored: " + reason
	}
	if h.draining() {
		return http.StatusServiceUnavailable, "draining", label, "shutting down"
	}
	if !h.cfg.Dedupe.Reserve(delivery) {
		return http.StatusOK, "duplicate", label, "duplicate delivery"
	}
	for _, j := range jobs {
		if err := h.cfg.Scheduler.Schedule(j); err != nil {
			// Forget the id so that GitHub's redelivery is processed; jobs
			// already queued for it are replaced by the redelivered ones.
			h.cfg.Dedupe.Release(delivery)
			switch {
			case errors.Is(err, ErrQueueFull):
				return http.StatusServiceUnavailable, "queue_full", label, "queue full"
			case errors.Is(err, ErrDraining):
				return http.StatusServiceUnavailable, "draining", label, "shutting down"
			default:
				return http.StatusInternalServerError, "error", label, "scheduling: " + err.Error()
			}
		}
	}
	return http.StatusAccepted, "accepted", label, fmt.Sprintf("queued %d job(s)", len(jobs))
}

// verify reads at most MaxPayload bytes and checks the HMAC-SHA256
// signature before anything looks at the content. Until the signature
// checks, the body is held in chunks paid for from the pre-auth budget.
func (h *Webhook) verify(r *http.Request) ([]byte, error) {
	if r.ContentLength > h.cfg.MaxPayload {
		return nil, refuse(http.StatusRequestEntityTooLarge, "too_large", "payload over %d bytes", h.cfg.MaxPayload)
	}
	sig := r.Header.Get(headerSignature)
	if sig == "" {
		return nil, refuse(http.StatusUnauthorized, "unauthorized", "missing %s", headerSignature)
	}
	want, ok := parseSignature(sig)
	if !ok || len(h.cfg.Secret) == 0 {
		return nil, refuse(http.StatusUnauthorized, "unauthorized", "bad %s", headerSignature)
	}
	body, err := readPreAuth(r.Context(), r.Body, h.cfg.MaxPayload, h.cfg.Secret, h.budget)
	switch {
	case errors.Is(err, errBudget):
		return nil, refuse(http.StatusServiceUnavailable, "busy", "busy: %v", err)
	case err != nil:
		return nil, refuse(http.StatusBadRequest, "bad_request", "reading body: %v", err)
	}
	if body.n > h.cfg.MaxPayload {
		body.free()
		return nil, refuse(http.StatusRequestEntityTooLarge, "too_large", "payload over %d bytes", h.cfg.MaxPayload)
	}
	if !hmac.Equal(body.mac.Sum(nil), want) {
		body.free()
		return nil, refuse(http.StatusUnauthorized, "unauthorized", "bad %s", headerSignature)
	}
	return body.bytes(), nil
}

// parseSignature decodes "sha256=<hex>".
func parseSignature(header string) ([]byte, bool) {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return nil, false
	}
	got, err := hex.DecodeString(hexSig)
	return got, err == nil && len(got) == sha256.Size
}

// Sign returns the HMAC-SHA256 of body under secret, the raw bytes of the
// X-Hub-Signature-256 value after "sha256=".
func Sign(secret, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return m.Sum(nil)
}

// eventLabel keeps the metric's event label to names we know.
func eventLabel(event string) string {
	switch event {
	case "ping", "pull_request", "pull_request_review", "check_run", "check_suite",
		"installation", "installation_repositories", "push", "check_run_requested_action":
		return event
	}
	return "other"
}
