package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
)

func TestProcess_conclusions(t *testing.T) {
	tests := []struct {
		name       string
		findings   []checks.Finding
		conclusion string
		title      string
		actions    int
	}{
		{name: "clean", conclusion: "success", title: "No rendered changes"},
		{name: "warningOnly", findings: []checks.Finding{finding("cpu-limit-missing", checks.Warning, false, "apps/api/deploy.yaml", 2, "no cpu limit")},
			conclusion: "success", title: "1 findings"},
		{name: "error", findings: []checks.Finding{finding("readiness-probe-missing", checks.Error, false, "apps/api/deploy.yaml", 2, "no probe")},
			conclusion: "failure", title: "1 findings"},
		{name: "rbacNeedsApproval", findings: []checks.Finding{rbacFinding("grants get secrets")},
			conclusion: "action_required", title: "Approval needed", actions: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.setResult(tc.findings...)
			h.mustProcess(h.job("pull_request", "opened"))
			r := h.assertRun(headSHA, tc.conclusion, tc.title)
			if len(r.run.Actions) != tc.actions {
				t.Errorf("actions: got %v, want %d", r.run.Actions, tc.actions)
			}
			if tc.actions == 1 && r.run.Actions[0] != approveAction {
				t.Errorf("action: got %+v, want %+v", r.run.Actions[0], approveAction)
			}
			if r.run.ExternalID == "" || r.run.StartedAt.IsZero() {
				t.Errorf("run created without external id or start time: %+v", r.run)
			}
			if got := len(r.annotations); got != len(tc.findings) {
				t.Errorf("annotations: got %d, want %d", got, len(tc.findings))
			}
			for _, stage := range []string{"fetch", "render", "report"} {
				if h.stages[stage] != 1 {
					t.Errorf("stage %s observed %d times, want 1", stage, h.stages[stage])
				}
			}
		})
	}
}

func TestProcess_fetch(t *testing.T) {
	t.Run("mergeCommitIsTheHeadSide", func(t *testing.T) {
		h := newHarness(t)
		h.gh.setTree(mergeSHA, map[string]string{"merged.yaml": "x"})
		h.gh.prs[prNumber].MergeSHA = mergeSHA
		h.mustProcess(h.job("pull_request", "opened"))
		in := h.inputs[0]
		if _, ok := in.Head.ReadFile("merged.yaml"); !ok {
			t.Errorf("head tree is not the test merge: %v", in.Head.Files())
		}
		if _, ok := in.Base.ReadFile("apps/api/deploy.yaml"); !ok || in.BaseName != "main" || in.HeadName != short(headSHA) {
			t.Errorf("base %v named %s, head named %s", in.Base.Files(), in.BaseName, in.HeadName)
		}
	})
	t.Run("renamesGiveBothPaths", func(t *testing.T) {
		h := newHarness(t)
		h.gh.files[prNumber] = []ChangedFile{{Path: "b/new.yaml", PreviousPath: "a/old.yaml", Status: "renamed"}, {Path: "c.yaml", Status: "modified"}}
		h.mustProcess(h.job("pull_request", "opened"))
		if got := strings.Join(h.inputs[0].Changed, ","); got != "a/old.yaml,b/new.yaml,c.yaml" {
			t.Errorf("changed paths: %s", got)
		}
	})
	t.Run("pastTheFileCapComparesTrees", func(t *testing.T) {
		h := newHarness(t)
		h.gh.tooMany[prNumber] = true
		h.gh.files[prNumber] = append(h.gh.files[prNumber], ChangedFile{Path: "z.yaml", Status: "added"})
		h.mustProcess(h.job("pull_request", "opened"))
		in := h.inputs[0]
		want := render.ChangedFiles(in.Base, in.Head)
		if strings.Join(in.Changed, ",") != strings.Join(want, ",") {
			t.Errorf("changed %v, want the trees' difference %v", in.Changed, want)
		}
	})
	t.Run("baseTarballFetchedOnceForTwoPRs", func(t *testing.T) {
		h := newHarness(t)
		h.gh.openPR(PullRequest{Number: 13, Author: "dev", BaseRef: "main", BaseSHA: baseSHA, HeadSHA: head2SHA}, nil)
		h.mustProcess(h.job("pull_request", "opened"))
		h.mustProcess(Job{Repo: testRepo, Number: 13, HeadSHA: head2SHA, Event: "pull_request", Action: "opened"})
		if n := h.gh.tarballs[baseSHA]; n != 1 {
			t.Errorf("base tarball fetched %d times, want 1", n)
		}
		if h.gh.tarballs[headSHA] != 1 || h.gh.tarballs[head2SHA] != 1 {
			t.Errorf("head tarballs: %v", h.gh.tarballs)
		}
	})
	t.Run("staleJobWorksOnCurrentHead", func(t *testing.T) {
		h := newHarness(t)
		h.gh.push(prNumber, head2SHA, nil)
		h.mustProcess(h.job("pull_request", "synchronize")) // names headSHA
		if len(h.gh.checkRuns(headSHA)) != 0 {
			t.Errorf("a run was created on the superseded head")
		}
		h.assertRun(head2SHA, "success", "")
	})
	t.Run("closedPRIsLeftAlone", func(t *testing.T) {
		h := newHarness(t)
		h.gh.prs[prNumber].State = "closed"
		h.mustProcess(h.job("pull_request", "synchronize"))
		if len(h.gh.checkRuns(headSHA)) != 0 || h.gh.callCount("Tarball") != 0 {
			t.Errorf("closed pull request was reviewed")
		}
	})
}

