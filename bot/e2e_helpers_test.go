package bot

import (
	"bytes"
	"context"
	"crypto/sha1"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/kustoguard/kustoguard/bot/githubtest"
	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
)

// The end-to-end harness: a real server (webhook, queue, workers, pipeline,
// GitHub clients) on a loopback port, talking to the fake GitHub on another.
// Tests drive it only as GitHub would: signed deliveries in, and the fake's
// recorded state out.

const (
	e2eOwner        = "acme"
	e2eName         = "shop"
	e2eInstallation = 77
	e2eAuthor       = "dev"
	e2eApprover     = "sec-lead" // a member of acme/platform-security
	e2eOutsider     = "bystander"
	e2eBaseSHA      = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01"
)

// e2eWait bounds how long a test waits for the bot; generous, since the
// machine may be busy. Tests never assert on elapsed time.
const e2eWait = 60 * time.Second

type e2eOptions struct {
	// MutationInterval paces mutating requests (0: none).
	MutationInterval time.Duration
	// MaxRetries and MaxRetryWait of the GitHub clients (defaults: 4, 20ms).
	MaxRetries   int
	MaxRetryWait time.Duration
	// MaxPayload of the webhook (default: the server's).
	MaxPayload int64
	// Workers of the queue (default 2).
	Workers int
	// Limits for trees (default: render's).
	Limits render.Limits
	// Logs receives the server's logs (default: discarded).
	Logs io.Writer
}

// e2e is one server in front of one fake GitHub.
type e2e struct {
	t      testing.TB
	gh     *githubtest.Server
	srv    *Server
	url    string
	secret []byte
	seq    atomic.Int64
	bot    string
}

func newE2E(t testing.TB, opt e2eOptions) *e2e {
	t.Helper()
	gh := githubtest.New()
	t.Cleanup(gh.Close)
	gh.AddRepo(e2eOwner, e2eName, e2eInstallation)
	gh.AddTeamMember("acme", "platform-security", e2eApprover)
	gh.SetPermission(e2eOwner, e2eName, e2eAuthor, "write")
	return startE2E(t, gh, opt)
}

// startE2E starts a server against an existing fake (a second replica when
// called twice).
func startE2E(t testing.TB, gh *githubtest.Server, opt e2eOptions) *e2e {
	t.Helper()
	if opt.MaxRetries == 0 {
		opt.MaxRetries = 4
	}
	if opt.MaxRetryWait == 0 {
		opt.MaxRetryWait = 20 * time.Millisecond
	}
	if opt.Workers == 0 {
		opt.Workers = 2
	}
	if opt.Logs == nil {
		opt.Logs = io.Discard
	}
	log := slog.New(slog.NewTextHandler(opt.Logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	m := NewMetrics()
	clients, err := NewClientFactory(ClientConfig{
		AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM, BaseURL: gh.URL(),
		MaxRetries: opt.MaxRetries, MaxRetryWait: opt.MaxRetryWait,
		MutationInterval: opt.MutationInterval, OnRequest: m.ObserveGitHubRequest,
	})
	if err != nil {
		t.Fatalf("NewClientFactory: %v", err)
	}
	bot := gh.AppSlug + "[bot]"
	pipe := NewPipeline(PipelineConfig{
		Clients: clients, Rules: checks.Default(), Limits: opt.Limits, BotLogin: bot,
		JobTimeout: e2eWait, Logger: log, ObserveStage: m.ObserveStage,
		// Jobs on one head follow each other here; the replicas' wait, at its
		// default, is the fleet tests' subject.
		ReviewSettle: 10 * time.Millisecond,
	})
	cfg := Config{
		AppID: gh.AppID, WebhookSecret: "e2e-secret", Listen: "127.0.0.1:0",
		Workers: opt.Workers, QueueSize: 1000, JobTimeout: e2eWait, MaxPayload: opt.MaxPayload,
	}
	srv, err := NewServer(cfg, ServerDeps{Processor: pipe, Metrics: m, Logger: log})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), e2eWait)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &e2e{t: t, gh: gh, srv: srv, url: "http://" + l.Addr().String() + WebhookPath,
		secret: []byte(cfg.WebhookSecret), bot: bot}
}

// shopTree reads testdata/repos/shop/<side>.
func shopTree(t testing.TB, side string) map[string][]byte {
	t.Helper()
	files, err := githubtest.ReadTree(filepath.Join("testdata", "repos", "shop", side))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// commitSHA is a stable commit id for a testdata side pushed as commit n.
func commitSHA(side string, n int) string {
	return fmt.Sprintf("%x", sha1.Sum([]byte(fmt.Sprintf("%s/%d", side, n))))
}

// openPR opens pull request number from the shop's base to a head side.
func (e *e2e) openPR(number int, side string) string {
	e.t.Helper()
	e.gh.SetTree(e2eOwner, e2eName, e2eBaseSHA, shopTree(e.t, "base"))
	head := commitSHA(side, number)
	e.gh.SetTree(e2eOwner, e2eName, head, shopTree(e.t, side))
	e.gh.OpenPR(e2eOwner, e2eName, githubtest.PR{Number: number, Author: e2eAuthor, BaseRef: "main",
		BaseSHA: e2eBaseSHA, HeadSHA: head})
	return head
}

// push moves the pull request's head to another side's tree.
func (e *e2e) push(number int, side string, n int) string {
	e.t.Helper()
	head := commitSHA(side, n)
	e.gh.Push(e2eOwner, e2eName, number, head, shopTree(e.t, side))
	return head
}

// deliver sends ev signed, under a fresh delivery id, and returns that id.
func (e *e2e) deliver(ev githubtest.Event) string {
	e.t.Helper()
	id := fmt.Sprintf("e2e-%d", e.seq.Add(1))
	e.deliverAs(id, ev, http.StatusAccepted)
	return id
}

// deliverAs sends ev under delivery id and checks the status code.
func (e *e2e) deliverAs(id string, ev githubtest.Event, want int) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eWait)
	defer cancel()
	resp, err := githubtest.Deliver(ctx, e.url, e.secret, id, ev)
	if err != nil {
		e.t.Fatalf("delivering %s: %v", ev.Name, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		e.t.Fatalf("delivery %s (%s): status %d (%s), want %d", id, ev.Name, resp.StatusCode, bytes.TrimSpace(body), want)
	}
}

