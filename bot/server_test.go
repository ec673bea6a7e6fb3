package bot

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHandler_routes(t *testing.T) {
	h := newTestHandler(&recordingScheduler{}, 0)
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/healthz", 200},
		{"HEAD", "/healthz", 200},
		{"GET", "/readyz", 200},
		{"GET", "/metrics", 200},
		{"GET", WebhookPath, 405},
		{"POST", "/healthz", 405},
		{"GET", "/", 404},
		{"POST", "/api/github/webhook", 404},
	}
	for _, tc := range tests {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			if w := recordResponse(h, httptest.NewRequest(tc.method, tc.path, nil)); w.Code != tc.want {
				t.Errorf("%s %s = %d, want %d", tc.method, tc.path, w.Code, tc.want)
			}
		})
	}
}

func TestHandler_readyz(t *testing.T) {
	h := NewHandler(WebhookConfig{Secret: []byte(testWebhookSecret), Scheduler: &recordingScheduler{}, Logger: quietLogger()})
	readyz := func() int { return recordResponse(h, httptest.NewRequest("GET", "/readyz", nil)).Code }
	healthz := func() int { return recordResponse(h, httptest.NewRequest("GET", "/healthz", nil)).Code }
	steps := []struct {
		name          string
		do            func()
		ready, health int
	}{
		{"starting", func() {}, 503, 200},
		{"ready", h.Ready, 200, 200},
		{"draining", h.Drain, 503, 200},
	}
	for _, s := range steps {
		s.do()
		if got := readyz(); got != s.ready {
			t.Errorf("%s: /readyz = %d, want %d", s.name, got, s.ready)
		}
		if got := healthz(); got != s.health {
			t.Errorf("%s: /healthz = %d, want %d", s.name, got, s.health)
		}
	}
}

func serverTestConfig() Config {
	return Config{AppID: testWebhookAppID, WebhookSecret: testWebhookSecret, Listen: "127.0.0.1:0", Workers: 2,
		QueueSize: 100, JobTimeout: time.Minute, MaxPayload: DefaultMaxPayload}
}

// startTestServer serves s on a loopback port and returns its base URL.
func startTestServer(t testing.TB, s *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		if err := <-errc; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + l.Addr().String()
}

