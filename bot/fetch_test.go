package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
)

func tree(t testing.TB, size int) *render.Tree {
	t.Helper()
	tr, err := render.FromFiles(map[string][]byte{"f": make([]byte, size)}, render.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestTreeCache(t *testing.T) {
	c := newTreeCache(100)
	var fetches atomic.Int32
	get := func(key string, size int) *render.Tree {
		t.Helper()
		tr, err := c.get(context.Background(), key, func(context.Context) (*render.Tree, error) {
			fetches.Add(1)
			return tree(t, size), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	a := get("a", 40)
	if get("a", 40) != a || fetches.Load() != 1 {
		t.Fatalf("second get fetched again: %d fetches", fetches.Load())
	}
	get("b", 40)
	get("a", 40) // a is now the most recent
	get("c", 40) // over budget: b goes
	if fetches.Load() != 3 {
		t.Fatalf("fetches %d, want 3", fetches.Load())
	}
	get("a", 40)
	if fetches.Load() != 3 {
		t.Errorf("a was evicted instead of b")
	}
	get("b", 40)
	if fetches.Load() != 4 {
		t.Errorf("b was not evicted")
	}
	get("huge", 500)
	get("huge", 500)
	if fetches.Load() != 6 || c.bytes > c.maxBytes {
		t.Errorf("a tree over the budget was cached: %d fetches, %d bytes", fetches.Load(), c.bytes)
	}
}

func TestTreeCache_sharesOneFetch(t *testing.T) {
	c := newTreeCache(1 << 20)
	var fetches atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := c.get(context.Background(), "k", func(context.Context) (*render.Tree, error) {
				fetches.Add(1)
				<-release
				return tree(t, 10), nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	for c.waiting("k") == 0 {
		runtime.Gosched() // until the first caller is fetching
	}
	close(release)
	wg.Wait()
	if fetches.Load() != 1 {
		t.Errorf("fetches: %d, want 1", fetches.Load())
	}
}

func TestTreeCache_errorsNotCached(t *testing.T) {
	c := newTreeCache(1 << 20)
	boom := errors.New("boom")
	if _, err := c.get(context.Background(), "k", func(context.Context) (*render.Tree, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	tr, err := c.get(context.Background(), "k", func(context.Context) (*render.Tree, error) { return tree(t, 1), nil })
	if err != nil || tr == nil {
		t.Errorf("retry after an error: %v", err)
	}
}

func TestExternalID(t *testing.T) {
	a := externalID(baseSHA, headSHA, blobSHA([]byte("scope: all\n")))
	if a != externalID(baseSHA, headSHA, blobSHA([]byte("scope: all\n"))) {
		t.Error("not stable")
	}
	for _, other := range []string{
		externalID(baseSHA, head2SHA, blobSHA([]byte("scope: all\n"))),
		externalID(headSHA, headSHA, blobSHA([]byte("scope: all\n"))),
		externalID(baseSHA, headSHA, blobSHA(nil)),
		unkeyedID(baseSHA, headSHA),
	} {
		if other == a {
			t.Errorf("collision: %s", other)
		}
	}
	if len(a) > 40 || !strings.HasPrefix(a, "kg1-") {
		t.Errorf("external id %q", a)
	}
	// git's id of "hello\n"
	if got := blobSHA([]byte("hello\n")); got != "ce013625030ba8dba906f756967f9e9ca394464a" {
		t.Errorf("blobSHA = %s", got)
	}
}

func BenchmarkProcess(b *testing.B) {
	for _, n := range []int{0, 120} {
		b.Run(fmt.Sprintf("findings=%d", n), func(b *testing.B) {
			h := newHarness(b)
			fs := make([]checks.Finding, 0, n)
			for i := range n {
				fs = append(fs, finding("cpu-limit-missing", checks.Warning, false, "apps/api/deploy.yaml", i%2+1, fmt.Sprintf("c%03d", i)))
			}
			h.setResult(fs...)
			b.Run("rerun", func(b *testing.B) {
				for range b.N {
					if err := h.process(h.job("pull_request", "synchronize")); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("newHead", func(b *testing.B) {
				for i := range b.N {
					sha := fmt.Sprintf("%040x", i+1)
					h.gh.setTree(sha, map[string]string{"apps/api/deploy.yaml": "kind: Deployment\n"})
					h.gh.push(prNumber, sha, nil)
					job := h.job("pull_request", "synchronize")
					job.HeadSHA = sha
					if err := h.process(job); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func BenchmarkRightLines(b *testing.B) {
	var p strings.Builder
	p.WriteString("@@ -1,2000 +1,2000 @@")
	for i := range 2000 {
		if i%3 == 0 {
			p.WriteString("\n-old")
		}
		p.WriteString("\n+new line of yaml: value")
	}
	patch := p.String()
	b.ResetTimer()
	for range b.N {
		rightLines(patch)
	}
}

// waiting reports how many fetches of key are in flight.
func (c *treeCache) waiting(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.inflight[key]; ok {
		return 1
	}
	return 0
}

// TestFakeGitHub_rejects checks that the fake refuses what GitHub refuses,
// so the pipeline tests would catch requests GitHub answers with 422.
func TestFakeGitHub_rejects(t *testing.T) {
	ctx := context.Background()
	gh := newFakeGitHub(testBot)
	gh.openPR(PullRequest{Number: 1, HeadSHA: headSHA}, []ChangedFile{{Path: "a.yaml", Patch: "@@ -1,2 +1,2 @@\n a\n-b\n+B"}})
	id, err := gh.CreateCheckRun(ctx, testRepo, CheckRun{Name: CheckName, HeadSHA: headSHA, Status: "in_progress"})
	if err != nil {
		t.Fatal(err)
	}
	many := make([]Annotation, 51)
	tests := map[string]error{
		"51 annotations": gh.UpdateCheckRun(ctx, testRepo, id, CheckRun{Status: "in_progress",
			Output: &CheckOutput{Title: "t", Summary: "s", Annotations: many}}),
		"completed without conclusion": gh.UpdateCheckRun(ctx, testRepo, id, CheckRun{Status: "completed"}),
		"conclusion while in progress": gh.UpdateCheckRun(ctx, testRepo, id, CheckRun{Status: "in_progress", Conclusion: "success"}),
		"output without title":         gh.UpdateCheckRun(ctx, testRepo, id, CheckRun{Output: &CheckOutput{Summary: "s"}}),
		"long action label":            gh.UpdateCheckRun(ctx, testRepo, id, CheckRun{Actions: []CheckAction{{Label: strings.Repeat("x", 21)}}}),
		"line outside diff": gh.CreateReview(ctx, testRepo, 1, Review{CommitSHA: headSHA, Event: "COMMENT",
			Comments: []ReviewComment{{Path: "a.yaml", Line: 3, Body: "x"}}}),
		"path not in PR": gh.CreateReview(ctx, testRepo, 1, Review{CommitSHA: headSHA, Event: "COMMENT",
			Comments: []ReviewComment{{Path: "b.yaml", Line: 1, Body: "x"}}}),
		"file comment not in PR": gh.CreateFileComment(ctx, testRepo, 1, headSHA, "b.yaml", "x"),
	}
	for name, err := range tests {
		if !errors.Is(err, errUnprocessable) {
			t.Errorf("%s: got %v, want 422", name, err)
		}
	}
	if err := gh.CreateReview(ctx, testRepo, 1, Review{CommitSHA: headSHA, Event: "COMMENT",
		Comments: []ReviewComment{{Path: "a.yaml", Line: 2, Body: "x"}}}); err != nil {
		t.Errorf("comment on an added line: %v", err)
	}
}
