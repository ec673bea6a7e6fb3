package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
	"github.com/kustoguard/kustoguard/report"
)

const (
	testBot  = "kustoguard[bot]"
	baseSHA  = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb1"
	headSHA  = "cccccccccccccccccccccccccccccccccccccc01"
	head2SHA = "cccccccccccccccccccccccccccccccccccccc02"
	mergeSHA = "dddddddddddddddddddddddddddddddddddddd01"
	prNumber = 12
)

var testRepo = Repo{Owner: "acme", Name: "gitops", InstallationID: 7}

// harness is a pipeline over a fakeGitHub with a hand-driven engine: the
// test decides the review result, and the report side follows the
// documented contracts of report.Build, report.Comments and
// checks.ApprovalFingerprint.
type harness struct {
	t  testing.TB
	gh *fakeGitHub
	p  *Pipeline

	mu      sync.Mutex
	result  *checks.Result
	inputs  []checks.ReviewInput
	config  *checks.Config
	stages  map[string]int
	reviewF func(ctx context.Context, in checks.ReviewInput) (*checks.Result, error)
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{t: t, gh: newFakeGitHub(testBot), result: &checks.Result{}, config: checks.DefaultConfig(), stages: map[string]int{}}
	h.gh.setTree(baseSHA, map[string]string{"apps/api/deploy.yaml": "kind: Deployment\n"})
	h.gh.setTree(headSHA, map[string]string{"apps/api/deploy.yaml": "kind: Deployment\nmetadata: {}\n"})
	h.gh.setTree(head2SHA, map[string]string{"apps/api/deploy.yaml": "kind: Deployment\nmetadata: {name: x}\n"})
	h.gh.openPR(PullRequest{Number: prNumber, Author: "dev", BaseRef: "main", BaseSHA: baseSHA, HeadSHA: headSHA},
		[]ChangedFile{{Path: "apps/api/deploy.yaml", Status: "modified", Patch: "@@ -1,1 +1,2 @@\n kind: Deployment\n+metadata: {}"}})
	h.p = h.pipeline()
	return h
}

// pipeline returns another pipeline (another replica) over the same fake.
func (h *harness) pipeline() *Pipeline {
	p := NewPipeline(PipelineConfig{
		Clients:  func(int64) (GitHub, error) { return h.gh, nil },
		BotLogin: testBot,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		// Sequential jobs on one head: the replicas' wait, at its default,
		// is the fleet tests' subject.
		ReviewSettle: 10 * time.Millisecond,
		ObserveStage: func(stage string, _ time.Duration) {
			h.mu.Lock()
			h.stages[stage]++
			h.mu.Unlock()
		},
	})
	p.eng.review = func(ctx context.Context, in checks.ReviewInput) (*checks.Result, error) {
		h.mu.Lock()
		h.inputs = append(h.inputs, in)
		f := h.reviewF
		res := h.result
		h.mu.Unlock()
		if f != nil {
			return f(ctx, in)
		}
		cp := *res
		cp.Findings = append([]checks.Finding(nil), res.Findings...)
		return &cp, nil
	}
	p.eng.parseConfig = func(data []byte) (*checks.Config, error) {
		if strings.HasPrefix(string(data), "invalid") {
			return nil, errors.New(`line 3: unknown key "scop"`)
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.config, nil
	}
	p.eng.fingerprint = testFingerprint
	p.eng.build = testBuild
	p.eng.comments = testComments
	p.eng.loadTree = render.LoadTarGz
	return p
}

func (h *harness) setResult(findings ...checks.Finding) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.result = &checks.Result{Base: "main", Head: "head", Findings: findings}
}

func (h *harness) setConfig(cfg *checks.Config) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.config = cfg
	h.gh.mu.Lock()
	h.gh.trees[baseSHA][checks.ConfigPath] = []byte("approvers: ...\n")
	h.gh.mu.Unlock()
}

func (h *harness) job(event, action string) Job {
	return Job{Repo: testRepo, Number: prNumber, HeadSHA: headSHA, Event: event, Action: action, DeliveryID: "d-1"}
}