func postDelivery(t testing.TB, url, event, id string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+WebhookPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(headerEvent, event)
	req.Header.Set(headerDelivery, id)
	req.Header.Set(headerSignature, webhookSignature(testWebhookSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func TestServer_metricsAfterDelivery(t *testing.T) {
	m := NewMetrics()
	done := make(chan Job, 1)
	p := ProcessorFunc(func(ctx context.Context, j Job) error {
		m.ObserveStage("fetch", time.Millisecond)
		m.ObserveGitHubRequest("GET", "/repos/{owner}/{repo}/pulls/{number}", 200, time.Millisecond)
		done <- j
		return nil
	})
	s, err := NewServer(serverTestConfig(), ServerDeps{Processor: p, Metrics: m, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	url := startTestServer(t, s)
	if code := postDelivery(t, url, "pull_request", "d-1", webhookPayload(t, "pull_request_opened")); code != 202 {
		t.Fatalf("delivery: %d, want 202", code)
	}
	if j := <-done; j.Number != 7 || j.DeliveryID != "d-1" {
		t.Errorf("processed %+v", j)
	}
	if code, _ := httpGet(t, url+"/readyz"); code != 200 {
		t.Errorf("/readyz = %d, want 200 while serving", code)
	}
	// The job's result is counted after Process returns; wait for it
	// through the queue's own shutdown rather than a sleep.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.queue.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	code, text := httpGet(t, url+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`kustoguard_webhook_deliveries_total{event="pull_request",result="accepted"} 1`,
		"kustoguard_queue_depth 0",
		"kustoguard_queue_wait_seconds_count 1",
		`kustoguard_jobs_total{result="ok"} 1`,
		"kustoguard_job_panics_total 0",
		`kustoguard_stage_duration_seconds_count{stage="fetch"} 1`,
		`kustoguard_github_requests_total{method="GET",route="/repos/{owner}/{repo}/pulls/{number}",status="200"} 1`,
		"kustoguard_github_request_duration_seconds_bucket",
		"go_goroutines",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestServer_shutdownFinishesInFlightWork(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	finished := make(chan struct{})
	p := ProcessorFunc(func(ctx context.Context, j Job) error {
		close(started)
		<-release
		close(finished)
		return nil
	})
	s, err := NewServer(serverTestConfig(), ServerDeps{Processor: p, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	url := startTestServer(t, s)
	if code := postDelivery(t, url, "pull_request", "d-1", webhookPayload(t, "pull_request_opened")); code != 202 {
		t.Fatalf("delivery: %d, want 202", code)
	}
	<-started
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	// Draining is visible at once, while the job is still running.
	for !s.Handler().draining.Load() {
		time.Sleep(time.Millisecond)
	}
	if w := recordResponse(s.Handler(), httptest.NewRequest("GET", "/readyz", nil)); w.Code != 503 {
		t.Errorf("/readyz while draining = %d, want 503", w.Code)
	}
	if w := recordResponse(s.Handler(), signedDelivery("pull_request", "d-2", webhookPayload(t, "pull_request_synchronize"))); w.Code != 503 {
		t.Errorf("delivery while draining = %d, want 503", w.Code)
	}
	close(release)
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	select {
	case <-finished:
	default:
		t.Error("Shutdown returned before the in-flight job finished")
	}
}

func TestNewServer_refusesIncompleteDeps(t *testing.T) {
	if _, err := NewServer(serverTestConfig(), ServerDeps{}); err == nil {
		t.Error("no processor: want an error")
	}
	cfg := serverTestConfig()
	cfg.WebhookSecret = ""
	if _, err := NewServer(cfg, ServerDeps{Processor: &jobRecorder{}}); err == nil {
		t.Error("no webhook secret: want an error")
	}
}

// TestServer_startupRetries starts a server while GitHub cannot say who the
// App is: it serves at once, /readyz answers 503 with the reason, and once
// the startup step succeeds it is ready and reviews the delivery that
// arrived in the meantime.
func TestServer_startupRetries(t *testing.T) {
	old := startupBackoff
	startupBackoff.first, startupBackoff.max = 10*time.Millisecond, 20*time.Millisecond
	t.Cleanup(func() { startupBackoff = old })

	release := make(chan struct{})
	var attempts atomic.Int32
	startup := func(ctx context.Context) error {
		attempts.Add(1)
		select {
		case <-release:
			return nil
		default:
			return errors.New("resolving the App's bot login: dial tcp: connection refused")
		}
	}
	done := make(chan Job, 1)
	p := ProcessorFunc(func(ctx context.Context, j Job) error { done <- j; return nil })
	s, err := NewServer(serverTestConfig(), ServerDeps{Processor: p, Logger: quietLogger(), Startup: startup})
	if err != nil {
		t.Fatal(err)
	}
	url := startTestServer(t, s)
	for attempts.Load() < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	code, body := httpGet(t, url+"/readyz")
	if code != 503 || !strings.Contains(body, "connection refused; retrying") {
		t.Errorf("/readyz while GitHub is unreachable = %d %q, want 503 naming the reason", code, body)
	}
	if code, _ := httpGet(t, url+"/healthz"); code != 200 {
		t.Errorf("/healthz = %d, want 200: the process is alive", code)
	}
	if code := postDelivery(t, url, "pull_request", "d-early", webhookPayload(t, "pull_request_opened")); code != 202 {
		t.Fatalf("delivery before ready: %d, want 202 (queued)", code)
	}
	close(release)
	if j := <-done; j.DeliveryID != "d-early" {
		t.Errorf("processed %+v", j)
	}
	if code, _ := httpGet(t, url+"/readyz"); code != 200 {
		t.Errorf("/readyz after startup = %d, want 200", code)
	}
}
