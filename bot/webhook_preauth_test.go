package bot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// preAuthConns is how many unauthenticated deliveries the pre-auth memory
// test holds open at once.
const preAuthConns = 100

// TestWebhook_preAuthMemoryBounded: deliveries announcing GitHub's largest
// payload, sending 1 KiB and stalling, must not make the server reserve
// what they announce before their signature is checked.
func TestWebhook_preAuthMemoryBounded(t *testing.T) {
	h := NewWebhook(WebhookConfig{Secret: []byte(testWebhookSecret), AppID: testWebhookAppID,
		Scheduler: &recordingScheduler{}, Metrics: NewMetrics(), Logger: quietLogger()})
	var active atomic.Int64
	srv := &http.Server{
		Handler:     h,
		ReadTimeout: 5 * time.Second, // frees the stalled connections after the measurement
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateActive {
				active.Add(1)
			}
		},
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: kustoguard\r\nContent-Type: application/json\r\n"+
		"X-GitHub-Event: push\r\nX-GitHub-Delivery: d\r\nX-Hub-Signature-256: sha256=%s\r\nContent-Length: %d\r\n\r\n",
		WebhookPath, strings.Repeat("0", 64), DefaultMaxPayload)
	body := strings.Repeat("x", 1024)
	var conns []net.Conn
	var mu sync.Mutex
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	for range preAuthConns {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		if _, err := c.Write([]byte(head + body)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every connection to start its request", func() bool { return active.Load() >= preAuthConns })
	waitFor(t, "every handler to read its first kilobyte", func() bool {
		return h.budget.inUse() >= preAuthConns*firstChunk
	})
	runtime.GC()
	var during runtime.MemStats
	runtime.ReadMemStats(&during)
	growth := int64(during.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d stalled deliveries announcing %d MiB: heap grew by %.1f MiB (HeapAlloc %.1f → %.1f MiB), %.1f MiB allocated in all, pre-auth budget in use %d KiB",
		preAuthConns, DefaultMaxPayload>>20, float64(growth)/(1<<20),
		float64(before.HeapAlloc)/(1<<20), float64(during.HeapAlloc)/(1<<20),
		float64(during.TotalAlloc-before.TotalAlloc)/(1<<20), h.budget.inUse()>>10)
	if total := during.TotalAlloc - before.TotalAlloc; total > 64<<20 {
		t.Errorf("%d MiB allocated before any signature was checked, want under 64 MiB", total>>20)
	}
	if growth > 64<<20 {
		t.Errorf("heap grew by %d MiB before any signature was checked, want under 64 MiB", growth>>20)
	}
}

func TestReadPreAuth(t *testing.T) {
	secret := []byte("s")
	payload := []byte(strings.Repeat("0123456789abcdef", 100_000)) // 1.6 MB: many chunks
	tests := []struct {
		name    string
		budget  int64
		held    int64 // taken by other deliveries
		limit   int64
		wantErr error
		wantN   int64
	}{
		{name: "fits", budget: 4 << 20, limit: 2 << 20, wantN: int64(len(payload))},
		{name: "overLimitStopsAtLimitPlusOne", budget: 4 << 20, limit: 1000, wantN: 1001},
		{name: "budgetHeldByOthers", budget: 4 << 20, held: 4<<20 - 1000, limit: 2 << 20, wantErr: errBudget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newByteBudget(tt.budget)
			if err := b.acquire(context.Background(), tt.held); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			body, err := readPreAuth(ctx, bytes.NewReader(payload), tt.limit, secret, b)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if err == nil {
				if body.n != tt.wantN {
					t.Errorf("read %d bytes, want %d", body.n, tt.wantN)
				}
				if tt.wantN == int64(len(payload)) {
					if !hmac.Equal(body.mac.Sum(nil), Sign(secret, payload)) {
						t.Error("the running HMAC differs from the body's")
					}
					if got := body.bytes(); !bytes.Equal(got, payload) {
						t.Error("the body read back differs from the payload")
					}
				} else {
					body.free()
				}
			}
			if got := b.inUse(); got != tt.held {
				t.Errorf("budget in use after the read: %d, want %d (the other deliveries')", got, tt.held)
			}
		})
	}
}

// A genuine delivery larger than the first chunks is read whole and
// accepted; the budget it held is given back.
func TestWebhook_largeSignedDelivery(t *testing.T) {
	sched := &recordingScheduler{}
	h := NewWebhook(WebhookConfig{Secret: []byte(testWebhookSecret), AppID: testWebhookAppID,
		Scheduler: sched, Metrics: NewMetrics(), Logger: quietLogger()})
	body := webhookPayload(t, "pull_request_opened")
	// Pad the JSON object with a 3 MiB field: many chunks, one HMAC.
	padded := append([]byte(`{"padding":"`+strings.Repeat("p", 3<<20)+`",`), body[1:]...)
	w := recordResponse(h, signedDelivery("pull_request", "big-1", padded))
	if w.Code != http.StatusAccepted {
		t.Fatalf("status %d (%s), want 202", w.Code, strings.TrimSpace(w.Body.String()))
	}
	if len(sched.recorded()) != 1 {
		t.Errorf("jobs %d, want 1", len(sched.recorded()))
	}
	if got := h.budget.inUse(); got != 0 {
		t.Errorf("pre-auth budget in use after the delivery: %d, want 0", got)
	}
	// The same body signed with another secret is refused, its budget freed.
	r := signedDelivery("pull_request", "big-2", padded)
	r.Header.Set(headerSignature, webhookSignature("another secret", padded))
	if w := recordResponse(h, r); w.Code != http.StatusUnauthorized {
		t.Errorf("wrongly signed: status %d, want 401", w.Code)
	}
	if got := h.budget.inUse(); got != 0 {
		t.Errorf("pre-auth budget in use after a refusal: %d, want 0", got)
	}
}
