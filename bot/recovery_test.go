package bot

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

func TestRecoveryReason(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	const head = "cafe"
	pr := OpenPull{Number: 1, HeadSHA: head, UpdatedAt: now.Add(-time.Hour)}
	run := func(status string, age time.Duration) CheckRun {
		r := CheckRun{Name: CheckName, HeadSHA: head, Status: status}
		if age >= 0 {
			r.StartedAt = now.Add(-age)
		}
		return r
	}
	tests := []struct {
		name  string
		runs  []CheckRun
		pr    OpenPull
		grace time.Duration
		want  string
	}{
		{"in progress past the grace", []CheckRun{run("in_progress", 20*time.Minute)}, pr, 10 * time.Minute, "unfinished"},
		{"queued without a start", []CheckRun{run("queued", -1)}, pr, 10 * time.Minute, "unfinished"},
		{"handed back at shutdown", []CheckRun{run("queued", time.Second)}, pr, 10 * time.Minute, "unfinished"},
		{"handed back, then taken up", []CheckRun{run("queued", time.Hour), run("in_progress", time.Second)}, pr, 10 * time.Minute, ""},
		{"in progress within the grace", []CheckRun{run("in_progress", time.Minute)}, pr, 10 * time.Minute, ""},
		{"completed", []CheckRun{run("completed", 20*time.Minute)}, pr, 10 * time.Minute, ""},
		{"stale run beside a completed one", []CheckRun{run("completed", time.Hour), run("in_progress", time.Hour)}, pr, 10 * time.Minute, "unfinished"},
		{"a live replica restarted it", []CheckRun{run("in_progress", time.Hour), run("in_progress", time.Second)}, pr, 10 * time.Minute, ""},
		{"no run, quiet pull request", nil, pr, 10 * time.Minute, "missing"},
		{"no run, just updated", nil, OpenPull{Number: 1, HeadSHA: head, UpdatedAt: now.Add(-time.Minute)}, 10 * time.Minute, ""},
		{"other checks only", []CheckRun{{Name: "ci", HeadSHA: head, Status: "in_progress"}}, pr, 10 * time.Minute, "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := recoveryReason(tt.runs, tt.pr, now, tt.grace); got != tt.want {
				t.Errorf("recoveryReason = %q, want %q", got, tt.want)
			}
		})
	}
}

// recoveryFleet is a fleet of 4 repositories (2 installations) with 5
// pull requests each, where the first three pull requests of every
// repository are left as a crashed replica, a live one and a finished one
// leave them; the fourth had its delivery lost an hour ago; the fifth was
// just opened, its delivery still on the way.
func recoveryFleet(t *testing.T) *fleet {
	t.Helper()
	f := newFleet(t, 4, 5, 2)
	ctx := context.Background()
	for i, p := range f.pulls {
		gh, err := f.clients(p.repo.InstallationID)
		if err != nil {
			t.Fatal(err)
		}
		head := f.head(i)
		ext := externalID(fleetBase, head, "")
		create := func(started time.Time, status, conclusion string) {
			run := CheckRun{Name: CheckName, HeadSHA: head, ExternalID: ext, Status: status, Conclusion: conclusion, StartedAt: started}
			if status == "completed" {
				run.Status = ""
				run.Output = &CheckOutput{Title: "done", Summary: "done"}
			}
			if _, err := gh.CreateCheckRun(ctx, p.repo, run); err != nil {
				t.Fatal(err)
			}
		}
		switch p.number {
		case 1:
			create(time.Now().Add(-time.Hour), "in_progress", "")
		case 2:
			create(time.Now(), "in_progress", "")
		case 3:
			create(time.Now().Add(-time.Hour), "completed", "success")
		case 4:
			f.gh.SetUpdated(p.repo.Owner, p.repo.Name, p.number, time.Now().Add(-time.Hour))
		}
		if p.number != 4 {
			f.gh.SetUpdated(p.repo.Owner, p.repo.Name, p.number, time.Now().Add(-time.Duration(p.number)*time.Second))
		}
	}
	return f
}

func (f *fleet) recoverer(cfg RecoveryConfig) *Recoverer {
	app, err := NewAppClient(ClientConfig{AppID: f.gh.AppID, PrivateKey: f.gh.PrivateKeyPEM, BaseURL: f.gh.URL()})
	if err != nil {
		f.t.Fatal(err)
	}
	cfg.Installations, cfg.Clients, cfg.Logger = app.Installations, f.clients, quietLogger()
	if cfg.Grace == 0 {
		cfg.Grace = 10 * time.Minute
	}
	return NewRecoverer(cfg)
}

