package githubapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults for ClientConfig fields left zero.
const (
	defaultMaxRetries   = 4
	defaultMaxRetryWait = 60 * time.Second
	// retryBaseWait is the first backoff step; later steps double it.
	retryBaseWait = 250 * time.Millisecond
	// secondaryLimitWait is what GitHub asks for on a secondary rate limit
	// that names no Retry-After ("wait at least one minute").
	secondaryLimitWait = time.Minute
)

// retryTransport retries GitHub requests that failed for reasons GitHub says
// are transient, honours rate limits, and paces mutating requests.
//
// It sits under ghinstallation so that token requests are retried too.
// Idempotent methods are retried on 500/502/503/504 and connection errors.
// POST is retried only where GitHub cannot have acted: a connection error
// before any response byte, 502/503/504, or a rate limit. That still leaves
// a small duplicate-create risk (a request GitHub processed before the
// connection dropped); the pipeline reconciles by listing check runs by
// external_id and comments by their hidden fingerprint.
type retryTransport struct {
	base       http.RoundTripper
	basePath   string // path prefix of the API root, stripped from routes
	apiHost    string // requests elsewhere (archive downloads) get one route
	maxRetries int
	maxWait    time.Duration
	pacer      *mutationPacer
	onRequest  func(method, route string, status int, d time.Duration)

	mu sync.Mutex
	// exhausted is when the primary rate limit resets after an answer said
	// none is left; requests until then wait (capped by maxWait).
	exhausted time.Time
}

// noteExhausted remembers a primary rate limit that ran out on an answer
// that is not retried, and hides its reset from go-github: go-github would
// otherwise fail every later call locally until the reset, while this
// transport waits for it instead.
func (t *retryTransport) noteExhausted(resp *http.Response) {
	if resp.Header.Get("X-Ratelimit-Remaining") != "0" {
		return
	}
	reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64)
	if err != nil {
		return
	}
	t.mu.Lock()
	t.exhausted = time.Unix(reset, 0)
	t.mu.Unlock()
	resp.Header.Del("X-Ratelimit-Reset")
}

// untilReset is how long the next request waits for the primary limit.
func (t *retryTransport) untilReset() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.exhausted.IsZero() {
		return 0
	}
	d := time.Until(t.exhausted)
	if d <= 0 {
		t.exhausted = time.Time{}
		return 0
	}
	return min(d, t.maxWait)
}

func newRetryTransport(cfg ClientConfig, root *url.URL, p *mutationPacer) *retryTransport {
	base := cfg.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	t := &retryTransport{
		base:       base,
		basePath:   strings.TrimSuffix(root.Path, "/"),
		apiHost:    root.Host,
		maxRetries: cfg.MaxRetries,
		maxWait:    cfg.MaxRetryWait,
		pacer:      p,
		onRequest:  cfg.OnRequest,
	}
	if t.maxRetries <= 0 {
		t.maxRetries = defaultMaxRetries
	}
	if t.maxWait <= 0 {
		t.maxWait = defaultMaxRetryWait
	}
	return t
}

// RoundTrip implements http.RoundTripper.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	// Archive downloads leave the API (codeload): one route for all.
	route := "/{download}"
	if req.URL.Host == t.apiHost && strings.HasPrefix(req.URL.Path, t.basePath+"/") {
		route = apiRoute(t.basePath, req.URL.Path)
	}
	paced := t.pacer != nil && isMutatingMethod(req.Method) && !strings.HasSuffix(route, "/access_tokens")
	var reason string
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 {
			var err error
			if r, err = rewindRequest(req); err != nil {
				return nil, err
			}
		}
		if paced {
			if err := t.pacer.wait(ctx); err != nil {
				return nil, err
			}
		}
		if err := sleepCtx(ctx, t.untilReset()); err != nil {
			return nil, fmt.Errorf("waiting for the rate limit to reset before %s %s: %w", req.Method, route, err)
		}
		start := time.Now()
		resp, err := t.base.RoundTrip(r)
		if t.onRequest != nil {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			t.onRequest(req.Method, route, status, time.Since(start))
		}
		wait, why, retry := t.classify(req, resp, err, attempt)
		if retry && req.Body != nil && req.GetBody == nil {
			retry = false // cannot send the body again: hand back what came
		}
		if !retry {
			if resp != nil {
				t.noteExhausted(resp)
			}
			return resp, err
		}
		reason = why
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if attempt >= t.maxRetries {
			return nil, fmt.Errorf("giving up on %s %s after %d attempts: %s", req.Method, route, attempt+1, reason)
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return nil, fmt.Errorf("waiting to retry %s %s (%s): %w", req.Method, route, reason, err)
		}
	}
}

