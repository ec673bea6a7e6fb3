package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// burstBodies returns signed pull_request deliveries spread over 50 pull
// requests in 10 repositories.
func burstBodies(b *testing.B) [][]byte {
	b.Helper()
	var base map[string]any
	if err := json.Unmarshal(webhookPayload(b, "pull_request_synchronize"), &base); err != nil {
		b.Fatal(err)
	}
	var bodies [][]byte
	for pr := range 50 {
		base["number"] = pr + 1
		base["pull_request"].(map[string]any)["number"] = pr + 1
		base["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = fmt.Sprintf("%040x", pr)
		base["repository"].(map[string]any)["name"] = fmt.Sprintf("gitops-%d", pr%10)
		body, err := json.Marshal(base)
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, body)
	}
	return bodies
}

// BenchmarkWebhookBurst measures the acknowledgement latency of the webhook
// under bursts of 1,000 signed deliveries sent by 1, 8 and 50 concurrent
// clients to a real server on loopback, with a no-op processor behind the
// queue. p50/p99/max are round trips as the client sees them; server-p50/p99
// are the time inside the handler.
func BenchmarkWebhookBurst(b *testing.B) {
	for _, clients := range []int{1, 8, 50} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchmarkBurst(b, clients) })
	}
}

func benchmarkBurst(b *testing.B, clients int) {
	const burst = 1000
	bodies := burstBodies(b)
	sigs := make([]string, len(bodies))
	for i, body := range bodies {
		sigs[i] = webhookSignature(testWebhookSecret, body)
	}
	cfg := serverTestConfig()
	cfg.QueueSize = 10 * burst
	s, err := NewServer(cfg, ServerDeps{Processor: ProcessorFunc(func(context.Context, Job) error { return nil }), Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	// Server-side handling time, apart from the client's and the
	// scheduler's share of the round trip.
	// Samples go to preallocated slots so that measuring adds no lock.
	handling := newSamples()
	inner := s.http.Handler
	s.http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		inner.ServeHTTP(w, r)
		handling.add(time.Since(start))
	})
	url := startTestServer(b, s) + WebhookPath
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	defer client.CloseIdleConnections()

	latencies := newSamples()
	var failures, seq atomic.Int64
	send := func(i int) {
		n := i % len(bodies)
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(bodies[n]))
		if err != nil {
			b.Error(err)
			return
		}
		req.Header.Set(headerEvent, "pull_request")
		req.Header.Set(headerSignature, sigs[n])
		req.Header.Set(headerDelivery, fmt.Sprintf("bench-%d", seq.Add(1)))
		start := time.Now()
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		latencies.add(time.Since(start))
		if err != nil || resp.StatusCode != http.StatusAccepted {
			failures.Add(1)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		work := make(chan int)
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for i := range work {
					send(i)
				}
			})
		}
		for i := range burst {
			work <- i
		}
		close(work)
		wg.Wait()
	}
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Errorf("%d deliveries not answered 202", n)
	}
	b.ReportMetric(latencies.percentile(0.50), "p50-ms")
	b.ReportMetric(latencies.percentile(0.99), "p99-ms")
	b.ReportMetric(latencies.percentile(1), "max-ms")
	b.ReportMetric(handling.percentile(0.50), "server-p50-ms")
	b.ReportMetric(handling.percentile(0.99), "server-p99-ms")
}

// BenchmarkWebhookHandler is the cost of accepting one signed delivery,
// without the network: signature, decoding, dedupe and queueing.
func BenchmarkWebhookHandler(b *testing.B) {
	body := webhookPayload(b, "pull_request_synchronize")
	q := NewQueue(QueueConfig{Workers: 1, Size: 1 << 30, Processor: ProcessorFunc(func(context.Context, Job) error { return nil }), Logger: quietLogger()})
	h := newTestHandler(q, 0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		w := recordResponse(h, signedDelivery("pull_request", strconv.Itoa(i), body))
		if w.Code != http.StatusAccepted {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// samples collects durations from many goroutines without a lock.
type samples struct {
	n  atomic.Int64
	ds []time.Duration
}

func newSamples() *samples { return &samples{ds: make([]time.Duration, 1<<20)} }

func (s *samples) add(d time.Duration) {
	if i := s.n.Add(1) - 1; i < int64(len(s.ds)) {
		s.ds[i] = d
	}
}

// percentile returns the p-th percentile in milliseconds.
func (s *samples) percentile(p float64) float64 {
	ds := s.ds[:min(int(s.n.Load()), len(s.ds))]
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) / 1000
}