func TestProcess_userErrorsAreResults(t *testing.T) {
	t.Run("invalidConfig", func(t *testing.T) {
		h := newHarness(t)
		h.gh.trees[baseSHA][checks.ConfigPath] = []byte("invalid: yes\n")
		h.mustProcess(h.job("pull_request", "opened"))
		r := h.assertRun(headSHA, "failure", "Invalid .github/kustoguard.yml")
		if !strings.Contains(r.run.Output.Summary, `line 3: unknown key "scop"`) {
			t.Errorf("summary does not name the line:\n%s", r.run.Output.Summary)
		}
		if len(h.gh.created[prNumber]) != 0 {
			t.Errorf("a review was posted for a configuration error")
		}
	})
	t.Run("treeOverLimits", func(t *testing.T) {
		h := newHarness(t)
		h.p.eng.loadTree = func(io.Reader, render.Limits) (*render.Tree, error) {
			return nil, errors.New("apps/big.yaml: file exceeds the 8 MiB limit")
		}
		h.mustProcess(h.job("pull_request", "opened"))
		r := h.assertRun(headSHA, "failure", "kustoguard could not load the repository")
		if !strings.Contains(r.run.Output.Summary, "8 MiB limit") {
			t.Errorf("summary does not name the limit:\n%s", r.run.Output.Summary)
		}
	})
}

