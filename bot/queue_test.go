package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func queueJob(inst int64, number int, sha string) Job {
	return Job{Repo: Repo{Owner: "acme", Name: fmt.Sprintf("repo%d", inst), InstallationID: inst},
		Number: number, HeadSHA: sha, Event: "pull_request", Action: "synchronize"}
}

func queueApproveJob(inst int64, number int, sender string) Job {
	j := queueJob(inst, number, "sha")
	j.Event, j.Action, j.Sender, j.RequestedAction = "check_run", "requested_action", sender, "approve"
	return j
}

// jobRecorder is a Processor that records the jobs it ran, in order, and can
// hold each job until released.
type jobRecorder struct {
	mu   sync.Mutex
	ran  []string
	hold chan struct{} // when set, every job waits for a receive
	seen chan string   // when set, every job announces itself
}

func jobLabel(j Job) string {
	s := fmt.Sprintf("%s@%s", j.Key(), j.HeadSHA)
	if j.RequestedAction != "" {
		s += " by " + j.Sender
	}
	return s
}

func (r *jobRecorder) Process(ctx context.Context, j Job) error {
	if r.seen != nil {
		r.seen <- jobLabel(j)
	}
	if r.hold != nil {
		<-r.hold
	}
	r.mu.Lock()
	r.ran = append(r.ran, jobLabel(j))
	r.mu.Unlock()
	return nil
}

func (r *jobRecorder) order() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ran...)
}