func (h *harness) process(job Job) error {
	h.t.Helper()
	return h.p.Process(context.Background(), job)
}

func (h *harness) mustProcess(job Job) {
	h.t.Helper()
	if err := h.process(job); err != nil {
		h.t.Fatalf("Process: %v", err)
	}
}

// run returns the only check run on sha, failing when there is not exactly one.
func (h *harness) run(sha string) *fakeRun {
	h.t.Helper()
	runs := h.gh.checkRuns(sha)
	if len(runs) != 1 {
		h.t.Fatalf("check runs on %s: got %d, want 1", short(sha), len(runs))
	}
	return runs[0]
}

// assertRun checks the run's status, conclusion and title.
func (h *harness) assertRun(sha, conclusion, title string) *fakeRun {
	h.t.Helper()
	r := h.run(sha)
	h.gh.mu.Lock()
	defer h.gh.mu.Unlock()
	if r.run.Status != "completed" || r.run.Conclusion != conclusion {
		h.t.Errorf("check run: status %s conclusion %s, want completed %s", r.run.Status, r.run.Conclusion, conclusion)
	}
	if title != "" && (r.run.Output == nil || r.run.Output.Title != title) {
		got := "<no output>"
		if r.run.Output != nil {
			got = r.run.Output.Title
		}
		h.t.Errorf("check run title %q, want %q", got, title)
	}
	return r
}

// finding builds a new finding.
func finding(rule string, sev checks.Severity, approval bool, file string, line int, msg string) checks.Finding {
	return checks.Finding{
		Rule: rule, Severity: sev, Approval: approval, State: checks.New, Overlay: "apps/api",
		Object: render.ObjectID{APIVersion: "v1", Kind: "Thing", Namespace: "prod", Name: msg},
		File:   file, Line: line, Message: msg,
	}
}

func rbacFinding(msg string) checks.Finding {
	return finding("rbac-change", checks.Warning, true, "apps/api/deploy.yaml", 2, msg)
}

// testFingerprint follows checks.ApprovalFingerprint's contract: a hash of
// the flagged findings, empty when nothing needs approval.
func testFingerprint(findings []checks.Finding) string {
	var keys []string
	for _, f := range checks.NeedingApproval(findings) {
		keys = append(keys, f.Key())
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	return hex.EncodeToString(sum[:8])
}

func findingFingerprint(f checks.Finding) string {
	sum := sha256.Sum256([]byte(f.Key()))
	return hex.EncodeToString(sum[:8])
}

// testBuild follows report.Build's contract for conclusion, title and
// annotations.
func testBuild(r *checks.Result, a report.Approval) report.CheckRun {
	rep := report.CheckRun{Conclusion: report.Success, Title: fmt.Sprintf("%d findings", len(r.Findings)), Summary: "summary"}
	if len(r.Findings) == 0 {
		rep.Title = "No rendered changes"
	}
	for _, f := range r.Findings {
		if f.State == checks.New && f.Severity == checks.Error {
			rep.Conclusion = report.Failure
		}
		if f.File != "" && f.State != checks.Resolved {
			rep.Annotations = append(rep.Annotations, report.Annotation{Path: f.File, Line: f.Line, Level: report.LevelFailure, Title: f.Rule, Message: f.Message})
		}
	}
	switch {
	case !a.Approved():
		rep.Conclusion, rep.Title = report.ActionRequired, "Approval needed"
	case a.Required:
		rep.Title = "Approved by @" + strings.Join(a.By, ", @")
	}
	return rep
}

// testComments follows report.Comments' contract.
func testComments(r *checks.Result) []report.Comment {
	var out []report.Comment
	for _, f := range r.Findings {
		if f.State != checks.New || f.File == "" {
			continue
		}
		fp := findingFingerprint(f)
		out = append(out, report.Comment{Path: f.File, Line: f.Line, Fingerprint: fp,
			Body: fmt.Sprintf("**%s** %s\n\n<!-- kustoguard:fingerprint=%s -->", f.Rule, f.Message, fp)})
	}
	return out
}