func jobNames(jobs []Job) []string {
	var out []string
	for _, j := range jobs {
		out = append(out, fmt.Sprintf("%s#%d %s/%s", j.Repo.FullName(), j.Number, j.Event, j.Action))
	}
	sort.Strings(out)
	return out
}

func TestRecoverer_findsUnfinishedAndLostReviews(t *testing.T) {
	f := recoveryFleet(t)
	s := &recordingScheduler{}
	st, err := f.recoverer(RecoveryConfig{}).Pass(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for ri := range 4 {
		owner := fmt.Sprintf("org%d", ri%2)
		want = append(want,
			fmt.Sprintf("%s/gitops%d#1 recovery/unfinished", owner, ri),
			fmt.Sprintf("%s/gitops%d#4 recovery/missing", owner, ri))
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, jobNames(s.recorded())); diff != "" {
		t.Errorf("scheduled (-want +got):\n%s", diff)
	}
	for _, j := range s.recorded() {
		if j.Repo.InstallationID != int64(100+int(j.Repo.Owner[3]-'0')) || j.HeadSHA == "" {
			t.Errorf("job %+v: wrong installation or no head", j)
		}
	}
	if st.Installations != 2 || st.Repos != 4 || st.Pulls != 20 || st.Scheduled != 8 || st.Truncated {
		t.Errorf("stats %+v", st)
	}
	// One request for the installations, then per installation a token and
	// the repositories, per repository the pull requests, per pull request
	// its runs.
	if st.Requests != 1+2+4+20 {
		t.Errorf("counted %d requests, want %d", st.Requests, 1+2+4+20)
	}
}

func TestRecoverer_bounds(t *testing.T) {
	f := recoveryFleet(t)
	t.Run("jobs: the next pass starts where one stopped", func(t *testing.T) {
		rc := f.recoverer(RecoveryConfig{MaxJobs: 4})
		s := &recordingScheduler{}
		st, err := rc.Pass(context.Background(), s)
		if err != nil || !st.Truncated || st.Scheduled != 4 {
			t.Fatalf("first pass: %+v, %v; want 4 scheduled, truncated", st, err)
		}
		first := s.recorded()
		s2 := &recordingScheduler{}
		if _, err := rc.Pass(context.Background(), s2); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, n := range jobNames(append(first, s2.recorded()...)) {
			seen[n] = true
		}
		if len(seen) != 8 {
			t.Errorf("two bounded passes reached %d pull requests, want all 8: %v", len(seen), seen)
		}
	})
	t.Run("requests", func(t *testing.T) {
		st, err := f.recoverer(RecoveryConfig{MaxRequests: 10}).Pass(context.Background(), &recordingScheduler{})
		if err != nil || !st.Truncated || st.Requests != 10 {
			t.Errorf("pass: %+v, %v; want truncated at 10 requests", st, err)
		}
	})
	t.Run("full queue", func(t *testing.T) {
		s := &recordingScheduler{err: ErrQueueFull, failures: -1}
		st, err := f.recoverer(RecoveryConfig{}).Pass(context.Background(), s)
		if err != nil || !st.Truncated || st.Scheduled != 0 {
			t.Errorf("pass: %+v, %v; want truncated, nothing scheduled", st, err)
		}
	})
}

func TestRecoverer_githubErrors(t *testing.T) {
	f := recoveryFleet(t)
	f.gh.Fail("GET /repos/org0/gitops0/pulls", 10, githubtest.Status(500))
	s := &recordingScheduler{}
	st, err := f.recoverer(RecoveryConfig{}).Pass(context.Background(), s)
	if err == nil {
		t.Error("a repository that cannot be listed: no error")
	}
	// The other repositories are still recovered.
	if st.Scheduled != 6 {
		t.Errorf("scheduled %d, want 6 (the other three repositories)", st.Scheduled)
	}
}

// TestRecoverer_finishesReviews runs recovery into the pipeline: the runs a
// crashed replica left are completed in place (no second run), and lost
// deliveries get their run.
func TestRecoverer_finishesReviews(t *testing.T) {
	f := recoveryFleet(t)
	s := SyncScheduler{Processor: f.pipeline(), Logger: quietLogger()}
	rc := f.recoverer(RecoveryConfig{})
	if _, err := rc.Pass(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	for i, p := range f.pulls {
		if p.number == 5 || p.number == 2 {
			continue // a delivery on its way; a live replica on it
		}
		var runs []string
		for _, r := range f.gh.CheckRuns(p.repo.Owner, p.repo.Name) {
			if r.GetHeadSHA() == f.head(i) {
				runs = append(runs, r.GetStatus())
			}
		}
		if diff := cmp.Diff([]string{"completed"}, runs); diff != "" {
			t.Errorf("%s runs (-want +got):\n%s", p, diff)
		}
	}
	// A second pass finds nothing left to do.
	rec := &recordingScheduler{}
	if _, err := rc.Pass(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	if got := jobNames(rec.recorded()); len(got) != 0 {
		t.Errorf("second pass scheduled %v", got)
	}
}

func TestRecoverer_runStopsWithContext(t *testing.T) {
	f := recoveryFleet(t)
	ctx, cancel := context.WithCancel(context.Background())
	s := &recordingScheduler{}
	done := make(chan struct{})
	go func() {
		f.recoverer(RecoveryConfig{Interval: time.Hour}).Run(ctx, s)
		close(done)
	}()
	for len(s.recorded()) < 8 {
		select {
		case <-done:
			t.Fatal("Run returned before cancel")
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	<-done
	if errors.Is(ctx.Err(), context.Canceled) && len(s.recorded()) != 8 {
		t.Errorf("first pass scheduled %d, want 8", len(s.recorded()))
	}
}

// busyScheduler holds some pull requests already.
type busyScheduler struct {
	recordingScheduler
	busy map[string]bool
}

func (s *busyScheduler) Busy(key string) bool { return s.busy[key] }

func TestRecoverer_leavesPullRequestsTheQueueHolds(t *testing.T) {
	f := recoveryFleet(t)
	s := &busyScheduler{busy: map[string]bool{"org0/gitops0#1": true, "org1/gitops1#4": true}}
	if _, err := f.recoverer(RecoveryConfig{}).Pass(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	for _, j := range s.recorded() {
		if s.busy[j.Key()] {
			t.Errorf("scheduled %s, which the queue holds", j.Key())
		}
	}
	if n := len(s.recorded()); n != 6 {
		t.Errorf("scheduled %d, want 6", n)
	}
}

func TestQueue_busy(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	q := NewQueue(QueueConfig{Workers: 1, Logger: quietLogger(), Processor: ProcessorFunc(func(ctx context.Context, j Job) error {
		started <- struct{}{}
		<-release
		return nil
	})})
	q.Start()
	a := Job{Repo: testRepo, Number: 1}
	b := Job{Repo: testRepo, Number: 2}
	if err := q.Schedule(a); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := q.Schedule(b); err != nil {
		t.Fatal(err)
	}
	if !q.Busy(a.Key()) || !q.Busy(b.Key()) || q.Busy("acme/gitops#3") {
		t.Errorf("Busy: running %v, waiting %v, absent %v; want true, true, false", q.Busy(a.Key()), q.Busy(b.Key()), q.Busy("acme/gitops#3"))
	}
	close(release)
	if err := q.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if q.Busy(a.Key()) || q.Busy(b.Key()) {
		t.Error("Busy after the jobs finished")
	}
}

// TestServer_runsRecovery: a server with a recoverer redoes unfinished
// reviews from the start, without any delivery, and stops it on Shutdown.
func TestServer_runsRecovery(t *testing.T) {
	f := recoveryFleet(t)
	cfg := serverTestConfig()
	cfg.AppID = f.gh.AppID
	srv, err := NewServer(cfg, ServerDeps{
		Processor: f.pipeline(), Logger: quietLogger(),
		Recovery: f.recoverer(RecoveryConfig{Interval: time.Hour}),
	})
	if err != nil {
		t.Fatal(err)
	}
	startTestServer(t, srv)
	done := func() bool {
		for i, p := range f.pulls {
			if p.number != 1 && p.number != 4 {
				continue
			}
			ok := false
			for _, r := range f.gh.CheckRuns(p.repo.Owner, p.repo.Name) {
				ok = ok || r.GetHeadSHA() == f.head(i) && r.GetStatus() == "completed"
			}
			if !ok {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(30 * time.Second)
	for !done() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !done() {
		t.Fatal("unfinished and lost reviews not redone within 30 s")
	}
}

func TestRecoverer_sparesALowRateBudget(t *testing.T) {
	f := recoveryFleet(t)
	f.gh.SetRateLimit(5000, 999) // under a fifth left
	s := &recordingScheduler{}
	st, err := f.recoverer(RecoveryConfig{}).Pass(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if st.Scheduled != 0 || st.LowBudget != 2 || st.Pulls != 0 {
		t.Errorf("stats %+v: want both installations left alone, nothing listed or scheduled", st)
	}
	f.gh.SetRateLimit(5000, 1000)
	if st, err := f.recoverer(RecoveryConfig{}).Pass(context.Background(), s); err != nil || st.Scheduled != 8 {
		t.Errorf("with a fifth left: %+v, %v; want 8 scheduled", st, err)
	}
}
