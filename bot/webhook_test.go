package bot

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	testWebhookSecret = "It's a Secret to Everybody"
	testWebhookAppID  = 98765
	testHeadSHA       = "abcdefabcdefabcdefabcdefabcdefabcdefabcd"
)

// recordingScheduler records scheduled jobs; err, when set, is returned
// (and nothing recorded) while failures > 0.
type recordingScheduler struct {
	mu       sync.Mutex
	jobs     []Job
	err      error
	failures int
}

func (s *recordingScheduler) Schedule(j Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil && s.failures != 0 {
		s.failures--
		return s.err
	}
	s.jobs = append(s.jobs, j)
	return nil
}

func (s *recordingScheduler) Len() int { return 0 }

func (s *recordingScheduler) recorded() []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Job(nil), s.jobs...)
}

func webhookPayload(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhooks", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func webhookSignature(secret string, body []byte) string {
	return "sha256=" + hex.EncodeToString(Sign([]byte(secret), body))
}

// delivery builds a signed webhook request.
func signedDelivery(event, id string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, WebhookPath, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if event != "" {
		r.Header.Set(headerEvent, event)
	}
	if id != "" {
		r.Header.Set(headerDelivery, id)
	}
	r.Header.Set(headerSignature, webhookSignature(testWebhookSecret, body))
	return r
}

func newTestHandler(s Scheduler, maxPayload int64) *Handler {
	h := NewHandler(WebhookConfig{
		Secret:     []byte(testWebhookSecret),
		AppID:      testWebhookAppID,
		MaxPayload: maxPayload,
		Scheduler:  s,
		Metrics:    NewMetrics(),
		Logger:     quietLogger(),
	})
	h.Ready()
	return h
}