func TestProcess_faults(t *testing.T) {
	boom := errors.New("502 Bad Gateway")
	for _, method := range []string{"FileContent", "ChangedFiles", "Tarball", "Reviews", "IssueComments", "TeamMember"} {
		t.Run(method, func(t *testing.T) {
			h := newHarness(t)
			h.setResult(rbacFinding("grants get secrets"))
			h.setConfig(&checks.Config{Approvers: []checks.Approvers{{Teams: []string{"acme/sec"}}}})
			h.gh.addReview(prNumber, "bob", "APPROVED", headSHA)
			h.gh.failNext(method, boom)
			err := h.process(h.job("pull_request", "opened"))
			if !errors.Is(err, boom) {
				t.Fatalf("Process returned %v, want the GitHub error", err)
			}
			r := h.assertRun(headSHA, "failure", "kustoguard could not finish the review")
			if !strings.Contains(r.run.Output.Summary, "Re-run the check to try again") || !strings.Contains(r.run.Output.Summary, "502") {
				t.Errorf("summary:\n%s", r.run.Output.Summary)
			}
			// A re-run completes the same run.
			h.mustProcess(h.job("check_run", "rerequested"))
			h.assertRun(headSHA, "action_required", "")
		})
	}
	t.Run("engineError", func(t *testing.T) {
		h := newHarness(t)
		h.reviewF = func(context.Context, checks.ReviewInput) (*checks.Result, error) {
			return nil, errors.New("rendering: out of budget")
		}
		if err := h.process(h.job("pull_request", "opened")); err == nil {
			t.Fatal("no error returned")
		}
		h.assertRun(headSHA, "failure", "kustoguard could not finish the review")
	})
	t.Run("shutdownQueuesRunForRecovery", func(t *testing.T) {
		h := newHarness(t)
		ctx, cancel := context.WithCancel(context.Background())
		h.reviewF = func(context.Context, checks.ReviewInput) (*checks.Result, error) {
			cancel()
			return nil, context.Canceled
		}
		if err := h.p.Process(ctx, h.job("pull_request", "opened")); !errors.Is(err, context.Canceled) {
			t.Fatalf("Process returned %v", err)
		}
		if r := h.run(headSHA); r.run.Status != "queued" {
			t.Errorf("status %s, want queued (handed back for recovery)", r.run.Status)
		}
	})
	t.Run("shutdownHandBackFailsRunStaysInProgress", func(t *testing.T) {
		h := newHarness(t)
		ctx, cancel := context.WithCancel(context.Background())
		h.reviewF = func(context.Context, checks.ReviewInput) (*checks.Result, error) {
			cancel()
			h.gh.failNext("CheckRuns", boom)
			return nil, context.Canceled
		}
		if err := h.p.Process(ctx, h.job("pull_request", "opened")); !errors.Is(err, context.Canceled) {
			t.Fatalf("Process returned %v", err)
		}
		if r := h.run(headSHA); r.run.Status != "in_progress" {
			t.Errorf("status %s, want in_progress (recovered after the grace period)", r.run.Status)
		}
	})
	t.Run("reviewPostFailsAfterCompletion", func(t *testing.T) {
		h := newHarness(t)
		h.setResult(finding("readiness-probe-missing", checks.Error, false, "apps/api/deploy.yaml", 2, "no probe"))
		h.gh.failNext("CreateReview", boom)
		if err := h.process(h.job("pull_request", "opened")); !errors.Is(err, boom) {
			t.Fatalf("Process returned %v", err)
		}
		h.assertRun(headSHA, "failure", "1 findings")
		h.mustProcess(h.job("pull_request", "opened")) // redelivery posts it
		if n := len(h.gh.created[prNumber]); n != 1 {
			t.Errorf("reviews: %d, want 1", n)
		}
	})
}

func TestProcess_annotationBatches(t *testing.T) {
	h := newHarness(t)
	var fs []checks.Finding
	for i := range 120 {
		fs = append(fs, finding("cpu-limit-missing", checks.Warning, false, "apps/api/deploy.yaml", i+1, fmt.Sprintf("c%03d", i)))
	}
	h.setResult(fs...)
	h.mustProcess(h.job("pull_request", "opened"))
	r := h.assertRun(headSHA, "success", "120 findings")
	if len(r.annotations) != 120 {
		t.Fatalf("annotations: %d, want 120", len(r.annotations))
	}
	var sizes []int
	for i, u := range r.updates {
		if u.Output != nil {
			sizes = append(sizes, len(u.Output.Annotations))
		}
		if u.Status == "completed" && i != len(r.updates)-1 {
			t.Errorf("completed before the last batch")
		}
	}
	if fmt.Sprint(sizes) != "[50 50 20]" {
		t.Errorf("batches %v, want [50 50 20]", sizes)
	}
	// A re-evaluation with the same inputs does not add them again.
	h.mustProcess(h.job("check_suite", "rerequested"))
	if r := h.run(headSHA); len(r.annotations) != 120 {
		t.Errorf("after re-run: %d annotations, want 120", len(r.annotations))
	}
}

