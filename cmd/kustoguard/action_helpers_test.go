package main

import (
	"bufio"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

// The Actions harness: the kustoguard binary, built once per test run, run
// as a workflow step runs it — the Actions environment, the event payload in
// a file, a token the fake GitHub issued — against the fake GitHub.

const (
	stepOwner    = "acme"
	stepName     = "shop"
	stepInstall  = 91
	stepAuthor   = "dev"
	stepApprover = "sec-lead" // a member of acme/platform-security
	stepBaseSHA  = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb01"
	// stepBot is who a workflow's GITHUB_TOKEN posts as: the fake is set up
	// as the github-actions App, whose installation tokens those are.
	stepBot = "github-actions[bot]"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// kustoguardBinary builds cmd/kustoguard into a temporary directory once.
func kustoguardBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kustoguard-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "kustoguard")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// TestMain removes the binary built for the Actions tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// actionRepo is the fake GitHub holding acme/shop, seen by a workflow.
type actionRepo struct {
	t  *testing.T
	gh *githubtest.Server
}

func newActionRepo(t *testing.T) *actionRepo {
	t.Helper()
	gh := githubtest.New()
	t.Cleanup(gh.Close)
	gh.AppSlug = "github-actions" // set before any request, and before AddRepo locks
	gh.AddRepo(stepOwner, stepName, stepInstall)
	gh.AddTeamMember("acme", "platform-security", stepApprover)
	gh.SetPermission(stepOwner, stepName, stepAuthor, "write")
	gh.SetTree(stepOwner, stepName, stepBaseSHA, shopSide(t, "base"))
	return &actionRepo{t: t, gh: gh}
}

// shopSide reads the shop repository's fixture side, shared with the App's
// end-to-end tests.
func shopSide(t *testing.T, side string) map[string][]byte {
	t.Helper()
	files, err := githubtest.ReadTree(filepath.Join("..", "..", "bot", "testdata", "repos", "shop", side))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// openPR opens pull request number from main to the side's tree and
// returns its head.
func (r *actionRepo) openPR(number int, side string) string {
	r.t.Helper()
	head := fmt.Sprintf("%x", sha1.Sum([]byte(fmt.Sprintf("%s/%d", side, number))))
	r.gh.SetTree(stepOwner, stepName, head, shopSide(r.t, side))
	r.gh.OpenPR(stepOwner, stepName, githubtest.PR{Number: number, Author: stepAuthor, BaseRef: "main",
		BaseSHA: stepBaseSHA, HeadSHA: head})
	return head
}

func (r *actionRepo) prEvent(number int, action string) githubtest.Event {
	r.t.Helper()
	ev, err := r.gh.PullRequestEvent(stepOwner, stepName, number, action)
	if err != nil {
		r.t.Fatal(err)
	}
	return ev
}

// review submits a review and returns its pull_request_review event.
func (r *actionRepo) review(number int, user, state, head string) githubtest.Event {
	r.t.Helper()
	id := r.gh.AddReview(stepOwner, stepName, number, user, state, head)
	ev, err := r.gh.ReviewEvent(stepOwner, stepName, number, id, "submitted")
	if err != nil {
		r.t.Fatal(err)
	}
	return ev
}

// run is the head's kustoguard check run; nil when there is none.
func (r *actionRepo) run(head string) *github.CheckRun {
	var found *github.CheckRun
	for _, cr := range r.gh.CheckRuns(stepOwner, stepName) {
		if cr.GetHeadSHA() == head && cr.GetName() == "kustoguard" {
			found = cr
		}
	}
	return found
}

// stepResult is what a step left: its exit status, log, job summary and
// outputs.
type stepResult struct {
	code           int
	stdout, stderr string
	summary        string
	outputs        map[string]string
}

// step runs `kustoguard action args...` for the event with token, as a
// workflow step would.
func (r *actionRepo) step(ev githubtest.Event, eventName, token string, args ...string) stepResult {
	r.t.Helper()
	dir := r.t.TempDir()
	eventPath := filepath.Join(dir, "event.json")
	if err := os.WriteFile(eventPath, ev.Payload, 0o644); err != nil {
		r.t.Fatal(err)
	}
	summaryPath, outputPath := filepath.Join(dir, "step_summary.md"), filepath.Join(dir, "output")
	workspace := filepath.Join(dir, "workspace")
	if err := os.Mkdir(workspace, 0o755); err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kustoguardBinary(r.t), append([]string{"action"}, args...)...)
	cmd.Dir = workspace
	cmd.Env = []string{
		"GITHUB_ACTIONS=true",
		"CI=true",
		"GITHUB_EVENT_NAME=" + eventName,
		"GITHUB_EVENT_PATH=" + eventPath,
		"GITHUB_REPOSITORY=" + stepOwner + "/" + stepName,
		"GITHUB_API_URL=" + strings.TrimSuffix(r.gh.URL(), "/"), // as the runner sets it
		"GITHUB_TOKEN=" + token,
		"GITHUB_WORKSPACE=" + workspace,
		"GITHUB_STEP_SUMMARY=" + summaryPath,
		"GITHUB_OUTPUT=" + outputPath,
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := stepResult{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		r.t.Fatalf("running kustoguard action: %v", err)
	}
	if b, err := os.ReadFile(summaryPath); err == nil {
		res.summary = string(b)
	}
	res.outputs = readOutputs(r.t, outputPath)
	return res
}

// readOutputs parses a GITHUB_OUTPUT file as the runner does: name=value
// lines and name<<DELIMITER blocks.
func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok {
			var val []string
			closed := false
			for sc.Scan() {
				if sc.Text() == delim {
					closed = true
					break
				}
				val = append(val, sc.Text())
			}
			if !closed {
				t.Fatalf("GITHUB_OUTPUT: %s has no closing delimiter %s", name, delim)
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		if name, val, ok := strings.Cut(line, "="); ok {
			out[name] = val
			continue
		}
		t.Fatalf("GITHUB_OUTPUT: malformed line %q", line)
	}
	return out
}

// logOf is a step's whole log, as the workflow run shows it.
func (s stepResult) logOf() string { return s.stdout + s.stderr }