func recordResponse(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestWebhook(t *testing.T) {
	acme := Repo{Owner: "acme", Name: "gitops", InstallationID: 4242}
	prJob := func(action string) Job {
		return Job{Repo: acme, Number: 7, HeadSHA: testHeadSHA, Event: "pull_request", Action: action, DeliveryID: "d-1", Sender: "bob"}
	}
	tests := []struct {
		name       string
		event      string
		file       string // payload file, unless body is set
		body       string
		mutate     func(r *http.Request)
		maxPayload int64
		schedErr   error
		wantStatus int
		wantBody   string
		wantJobs   []Job
	}{
		{name: "unsigned", event: "pull_request", file: "pull_request_opened",
			mutate: func(r *http.Request) { r.Header.Del(headerSignature) }, wantStatus: 401},
		{name: "wrongSignature", event: "pull_request", file: "pull_request_opened",
			mutate: func(r *http.Request) { r.Header.Set(headerSignature, webhookSignature("another secret", []byte("x"))) }, wantStatus: 401},
		{name: "signatureNotHex", event: "pull_request", file: "pull_request_opened",
			mutate: func(r *http.Request) { r.Header.Set(headerSignature, "sha256=zz") }, wantStatus: 401},
		{name: "sha1Signature", event: "pull_request", file: "pull_request_opened",
			mutate: func(r *http.Request) { r.Header.Set(headerSignature, "sha1=0123") }, wantStatus: 401},
		{name: "malformedJSON", event: "pull_request", body: `{"action": "opened", `, wantStatus: 400},
		{name: "malformedUnknownEvent", event: "push", body: `not json`, wantStatus: 400},
		{name: "missingEventHeader", event: "", file: "pull_request_opened", wantStatus: 400},
		{name: "missingDeliveryHeader", event: "pull_request", file: "pull_request_opened",
			mutate: func(r *http.Request) { r.Header.Del(headerDelivery) }, wantStatus: 400},
		{name: "oversized", event: "pull_request", file: "pull_request_opened", maxPayload: 1024, wantStatus: 413},
		{name: "oversizedUnknownLength", event: "pull_request", file: "pull_request_opened", maxPayload: 1024,
			mutate: func(r *http.Request) { r.ContentLength = -1 }, wantStatus: 413},
		{name: "ping", event: "ping", file: "ping", wantStatus: 200},
		{name: "unknownEventPush", event: "push", file: "push", wantStatus: 200},
		{name: "unknownEventInstallation", event: "installation", file: "installation", wantStatus: 200},
		{name: "pullRequestOpened", event: "pull_request", file: "pull_request_opened", wantStatus: 202,
			wantJobs: []Job{prJob("opened")}},
		{name: "pullRequestSynchronize", event: "pull_request", file: "pull_request_synchronize", wantStatus: 202,
			wantJobs: []Job{func() Job {
				j := prJob("synchronize")
				j.HeadSHA = "2222222222222222222222222222222222222222"
				return j
			}()}},
		{name: "pullRequestReopened", event: "pull_request", file: "pull_request_reopened", wantStatus: 202,
			wantJobs: []Job{prJob("reopened")}},
		{name: "pullRequestReadyForReview", event: "pull_request", file: "pull_request_ready_for_review", wantStatus: 202,
			wantJobs: []Job{prJob("ready_for_review")}},
		{name: "pullRequestEditedBase", event: "pull_request", file: "pull_request_edited_base", wantStatus: 202,
			wantJobs: []Job{prJob("edited")}},
		{name: "pullRequestEditedTitle", event: "pull_request", file: "pull_request_edited_title", wantStatus: 200},
		{name: "pullRequestClosed", event: "pull_request", file: "pull_request_closed", wantStatus: 200},
		{name: "reviewSubmitted", event: "pull_request_review", file: "pull_request_review_submitted", wantStatus: 202,
			wantJobs: []Job{{Repo: acme, Number: 7, HeadSHA: testHeadSHA, Event: "pull_request_review", Action: "submitted",
				DeliveryID: "d-1", Sender: "alice", ReviewID: 80, ReviewState: "APPROVED"}}},
		{name: "reviewDismissed", event: "pull_request_review", file: "pull_request_review_dismissed", wantStatus: 202,
			wantJobs: []Job{{Repo: acme, Number: 7, HeadSHA: testHeadSHA, Event: "pull_request_review", Action: "dismissed",
				DeliveryID: "d-1", Sender: "alice", ReviewID: 80, ReviewState: "DISMISSED"}}},
		{name: "checkRunRerequested", event: "check_run", file: "check_run_rerequested", wantStatus: 202,
			wantJobs: []Job{{Repo: acme, Number: 7, HeadSHA: testHeadSHA, Event: "check_run", Action: "rerequested", DeliveryID: "d-1", Sender: "bob"}}},
		{name: "checkRunRequestedAction", event: "check_run", file: "check_run_requested_action", wantStatus: 202,
			wantJobs: []Job{{Repo: acme, Number: 7, HeadSHA: testHeadSHA, Event: "check_run", Action: "requested_action",
				DeliveryID: "d-1", Sender: "alice", RequestedAction: "approve"}}},
		{name: "checkRunOtherApp", event: "check_run", file: "check_run_rerequested_other_app", wantStatus: 200},
		{name: "checkRunCompleted", event: "check_run", file: "check_run_completed", wantStatus: 200},
		{name: "checkSuiteRerequestedTwoPRs", event: "check_suite", file: "check_suite_rerequested", wantStatus: 202,
			wantJobs: []Job{
				{Repo: acme, Number: 7, HeadSHA: testHeadSHA, Event: "check_suite", Action: "rerequested", DeliveryID: "d-1", Sender: "bob"},
				{Repo: acme, Number: 9, HeadSHA: testHeadSHA, Event: "check_suite", Action: "rerequested", DeliveryID: "d-1", Sender: "bob"},
			}},
		{name: "checkSuiteOtherApp", event: "check_suite", file: "check_suite_rerequested_other_app", wantStatus: 200},
		{name: "queueFull", event: "pull_request", file: "pull_request_opened", schedErr: ErrQueueFull, wantStatus: 503, wantBody: "queue full"},
		{name: "schedulerDraining", event: "pull_request", file: "pull_request_opened", schedErr: ErrDraining, wantStatus: 503},
		{name: "schedulerError", event: "pull_request", file: "pull_request_opened", schedErr: errors.New("boom"), wantStatus: 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sched := &recordingScheduler{err: tc.schedErr, failures: -1}
			h := newTestHandler(sched, tc.maxPayload)
			body := []byte(tc.body)
			if tc.file != "" {
				body = webhookPayload(t, tc.file)
			}
			r := signedDelivery(tc.event, "d-1", body)
			if tc.mutate != nil {
				tc.mutate(r)
			}
			w := recordResponse(h, r)
			if w.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d (body %q)", w.Code, tc.wantStatus, w.Body.String())
			}
			if tc.wantBody != "" && !strings.Contains(w.Body.String(), tc.wantBody) {
				t.Errorf("body = %q, want it to contain %q", w.Body.String(), tc.wantBody)
			}
			if diff := cmp.Diff(tc.wantJobs, sched.recorded()); diff != "" {
				t.Errorf("jobs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWebhook_redelivery(t *testing.T) {
	body := webhookPayload(t, "pull_request_opened")
	tests := []struct {
		name        string
		failures    int // scheduler refusals before it accepts
		wantStatus  []int
		wantBodies  []string
		wantJobsLen int
	}{
		{name: "acceptedThenRedelivered", wantStatus: []int{202, 200}, wantBodies: []string{"queued", "duplicate delivery"}, wantJobsLen: 1},
		{name: "redeliveredAfter503", failures: 1, wantStatus: []int{503, 202, 200}, wantJobsLen: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sched := &recordingScheduler{err: ErrQueueFull, failures: tc.failures}
			h := newTestHandler(sched, 0)
			for i, want := range tc.wantStatus {
				w := recordResponse(h, signedDelivery("pull_request", "same-id", body))
				if w.Code != want {
					t.Errorf("delivery %d: status = %d, want %d", i, w.Code, want)
				}
				if i < len(tc.wantBodies) && !strings.Contains(w.Body.String(), tc.wantBodies[i]) {
					t.Errorf("delivery %d: body = %q, want %q", i, w.Body.String(), tc.wantBodies[i])
				}
			}
			if got := len(sched.recorded()); got != tc.wantJobsLen {
				t.Errorf("jobs = %d, want %d", got, tc.wantJobsLen)
			}
		})
	}
}

func TestWebhook_concurrentRedeliveriesQueueOnce(t *testing.T) {
	sched := &recordingScheduler{}
	h := newTestHandler(sched, 0)
	body := webhookPayload(t, "pull_request_opened")
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { recordResponse(h, signedDelivery("pull_request", "same-id", body)) })
	}
	wg.Wait()
	if got := len(sched.recorded()); got != 1 {
		t.Errorf("jobs = %d, want 1", got)
	}
}

func TestWebhook_draining(t *testing.T) {
	sched := &recordingScheduler{}
	h := newTestHandler(sched, 0)
	h.Drain()
	if w := recordResponse(h, signedDelivery("pull_request", "d-1", webhookPayload(t, "pull_request_opened"))); w.Code != 503 {
		t.Errorf("status = %d, want 503", w.Code)
	}
	// A redelivery to another replica, or after restart, must still work:
	// the refused id is not remembered.
	if w := recordResponse(h, signedDelivery("ping", "d-2", webhookPayload(t, "ping"))); w.Code != 200 {
		t.Errorf("ping while draining: status = %d, want 200", w.Code)
	}
	if n := len(sched.recorded()); n != 0 {
		t.Errorf("jobs = %d, want 0", n)
	}
}

func TestWebhook_emptySecretRefusesEverything(t *testing.T) {
	sched := &recordingScheduler{}
	h := NewHandler(WebhookConfig{Scheduler: sched, Logger: quietLogger()})
	body := webhookPayload(t, "pull_request_opened")
	r := signedDelivery("pull_request", "d-1", body)
	r.Header.Set(headerSignature, "sha256="+hex.EncodeToString(Sign(nil, body)))
	if w := recordResponse(h, r); w.Code != 401 {
		t.Errorf("status = %d, want 401", w.Code)
	}
}

func TestDeliverySet_bounded(t *testing.T) {
	s := NewDeliverySet(3, 0)
	for _, id := range []string{"a", "b", "c", "d"} {
		if !s.Reserve(id) {
			t.Fatalf("Reserve(%q) = false for a new id", id)
		}
	}
	if s.Len() != 3 {
		t.Errorf("Len = %d, want 3", s.Len())
	}
	if !s.Reserve("a") {
		t.Error("the oldest id should have been evicted")
	}
	if s.Reserve("d") {
		t.Error("a recent id should still be remembered")
	}
}

// TestWebhook_fixturesGolden documents what each fixture delivery becomes:
// status, message and jobs.
func TestWebhook_fixturesGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "webhooks", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	events := []string{"pull_request_review", "pull_request", "check_run", "check_suite", "installation", "ping", "push"}
	var out bytes.Buffer
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		event := ""
		for _, e := range events {
			if strings.HasPrefix(name, e) {
				event = e
				break
			}
		}
		sched := &recordingScheduler{}
		w := recordResponse(newTestHandler(sched, 0), signedDelivery(event, "d-"+name, webhookPayload(t, name)))
		fmt.Fprintf(&out, "%s (%s): %d %s", name, event, w.Code, w.Body.String())
		for _, j := range sched.recorded() {
			b, err := json.Marshal(j)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "  %s\n", b)
		}
	}
	assertGolden(t, filepath.Join("testdata", "golden", "webhook_jobs.txt"), out.Bytes())
}