func TestProcess_idempotent(t *testing.T) {
	t.Run("redelivery", func(t *testing.T) {
		h := newHarness(t)
		h.setResult(finding("readiness-probe-missing", checks.Error, false, "apps/api/deploy.yaml", 2, "no probe"))
		for range 3 {
			h.mustProcess(h.job("pull_request", "opened"))
		}
		h.mustProcess(h.job("check_suite", "rerequested"))
		h.assertRun(headSHA, "failure", "")
		if n := len(h.gh.created[prNumber]); n != 1 {
			t.Errorf("reviews: %d, want 1", n)
		}
		if n := len(h.gh.rcs[prNumber]); n != 1 {
			t.Errorf("review comments: %d, want 1", n)
		}
	})
	t.Run("findingAlreadyCommentedAtEarlierHead", func(t *testing.T) {
		h := newHarness(t)
		h.setResult(finding("readiness-probe-missing", checks.Error, false, "apps/api/deploy.yaml", 2, "no probe"))
		h.mustProcess(h.job("pull_request", "opened"))
		h.gh.push(prNumber, head2SHA, nil)
		h.mustProcess(h.job("pull_request", "synchronize"))
		h.assertRun(head2SHA, "failure", "")
		if n := len(h.gh.rcs[prNumber]); n != 1 {
			t.Errorf("review comments: %d, want 1", n)
		}
	})
	t.Run("headMovedOnBeforePosting", func(t *testing.T) {
		// A push lands while the review of the older head is about to
		// post: that review would be outdated, and the newer head's review
		// may be listing the comments right now. The run is still
		// completed for its head; the newer head's review comments.
		h := newHarness(t)
		h.setResult(finding("readiness-probe-missing", checks.Error, false, "apps/api/deploy.yaml", 2, "no probe"))
		var pushed sync.Once
		h.gh.before = func(method string) {
			if method == "ReviewComments" {
				pushed.Do(func() { h.gh.push(prNumber, head2SHA, nil) })
			}
		}
		h.mustProcess(h.job("pull_request", "opened"))
		h.assertRun(headSHA, "failure", "")
		if n := len(h.gh.created[prNumber]); n != 0 {
			t.Fatalf("reviews of the outdated head: %d, want 0", n)
		}
		h.mustProcess(Job{Repo: testRepo, Number: prNumber, HeadSHA: head2SHA, Event: "pull_request", Action: "synchronize"})
		h.assertRun(head2SHA, "failure", "")
		if n, c := len(h.gh.created[prNumber]), len(h.gh.rcs[prNumber]); n != 1 || c != 1 {
			t.Errorf("after the newer head's review: %d reviews and %d comments, want 1 and 1", n, c)
		}
	})
	t.Run("twoReplicas", func(t *testing.T) {
		// Replica A creates the run and is mid-review when replica B gets
		// the same job: B must adopt A's run and A must not post a second
		// review after B did.
		h := newHarness(t)
		h.setResult(finding("readiness-probe-missing", checks.Error, false, "apps/api/deploy.yaml", 2, "no probe"))
		a, b := h.p, h.pipeline()
		release := make(chan struct{})
		var once sync.Once
		reviewing := make(chan struct{})
		h.reviewF = func(ctx context.Context, in checks.ReviewInput) (*checks.Result, error) {
			first := false
			once.Do(func() { first = true })
			if first {
				close(reviewing)
				<-release
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			cp := *h.result
			return &cp, nil
		}
		errs := make(chan error, 2)
		go func() { errs <- a.Process(context.Background(), h.job("pull_request", "opened")) }()
		<-reviewing
		errs <- b.Process(context.Background(), h.job("check_suite", "rerequested"))
		close(release)
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		h.assertRun(headSHA, "failure", "")
		if n := len(h.gh.created[prNumber]); n != 1 {
			t.Errorf("reviews: %d, want 1", n)
		}
	})
	t.Run("jobsOfOnePRAreSerialized", func(t *testing.T) {
		h := newHarness(t)
		var mu sync.Mutex
		active, most := 0, 0
		h.reviewF = func(context.Context, checks.ReviewInput) (*checks.Result, error) {
			mu.Lock()
			active++
			most = max(most, active)
			mu.Unlock()
			defer func() { mu.Lock(); active--; mu.Unlock() }()
			return &checks.Result{}, nil
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { _ = h.process(h.job("pull_request", "synchronize")) })
		}
		wg.Wait()
		if most != 1 {
			t.Errorf("%d reviews of one pull request ran at once", most)
		}
		h.assertRun(headSHA, "success", "")
	})
}