func drainQueue(t *testing.T, q *Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := q.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func mustScheduleJobs(t *testing.T, s Scheduler, jobs ...Job) {
	t.Helper()
	for _, j := range jobs {
		if err := s.Schedule(j); err != nil {
			t.Fatalf("Schedule(%s): %v", jobLabel(j), err)
		}
	}
}

func TestQueue_serializesPerPullRequest(t *testing.T) {
	var mu sync.Mutex
	active := map[string]int{}
	overlaps, done := 0, 0
	p := ProcessorFunc(func(ctx context.Context, j Job) error {
		mu.Lock()
		active[j.Key()]++
		if active[j.Key()] > 1 {
			overlaps++
		}
		mu.Unlock()
		time.Sleep(time.Millisecond) // widen the window an overlap would need
		mu.Lock()
		active[j.Key()]--
		done++
		mu.Unlock()
		return nil
	})
	q := NewQueue(QueueConfig{Workers: 4, Processor: p, Logger: quietLogger()})
	q.Start()
	want := 0
	for i := range 60 {
		// Button presses are never merged, so the same PR has many entries.
		mustScheduleJobs(t, q, queueApproveJob(1, i%3, fmt.Sprint("user", i)))
		want++
	}
	drainQueue(t, q)
	if overlaps != 0 {
		t.Errorf("%d jobs ran while another job of the same pull request was running", overlaps)
	}
	if done != want {
		t.Errorf("ran %d jobs, want %d", done, want)
	}
}

func TestQueue_coalesces(t *testing.T) {
	r := &jobRecorder{}
	q := NewQueue(QueueConfig{Workers: 1, Processor: r, Logger: quietLogger()})
	mustScheduleJobs(t, q,
		queueJob(1, 7, "old"),
		queueApproveJob(1, 7, "alice"),
		queueJob(1, 7, "new"), // supersedes "old" in place
		queueApproveJob(1, 7, "carol"),
		queueJob(1, 9, "only"),
	)
	if q.Len() != 4 {
		t.Errorf("Len = %d, want 4 (old head superseded, button presses kept)", q.Len())
	}
	q.Start()
	drainQueue(t, q)
	want := []string{"acme/repo1#7@new", "acme/repo1#7@sha by alice", "acme/repo1#7@sha by carol", "acme/repo1#9@only"}
	if diff := cmp.Diff(want, r.order()); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestQueue_jobArrivingWhileItsPullRequestRunsWaits(t *testing.T) {
	r := &jobRecorder{hold: make(chan struct{}), seen: make(chan string, 10)}
	q := NewQueue(QueueConfig{Workers: 2, Processor: r, Logger: quietLogger()})
	q.Start()
	mustScheduleJobs(t, q, queueJob(1, 7, "a"))
	<-r.seen
	mustScheduleJobs(t, q, queueJob(1, 7, "b"), queueJob(1, 7, "c"))
	if q.Len() != 1 {
		t.Errorf("Len = %d, want 1: b and c coalesce behind the running a", q.Len())
	}
	r.hold <- struct{}{}
	<-r.seen
	r.hold <- struct{}{}
	drainQueue(t, q)
	if diff := cmp.Diff([]string{"acme/repo1#7@a", "acme/repo1#7@c"}, r.order()); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestQueue_fairAcrossInstallations(t *testing.T) {
	r := &jobRecorder{hold: make(chan struct{}), seen: make(chan string, 100)}
	q := NewQueue(QueueConfig{Workers: 1, Processor: r, Logger: quietLogger()})
	q.Start()
	mustScheduleJobs(t, q, queueJob(1, 1, "a"))
	<-r.seen // installation 1 holds the only worker
	for n := 2; n <= 10; n++ {
		mustScheduleJobs(t, q, queueJob(1, n, "a"))
	}
	mustScheduleJobs(t, q, queueJob(2, 1, "b"))
	go func() {
		for range 11 {
			r.hold <- struct{}{}
		}
	}()
	drainQueue(t, q)
	got := r.order()
	if len(got) != 11 {
		t.Fatalf("ran %d jobs, want 11", len(got))
	}
	if got[1] != "acme/repo2#1@b" {
		t.Errorf("installation 2's job ran at position %d, want 1 (right after the running one): %v", indexOfJob(got, "acme/repo2#1@b"), got)
	}
}

func TestQueue_maxPerInstallation(t *testing.T) {
	var mu sync.Mutex
	running, peak := 0, 0
	p := ProcessorFunc(func(ctx context.Context, j Job) error {
		mu.Lock()
		if j.Repo.InstallationID == 1 {
			running++
			peak = max(peak, running)
		}
		mu.Unlock()
		time.Sleep(time.Millisecond)
		mu.Lock()
		if j.Repo.InstallationID == 1 {
			running--
		}
		mu.Unlock()
		return nil
	})
	q := NewQueue(QueueConfig{Workers: 3, MaxPerInstallation: 1, Processor: p, Logger: quietLogger()})
	for n := range 10 {
		mustScheduleJobs(t, q, queueJob(1, n, "a"), queueJob(2, n, "a"))
	}
	q.Start()
	drainQueue(t, q)
	if peak != 1 {
		t.Errorf("installation 1 ran %d jobs at once, want at most 1", peak)
	}
}

func TestQueue_recoversPanics(t *testing.T) {
	var logs bytes.Buffer
	m := NewMetrics()
	r := &jobRecorder{}
	p := ProcessorFunc(func(ctx context.Context, j Job) error {
		if j.Number == 1 {
			panic("poison payload")
		}
		return r.Process(ctx, j)
	})
	q := NewQueue(QueueConfig{Workers: 1, Processor: p, Metrics: m, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	mustScheduleJobs(t, q, queueJob(1, 1, "a"), queueJob(1, 2, "a"))
	q.Start()
	drainQueue(t, q)
	if diff := cmp.Diff([]string{"acme/repo1#2@a"}, r.order()); diff != "" {
		t.Errorf("jobs after the panic (-want +got):\n%s", diff)
	}
	if got := metricValue(t, m, "kustoguard_job_panics_total"); got != 1 {
		t.Errorf("kustoguard_job_panics_total = %v, want 1", got)
	}
	if !strings.Contains(logs.String(), "poison payload") || !strings.Contains(logs.String(), `"github_pr_num":1`) {
		t.Errorf("panic not logged with the job's keys:\n%s", logs.String())
	}
}

func TestQueue_jobContext(t *testing.T) {
	var logs bytes.Buffer
	var hasDeadline bool
	p := ProcessorFunc(func(ctx context.Context, j Job) error {
		_, hasDeadline = ctx.Deadline()
		LoggerFrom(ctx).Info("inside")
		return errors.New("github down")
	})
	m := NewMetrics()
	q := NewQueue(QueueConfig{Workers: 1, Processor: p, Metrics: m, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	j := queueJob(4242, 7, "abc")
	j.DeliveryID = "d-77"
	mustScheduleJobs(t, q, j)
	q.Start()
	drainQueue(t, q)
	if !hasDeadline {
		t.Error("job context has no deadline")
	}
	for _, want := range []string{`"msg":"inside"`, `"github_delivery_id":"d-77"`, `"github_installation_id":4242`,
		`"github_repository_owner":"acme"`, `"github_repository_name":"repo4242"`, `"github_pr_num":7`, `"github_sha":"abc"`, "github down"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs.String())
		}
	}
	if got := metricValue(t, m, `kustoguard_jobs_total{result="error"}`); got != 1 {
		t.Errorf(`kustoguard_jobs_total{result="error"} = %v, want 1`, got)
	}
}

func TestQueue_full(t *testing.T) {
	q := NewQueue(QueueConfig{Workers: 1, Size: 2, Processor: &jobRecorder{}, Logger: quietLogger()})
	mustScheduleJobs(t, q, queueJob(1, 1, "a"), queueJob(1, 2, "a"))
	if err := q.Schedule(queueJob(1, 3, "a")); !errors.Is(err, ErrQueueFull) {
		t.Errorf("third job: err = %v, want ErrQueueFull", err)
	}
	if err := q.Schedule(queueJob(1, 2, "b")); err != nil {
		t.Errorf("a newer head for a queued pull request takes its place even when full: %v", err)
	}
	if err := q.Schedule(queueApproveJob(1, 2, "alice")); !errors.Is(err, ErrQueueFull) {
		t.Errorf("button press on a full queue: err = %v, want ErrQueueFull", err)
	}
}

func TestQueue_shutdownDrains(t *testing.T) {
	r := &jobRecorder{}
	q := NewQueue(QueueConfig{Workers: 2, Processor: r, Logger: quietLogger()})
	for n := range 10 {
		mustScheduleJobs(t, q, queueJob(int64(n%3), n, "a"))
	}
	q.Start()
	drainQueue(t, q)
	if got := len(r.order()); got != 10 {
		t.Errorf("ran %d jobs before shutdown returned, want 10", got)
	}
	if err := q.Schedule(queueJob(1, 1, "late")); !errors.Is(err, ErrDraining) {
		t.Errorf("Schedule after Shutdown: err = %v, want ErrDraining", err)
	}
}

func TestQueue_shutdownGraceExpires(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan error, 1)
	p := ProcessorFunc(func(ctx context.Context, j Job) error {
		close(started)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return ctx.Err()
	})
	q := NewQueue(QueueConfig{Workers: 1, Processor: p, Logger: quietLogger()})
	mustScheduleJobs(t, q, queueJob(1, 1, "a"), queueJob(1, 2, "a"))
	q.Start()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := q.Shutdown(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "1 jobs abandoned, 1 cancelled in flight") {
		t.Errorf("Shutdown = %v, want the abandoned and cancelled counts", err)
	}
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Errorf("in-flight job saw %v, want its context cancelled", err)
	}
}

func TestSyncScheduler(t *testing.T) {
	r := &jobRecorder{}
	s := SyncScheduler{Processor: r, Logger: quietLogger()}
	mustScheduleJobs(t, s, queueJob(1, 1, "a"))
	if diff := cmp.Diff([]string{"acme/repo1#1@a"}, r.order()); diff != "" {
		t.Errorf("ran (-want +got):\n%s", diff)
	}
	boom := SyncScheduler{Processor: ProcessorFunc(func(context.Context, Job) error { panic("boom") })}
	if err := boom.Schedule(queueJob(1, 1, "a")); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("panic: err = %v, want it reported", err)
	}
}

func indexOfJob(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// quiet is a logger for tests that do not look at logs.
func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