// classify decides whether an attempt is retried, after how long, and why.
func (t *retryTransport) classify(req *http.Request, resp *http.Response, err error, attempt int) (time.Duration, string, bool) {
	if err != nil {
		if req.Context().Err() != nil || !isConnectionError(err) {
			return 0, "", false
		}
		// A RoundTrip error means no response arrived, so even a POST
		// may be sent again.
		return t.backoff(attempt), "connection error: " + err.Error(), true
	}
	code := resp.StatusCode
	switch {
	case code == http.StatusInternalServerError:
		if !isIdempotentMethod(req.Method) {
			return 0, "", false // GitHub may have acted on it
		}
		fallthrough
	case code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout:
		wait := t.backoff(attempt)
		if d, ok := parseRetryAfter(resp.Header); ok {
			wait = t.capWait(d)
		}
		return wait, "GitHub answered " + resp.Status, true
	case code == http.StatusForbidden || code == http.StatusTooManyRequests:
		if d, ok := parseRetryAfter(resp.Header); ok {
			return t.capWait(d), fmt.Sprintf("rate limited (%d, Retry-After %s)", code, d), true
		}
		if resp.Header.Get("X-Ratelimit-Remaining") == "0" {
			if reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
				d := time.Until(time.Unix(reset, 0)) + time.Second
				return t.capWait(max(d, 0)), fmt.Sprintf("primary rate limit exhausted until %s", time.Unix(reset, 0).UTC().Format(time.RFC3339)), true
			}
		}
		if code == http.StatusTooManyRequests || isSecondaryLimit(resp) {
			return t.capWait(max(t.backoff(attempt), secondaryLimitWait)), fmt.Sprintf("secondary rate limit (%d)", code), true
		}
	}
	return 0, "", false
}

// backoff is exponential backoff with full jitter, capped by maxWait.
func (t *retryTransport) backoff(attempt int) time.Duration {
	ceil := t.maxWait
	if attempt < 20 {
		ceil = min(ceil, retryBaseWait<<attempt)
	}
	return rand.N(ceil + 1)
}

func (t *retryTransport) capWait(d time.Duration) time.Duration { return min(d, t.maxWait) }

// isSecondaryLimit reads (and restores) a 403 body to tell a secondary rate
// limit from a permission error.
func isSecondaryLimit(resp *http.Response) bool {
	if resp.StatusCode != http.StatusForbidden || resp.Body == nil {
		return false
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return bytes.Contains(bytes.ToLower(b), []byte("secondary rate limit"))
}

// parseRetryAfter parses Retry-After as seconds or an HTTP date.
func parseRetryAfter(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(time.Until(at), 0), true
	}
	return 0, false
}

func isConnectionError(err error) bool {
	var certErr *tls.CertificateVerificationError
	var authErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var urlErr *url.Error
	switch {
	case errors.As(err, &certErr), errors.As(err, &authErr), errors.As(err, &hostErr):
		return false
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.As(err, &urlErr) && urlErr.Op == "parse":
		return false
	}
	// EOF, resets, refused and dropped connections all land here.
	return true
}

func isIdempotentMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

func isMutatingMethod(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// rewindRequest returns a copy of req with a fresh body for another attempt.
func rewindRequest(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.Body == nil || req.GetBody == nil {
		return r, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("replaying request body: %w", err)
	}
	r.Body = body
	return r, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// mutationPacer spaces the starts of mutating requests of one installation.
type mutationPacer struct {
	interval time.Duration
	mu       sync.Mutex
	next     time.Time
}

func newMutationPacer(interval time.Duration) *mutationPacer {
	if interval <= 0 {
		return nil
	}
	return &mutationPacer{interval: interval}
}

// wait reserves the next start slot and sleeps until it.
func (p *mutationPacer) wait(ctx context.Context) error {
	p.mu.Lock()
	now := time.Now()
	start := p.next
	if start.Before(now) {
		start = now
	}
	p.next = start.Add(p.interval)
	p.mu.Unlock()
	return sleepCtx(ctx, time.Until(start))
}
