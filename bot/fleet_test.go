package bot

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kustoguard/kustoguard/bot/githubtest"
	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
	"github.com/kustoguard/kustoguard/report"
)

// fleet is a fake GitHub holding many repositories with open pull requests,
// each changing one small kustomize app, and the checks the scale tests
// make on what the bot left there.
type fleet struct {
	t       testing.TB
	gh      *githubtest.Server
	clients ClientFactory
	pulls   []fleetPull
	perRepo int

	mu    sync.Mutex
	heads map[int]int // pull index → pushes so far
}

type fleetPull struct {
	repo    Repo
	repoIdx int
	number  int
}

func (p fleetPull) String() string { return fmt.Sprintf("%s#%d", p.repo.FullName(), p.number) }

const fleetBase = "ba5e000000000000000000000000000000000000"

// fleetFiles is a pull request's app at its n-th head (0 is the base):
// every head scales it and moves its image to a mutable tag.
func fleetFiles(number, n int) map[string][]byte {
	dir := fmt.Sprintf("apps/pr%d/", number)
	tag := "1.0"
	if n > 0 {
		tag = "latest" // a new finding on every head, the same one
	}
	deploy := fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: pr%d
spec:
  replicas: %d
  selector: {matchLabels: {app: pr%d}}
  template:
    metadata: {labels: {app: pr%d}}
    spec:
      containers:
      - name: app
        image: ghcr.io/acme/app:%s
`, number, n+1, number, number, tag)
	return map[string][]byte{
		dir + "kustomization.yaml": []byte("resources:\n- deploy.yaml\n"),
		dir + "deploy.yaml":        []byte(deploy),
	}
}

// headSHA names the n-th head of a pull request.
func fleetHead(repoIdx, number, n int) string {
	return fmt.Sprintf("%04x%04x%08x%024x", repoIdx, number, n, 0)
}

// newFleet opens prsPerRepo pull requests in each of repos repositories,
// spread over installations.
func newFleet(t testing.TB, repos, prsPerRepo, installations int) *fleet {
	t.Helper()
	gh := githubtest.New()
	t.Cleanup(gh.Close)
	clients, err := NewClientFactory(ClientConfig{
		AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM, BaseURL: gh.URL(), MaxRetries: 2, MaxRetryWait: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &fleet{t: t, gh: gh, clients: clients, perRepo: prsPerRepo, heads: map[int]int{}}
	for ri := range repos {
		r := Repo{Owner: fmt.Sprintf("org%d", ri%installations), Name: fmt.Sprintf("gitops%d", ri), InstallationID: int64(100 + ri%installations)}
		gh.AddRepo(r.Owner, r.Name, r.InstallationID)
		base := map[string][]byte{}
		for n := 1; n <= prsPerRepo; n++ {
			for p, b := range fleetFiles(n, 0) {
				base[p] = b
			}
		}
		gh.SetTree(r.Owner, r.Name, fleetBase, base)
		for n := 1; n <= prsPerRepo; n++ {
			head := map[string][]byte{}
			for p, b := range base {
				head[p] = b
			}
			for p, b := range fleetFiles(n, 1) {
				head[p] = b
			}
			sha := fleetHead(ri, n, 1)
			gh.SetTree(r.Owner, r.Name, sha, head)
			gh.OpenPR(r.Owner, r.Name, githubtest.PR{Number: n, Author: "dev", BaseRef: "main", BaseSHA: fleetBase, HeadSHA: sha})
			f.pulls = append(f.pulls, fleetPull{repo: r, repoIdx: ri, number: n})
			f.heads[len(f.pulls)-1] = 1
		}
	}
	return f
}

// push moves pull request i to a new head.
func (f *fleet) push(i int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.pulls[i]
	f.heads[i]++
	files := map[string][]byte{}
	for m := 1; m <= f.perRepo; m++ {
		for k, v := range fleetFiles(m, 0) {
			files[k] = v
		}
	}
	for k, v := range fleetFiles(p.number, f.heads[i]) {
		files[k] = v
	}
	f.gh.Push(p.repo.Owner, p.repo.Name, p.number, fleetHead(p.repoIdx, p.number, f.heads[i]), files)
}

// event is a pull_request event for pull request i as it is now.
func (f *fleet) event(i int, action string) githubtest.Event {
	p := f.pulls[i]
	ev, err := f.gh.PullRequestEvent(p.repo.Owner, p.repo.Name, p.number, action)
	if err != nil {
		f.t.Fatal(err)
	}
	return ev
}

// head is pull request i's current head.
func (f *fleet) head(i int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.pulls[i]
	return fleetHead(p.repoIdx, p.number, f.heads[i])
}

// renderWorks reports whether the hardened renderer is available; without
// it the fleet's reviews use a stand-in engine with the same contract.
func renderWorks() bool {
	t, err := render.FromFiles(fleetFiles(1, 0), render.DefaultLimits())
	if err != nil {
		return false
	}
	_, err = t.Render(context.Background(), "apps/pr1")
	return err == nil
}

// pipeline is one replica's pipeline over the fleet.
func (f *fleet) pipeline() *Pipeline {
	p := NewPipeline(PipelineConfig{
		Clients: f.clients, BotLogin: f.gh.AppSlug + "[bot]", JobTimeout: time.Minute, Logger: quietLogger(),
	})
	p.eng.loadTree = render.LoadTarGz
	if !renderWorks() {
		p.eng.review = standInReview
		p.eng.fingerprint = testFingerprint
		p.eng.build = testBuild
		p.eng.comments = testComments
	}
	return p
}

// standInReview flags each changed deploy.yaml at its replicas line, with
// a message stable across heads (so later heads find it commented on).
func standInReview(_ context.Context, in checks.ReviewInput) (*checks.Result, error) {
	res := &checks.Result{Base: in.BaseName, Head: in.HeadName}
	for _, p := range in.Changed {
		if strings.HasSuffix(p, "/deploy.yaml") {
			res.Findings = append(res.Findings, finding("readiness-probe-missing", checks.Warning, false, p, 6, "no readiness probe in "+p))
		}
	}
	return res, nil
}

// settled reports whether every pull request's current head has a
// completed kustoguard run and no unfinished one.
func (f *fleet) settled() bool {
	for i, p := range f.pulls {
		head := f.head(i)
		done := false
		for _, r := range f.gh.CheckRuns(p.repo.Owner, p.repo.Name) {
			if r.GetHeadSHA() != head || r.GetName() != CheckName {
				continue
			}
			if r.GetStatus() != "completed" {
				return false
			}
			done = true
		}
		if !done {
			return false
		}
	}
	return true
}

// waitSettled polls until settled and the given servers' queues are idle,
// or the deadline (a bound on a broken run, not a speed assertion). A job
// still queued for a head whose run is completed (a redundant event) would
// reopen that run after the check.
func (f *fleet) waitSettled(d time.Duration, servers ...*Server) bool {
	done := func() bool {
		for _, s := range servers {
			if !queueIdle(s) {
				return false
			}
		}
		return f.settled()
	}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if done() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return done()
}

// fleetOutcome counts what the bot left on GitHub.
type fleetOutcome struct {
	duplicateRuns int // runs beyond one per (pull request, latest head)
}

// assertOutcome checks what a user would see: every pull request's latest
// head has exactly maxRuns or fewer kustoguard runs, all completed with the
// same conclusion (at least one); at most one kustoguard review per head;
// no finding commented on twice.
func (f *fleet) assertOutcome(t testing.TB, maxRuns int) fleetOutcome {
	t.Helper()
	var out fleetOutcome
	bot := f.gh.AppSlug + "[bot]"
	for i, p := range f.pulls {
		head := f.head(i)
		var conclusions []string
		for _, r := range f.gh.CheckRuns(p.repo.Owner, p.repo.Name) {
			if r.GetHeadSHA() == head && r.GetName() == CheckName {
				conclusions = append(conclusions, r.GetStatus()+"/"+r.GetConclusion())
			}
		}
		switch {
		case len(conclusions) == 0:
			t.Errorf("%s: no check run on the latest head", p)
		case len(conclusions) > maxRuns:
			t.Errorf("%s: %d check runs on the latest head, want at most %d: %v", p, len(conclusions), maxRuns, conclusions)
		}
		out.duplicateRuns += max(len(conclusions)-1, 0)
		for _, c := range conclusions {
			if !strings.HasPrefix(c, "completed/") || c != conclusions[0] {
				t.Errorf("%s: runs on the latest head disagree or are unfinished: %v", p, conclusions)
				break
			}
		}
		perHead := map[string]int{}
		for _, rv := range f.gh.Reviews(p.repo.Owner, p.repo.Name, p.number) {
			if rv.GetUser().GetLogin() == bot {
				perHead[rv.GetCommitID()]++
			}
		}
		for sha, n := range perHead {
			if n > 1 {
				t.Errorf("%s: %d kustoguard reviews on %s, want 1", p, n, short(sha))
			}
		}
		seen := map[string]bool{}
		for _, c := range f.gh.ReviewComments(p.repo.Owner, p.repo.Name, p.number) {
			for _, fp := range report.FingerprintsIn(c.GetBody()) {
				if seen[fp] {
					t.Errorf("%s: finding %s commented on twice", p, fp)
				}
				seen[fp] = true
			}
		}
		if len(seen) == 0 {
			t.Errorf("%s: no review comment", p)
		}
	}
	return out
}

// countingProcessor counts the reviews a replica did.
type countingProcessor struct {
	Processor
	n atomic.Int64
}

func (c *countingProcessor) Process(ctx context.Context, job Job) error {
	c.n.Add(1)
	return c.Processor.Process(ctx, job)
}

// heapSampler records the peak HeapInuse while it runs.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

func sampleHeap(every time.Duration) *heapSampler {
	s := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > s.peak.Load() {
				s.peak.Store(ms.HeapInuse)
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *heapSampler) Stop() uint64 {
	close(s.stop)
	<-s.done
	return s.peak.Load()
}