func TestProcess_enginePanics(t *testing.T) {
	h := newHarness(t)
	h.reviewF = func(context.Context, checks.ReviewInput) (*checks.Result, error) { panic("index out of range") }
	if err := h.process(h.job("pull_request", "opened")); err == nil {
		t.Fatal("no error returned")
	}
	r := h.assertRun(headSHA, "failure", "kustoguard could not finish the review")
	if !strings.Contains(r.run.Output.Summary, "index out of range") {
		t.Errorf("summary:\n%s", r.run.Output.Summary)
	}
}

// TestProcess_replicaRace runs two replicas on the same jobs at the same
// moment. The list-then-create window means GitHub may end up with two runs
// for one head; the guarantee is that they never disagree, now or after a
// later evaluation on either replica.
func TestProcess_replicaRace(t *testing.T) {
	h := newHarness(t)
	h.setConfig(&checks.Config{Approvers: []checks.Approvers{{Users: []string{"alice"}}}})
	h.setResult(rbacFinding("grants get secrets"))
	a, b := h.p, h.pipeline()
	const prs = 16
	head := func(n int) string { return fmt.Sprintf("%040d", n) }
	for n := 100; n < 100+prs; n++ {
		h.gh.setTree(head(n), map[string]string{"apps/api/deploy.yaml": "kind: Deployment\n"})
		h.gh.openPR(PullRequest{Number: n, Author: "dev", BaseRef: "main", BaseSHA: baseSHA, HeadSHA: head(n)}, h.gh.files[prNumber])
	}
	race := func(event, action string) {
		var wg sync.WaitGroup
		for n := 100; n < 100+prs; n++ {
			for _, p := range []*Pipeline{a, b} {
				wg.Go(func() {
					job := Job{Repo: testRepo, Number: n, HeadSHA: head(n), Event: event, Action: action}
					if err := p.Process(context.Background(), job); err != nil {
						t.Error(err)
					}
				})
			}
		}
		wg.Wait()
	}
	race("pull_request", "opened")
	for n := 100; n < 100+prs; n++ {
		for _, r := range h.gh.checkRuns(head(n)) {
			if r.run.Conclusion != "action_required" {
				t.Errorf("PR %d run %d: %s, want action_required", n, r.run.ID, r.run.Conclusion)
			}
		}
		h.gh.addReview(n, "alice", "APPROVED", head(n))
	}
	race("pull_request_review", "submitted")
	dups, reviews := 0, 0
	for n := 100; n < 100+prs; n++ {
		runs := h.gh.checkRuns(head(n))
		dups += len(runs) - 1
		reviews += len(h.gh.created[n])
		for _, r := range runs {
			if r.run.Status != "completed" || r.run.Conclusion != "success" {
				t.Errorf("PR %d run %d: %s %s, want completed success", n, r.run.ID, r.run.Status, r.run.Conclusion)
			}
		}
	}
	t.Logf("%d pull requests, each processed by two replicas at once: %d duplicate check runs, %d reviews", prs, dups, reviews)
}
