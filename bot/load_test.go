package bot

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

// delivery is one webhook delivery of the burst.
type delivery struct {
	id string
	ev githubtest.Event
}

// TestLoad_burst sends 1,000 deliveries over 50 pull requests in 10
// repositories (5 installations) as fast as 8 senders can, with
// redeliveries and superseding pushes mixed in, and checks that every pull
// request ends with one completed run on its latest head and no comment
// posted twice. Figures are logged (go test -run TestLoad -v ./bot/).
func TestLoad_burst(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: skipped with -short")
	}
	const total, senders = 1000, 8
	f := newFleet(t, 10, 5, 5)
	cfg := serverTestConfig()
	cfg.AppID, cfg.QueueSize, cfg.JobTimeout = f.gh.AppID, 1000, time.Minute
	proc := &countingProcessor{Processor: f.pipeline()}
	srv, err := NewServer(cfg, ServerDeps{Processor: proc, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	url := startTestServer(t, srv) + WebhookPath
	secret := []byte(cfg.WebhookSecret)

	runtime.GC()
	heap := sampleHeap(10 * time.Millisecond)
	rng := rand.New(rand.NewPCG(6, 1000))
	var (
		mu        sync.Mutex
		latencies []time.Duration
		statuses  = map[int]int{}
		sent      []delivery
		pushes    int
	)
	work := make(chan delivery)
	var wg sync.WaitGroup
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				start := time.Now()
				resp, err := githubtest.Deliver(context.Background(), url, secret, d.id, d.ev)
				lat := time.Since(start)
				code := 0
				if err == nil {
					code = resp.StatusCode
					resp.Body.Close()
				}
				mu.Lock()
				latencies = append(latencies, lat)
				statuses[code]++
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	for i := range total {
		var d delivery
		switch r := rng.IntN(10); {
		case r < 2 && len(sent) > 0: // a redelivery: same id, same payload
			d = sent[rng.IntN(len(sent))]
		case r < 3: // a superseding push
			pi := rng.IntN(len(f.pulls))
			f.push(pi)
			pushes++
			d = delivery{id: fmt.Sprintf("d-%d", i), ev: f.event(pi, "synchronize")}
		default:
			pi := rng.IntN(len(f.pulls))
			action := "opened"
			if rng.IntN(2) == 0 {
				action = "reopened"
			}
			d = delivery{id: fmt.Sprintf("d-%d", i), ev: f.event(pi, action)}
		}
		sent = append(sent, d)
		work <- d
	}
	close(work)
	wg.Wait()
	acked := time.Since(start)
	if !f.waitSettled(2*time.Minute, srv) {
		t.Fatal("the fleet did not settle within 2 minutes")
	}
	settled := time.Since(start)
	peak := heap.Stop()

	// 202 queued; 200 for a redelivery of an id already accepted.
	if statuses[http.StatusAccepted]+statuses[http.StatusOK] != total || statuses[http.StatusAccepted] == 0 {
		t.Errorf("statuses %v, want all %d deliveries 202 or (redeliveries) 200", statuses, total)
	}
	f.assertOutcome(t, 1)

	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[min(int(p*float64(len(latencies))), len(latencies)-1)] }
	over := 0
	for _, l := range latencies {
		if l > time.Second {
			over++
		}
	}
	t.Logf("engine: %s", map[bool]string{true: "real renderer and rules", false: "stand-in (renderer not available)"}[renderWorks()])
	t.Logf("statuses %v", statuses)
	t.Logf("%d deliveries (%d pushes) over %d pull requests acknowledged in %v: %.0f deliveries/s; ack p50 %v p99 %v max %v; %d over 1 s",
		total, pushes, len(f.pulls), acked.Round(time.Millisecond), float64(total)/acked.Seconds(),
		pct(0.50), pct(0.99), latencies[len(latencies)-1], over)
	t.Logf("all settled after %v: %d reviews run (%.0f reviews/s); peak HeapInuse %.1f MiB (bot and fake GitHub together); %d GitHub requests",
		settled.Round(time.Millisecond), proc.n.Load(), float64(proc.n.Load())/settled.Seconds(), float64(peak)/(1<<20), len(f.gh.Requests()))
}

// TestReplicas_everyDeliveryToBoth runs two servers on one fake GitHub and
// delivers every event to both at the same instant: each head still ends
// with one result and at most one review, and no finding is commented on
// twice. GitHub has no conditional create, so when both replicas list at
// the same instant and both create, the head holds two runs; the newest
// (the one GitHub shows and requires) does the review and reports the same
// result to both. How often that happened is logged.
func TestReplicas_everyDeliveryToBoth(t *testing.T) {
	const total = 200
	f := newFleet(t, 4, 5, 2)
	var urls []string
	var procs []*countingProcessor
	var servers []*Server
	for range 2 {
		cfg := serverTestConfig()
		cfg.AppID = f.gh.AppID
		proc := &countingProcessor{Processor: f.pipeline()}
		srv, err := NewServer(cfg, ServerDeps{Processor: proc, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, startTestServer(t, srv)+WebhookPath)
		procs = append(procs, proc)
		servers = append(servers, srv)
	}
	secret := []byte(serverTestConfig().WebhookSecret)
	rng := rand.New(rand.NewPCG(2, 200))
	for i := range total {
		pi := rng.IntN(len(f.pulls))
		action := "opened"
		if rng.IntN(8) == 0 {
			f.push(pi)
			action = "synchronize"
		}
		ev := f.event(pi, action)
		var wg sync.WaitGroup
		for _, u := range urls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := githubtest.Deliver(context.Background(), u, secret, fmt.Sprintf("d-%d", i), ev)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					t.Errorf("delivery %d: status %d", i, resp.StatusCode)
				}
			}()
		}
		wg.Wait()
	}
	if !f.waitSettled(time.Minute, servers...) {
		t.Fatal("the fleet did not settle within a minute")
	}
	out := f.assertOutcome(t, 2)
	t.Logf("%d deliveries, each to both replicas; reviews run: %d and %d; heads with a second (hidden, agreeing) run: %d of %d pull requests",
		total, procs[0].n.Load(), procs[1].n.Load(), out.duplicateRuns, len(f.pulls))
}

// BenchmarkReview is one whole review through the fake GitHub on loopback
// (fetch, render base and head, rules, report, check run, review): a pull
// request changing one app of a repository of 50.
//
//	go test -run '^$' -bench BenchmarkReview -benchmem ./bot/
func BenchmarkReview(b *testing.B) {
	f := newFleet(b, 1, 50, 1)
	p := f.pipeline()
	jobs := make([]Job, len(f.pulls))
	for i, pr := range f.pulls {
		jobs[i] = Job{Repo: pr.repo, Number: pr.number, HeadSHA: f.head(i), Event: "pull_request", Action: "synchronize"}
	}
	for i := 0; b.Loop(); i++ {
		if err := p.Process(context.Background(), jobs[i%len(jobs)]); err != nil {
			b.Fatal(err)
		}
	}
}