// post sends a raw request to the webhook, for malformed deliveries.
func (e *e2e) post(body []byte, header map[string]string) int {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("posting: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (e *e2e) prEvent(number int, action string) githubtest.Event {
	e.t.Helper()
	ev, err := e.gh.PullRequestEvent(e2eOwner, e2eName, number, action)
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

// review submits a review by user at the pull request's current head and
// delivers its webhook.
func (e *e2e) review(number int, user, state string) int64 {
	e.t.Helper()
	id := e.gh.AddReview(e2eOwner, e2eName, number, user, state, e.headOf(number))
	ev, err := e.gh.ReviewEvent(e2eOwner, e2eName, number, id, "submitted")
	if err != nil {
		e.t.Fatal(err)
	}
	e.deliver(ev)
	return id
}

// pressApprove delivers a press of the run's Approve button by user.
func (e *e2e) pressApprove(runID int64, user string) {
	e.t.Helper()
	ev, err := e.gh.CheckRunEvent(e2eOwner, e2eName, runID, "requested_action", approveAction.Identifier, user)
	if err != nil {
		e.t.Fatal(err)
	}
	e.deliver(ev)
}

func (e *e2e) headOf(number int) string {
	e.t.Helper()
	ev := e.prEvent(number, "opened")
	var pr struct {
		PullRequest struct {
			Head struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_request"`
	}
	if err := decode(ev.Payload, &pr); err != nil {
		e.t.Fatal(err)
	}
	return pr.PullRequest.Head.SHA
}

// idle reports whether the queue holds no job, waiting or running.
func (e *e2e) idle() bool { return queueIdle(e.srv) }

// queueIdle reports whether s has no job waiting or running.
func queueIdle(s *Server) bool {
	q := s.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending == 0 && len(q.running) == 0
}

// settle waits until the queue is idle and the run on sha is completed,
// then returns that run (the only one: more is a failure).
func (e *e2e) settle(sha string) *github.CheckRun {
	e.t.Helper()
	waitFor(e.t, "the check run on "+sha[:8]+" to complete", func() bool {
		if !e.idle() {
			return false
		}
		runs := e.runs(sha)
		if len(runs) == 0 {
			e.t.Fatalf("the queue is idle and %s has no check run", sha[:8])
		}
		return len(runs) > 0 && runs[len(runs)-1].GetStatus() == "completed"
	})
	runs := e.runs(sha)
	if len(runs) != 1 {
		e.t.Fatalf("check runs on %s: %d, want 1", sha[:8], len(runs))
	}
	return runs[0]
}

// waitIdle waits for the queue to empty, for deliveries expected to change nothing.
func (e *e2e) waitIdle() {
	e.t.Helper()
	waitFor(e.t, "the queue to be idle", e.idle)
}

func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(e2eWait)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runs lists our check runs on sha, as the fake holds them.
func (e *e2e) runs(sha string) []*github.CheckRun {
	var out []*github.CheckRun
	for _, r := range e.gh.CheckRuns(e2eOwner, e2eName) {
		if r.GetHeadSHA() == sha && r.GetName() == CheckName {
			out = append(out, r)
		}
	}
	return out
}

// botReviews are the reviews the bot posted on a pull request.
func (e *e2e) botReviews(number int) []*github.PullRequestReview {
	var out []*github.PullRequestReview
	for _, r := range e.gh.Reviews(e2eOwner, e2eName, number) {
		if r.GetUser().GetLogin() == e.bot {
			out = append(out, r)
		}
	}
	return out
}

// comments are the pull request's review comments as "path:line" (line 0
// for a file-level comment), with their bodies.
func (e *e2e) comments(number int) (where []string, bodies []string) {
	for _, c := range e.gh.ReviewComments(e2eOwner, e2eName, number) {
		where = append(where, fmt.Sprintf("%s:%d", c.GetPath(), c.GetLine()))
		bodies = append(bodies, c.GetBody())
	}
	return where, bodies
}

// runAnnotations are a run's annotations as "path:line rule".
func runAnnotations(r *github.CheckRun) []string {
	var out []string
	for _, a := range r.GetOutput().Annotations {
		out = append(out, fmt.Sprintf("%s:%d %s", a.GetPath(), a.GetStartLine(), strings.SplitN(a.GetTitle(), ":", 2)[0]))
	}
	return out
}

// requireEngine fails when the review engine reports itself incomplete.
func requireEngine(t testing.TB, r *github.CheckRun) {
	t.Helper()
	if s := r.GetOutput().GetSummary(); strings.Contains(s, "not implemented") {
		t.Fatalf("the review engine is incomplete: %s", firstLine(s, "not implemented"))
	}
}