func TestDeliverySet_expires(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := NewDeliverySet(0, time.Hour)
	s.now = func() time.Time { return now }
	s.Reserve("a")
	now = now.Add(59 * time.Minute)
	if s.Reserve("a") {
		t.Error("an id reserved 59 minutes ago should still be remembered")
	}
	now = now.Add(2 * time.Minute)
	if !s.Reserve("a") {
		t.Error("an id reserved over an hour ago should be forgotten")
	}
}

func TestWebhook_metricsLabels(t *testing.T) {
	m := NewMetrics()
	h := NewHandler(WebhookConfig{Secret: []byte(testWebhookSecret), AppID: testWebhookAppID,
		Scheduler: &recordingScheduler{}, Metrics: m, Logger: quietLogger()})
	unsigned := signedDelivery("made_up_event", "d-1", []byte("{}"))
	unsigned.Header.Del(headerSignature)
	recordResponse(h, unsigned)
	recordResponse(h, signedDelivery("made_up_event", "d-2", []byte("{}")))
	recordResponse(h, signedDelivery("pull_request", "d-3", webhookPayload(t, "pull_request_opened")))
	recordResponse(h, signedDelivery("pull_request", "d-3", webhookPayload(t, "pull_request_opened")))
	for series, want := range map[string]float64{
		`kustoguard_webhook_deliveries_total{event="unverified",result="unauthorized"}`: 1,
		`kustoguard_webhook_deliveries_total{event="other",result="ignored"}`:           1,
		`kustoguard_webhook_deliveries_total{event="pull_request",result="accepted"}`:   1,
		`kustoguard_webhook_deliveries_total{event="pull_request",result="duplicate"}`:  1,
	} {
		if got := metricValue(t, m, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}
