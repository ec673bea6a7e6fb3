// Command fakegithub runs the fake GitHub of package githubtest for local
// development: it serves one repository with a pull request between two
// directories, writes the environment for `kustoguard serve` to a file,
// optionally delivers a signed pull_request "opened" webhook to the server,
// takes approvals typed on standard input ("approve USER"), and on Ctrl-C
// (or "quit") prints the check runs and comments the bot left, as JSON on
// standard output.
//
//	go run ./bot/githubtest/fakegithub -base ./testdata/base -head ./testdata/head \
//	    -webhook http://127.0.0.1:8080/api/github/webhooks -secret dev-secret
package main

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/kustoguard/kustoguard/bot/githubtest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fakegithub:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	owner := flag.String("owner", "acme", "repository owner")
	name := flag.String("repo", "gitops", "repository name")
	inst := flag.Int64("installation", 1, "installation id")
	baseDir := flag.String("base", "", "directory with the base branch's files (required)")
	headDir := flag.String("head", "", "directory with the pull request's files (required)")
	keyOut := flag.String("key-out", filepath.Join(os.TempDir(), "kustoguard-fake-app.pem"), "where to write the App's private key")
	envOut := flag.String("env-out", filepath.Join(os.TempDir(), "kustoguard-fake.env"), "where to write the environment for kustoguard serve")
	webhook := flag.String("webhook", "", "webhook URL to deliver pull_request opened to (optional)")
	secret := flag.String("secret", "dev-secret", "webhook secret")
	flag.Parse()
	if *baseDir == "" || *headDir == "" {
		flag.Usage()
		return fmt.Errorf("-base and -head are required")
	}
	base, err := githubtest.ReadTree(*baseDir)
	if err != nil {
		return err
	}
	head, err := githubtest.ReadTree(*headDir)
	if err != nil {
		return err
	}

	s, err := githubtest.NewAt(*addr)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := os.WriteFile(*keyOut, s.PrivateKeyPEM, 0o600); err != nil {
		return fmt.Errorf("writing the key: %w", err)
	}
	baseSHA, headSHA := treeSHA(base), treeSHA(head)
	s.AddRepo(*owner, *name, *inst)
	s.SetTree(*owner, *name, baseSHA, base)
	s.SetTree(*owner, *name, headSHA, head)
	s.OpenPR(*owner, *name, githubtest.PR{Number: 1, Author: "developer", BaseRef: "main", BaseSHA: baseSHA, HeadSHA: headSHA})

	env := fmt.Sprintf("KUSTOGUARD_APP_ID=%d\nKUSTOGUARD_PRIVATE_KEY_FILE=%s\nKUSTOGUARD_GITHUB_API_URL=%s\nKUSTOGUARD_WEBHOOK_SECRET=%s\n",
		s.AppID, *keyOut, s.URL(), *secret)
	if err := os.WriteFile(*envOut, []byte(env), 0o600); err != nil {
		return fmt.Errorf("writing the environment: %w", err)
	}
	slog.Info("fake GitHub listening; environment for kustoguard serve written", "url", s.URL(), "env_file", *envOut)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *webhook != "" {
		if err := deliverWhenUp(ctx, s, *webhook, *secret, *owner, *name); err != nil {
			return err
		}
		go reportCheckRun(ctx, s, *owner, *name, "")
		slog.Info(`type "approve USER" to submit an APPROVED review as USER (made a repository admin), "quit" to stop`)
		go readCommands(ctx, stop, os.Stdin, s, *webhook, *secret, *owner, *name, headSHA)
	}
	<-ctx.Done()

	out := map[string]any{
		"checkRuns":      s.CheckRuns(*owner, *name),
		"reviews":        s.Reviews(*owner, *name, 1),
		"reviewComments": s.ReviewComments(*owner, *name, 1),
		"issueComments":  s.IssueComments(*owner, *name, 1),
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// deliverWhenUp sends the pull request's "opened" webhook, retrying while
// the server is not listening yet (it is usually started after this fake,
// with the environment printed above).
func deliverWhenUp(ctx context.Context, s *githubtest.Server, webhook, secret, owner, name string) error {
	ev, err := s.PullRequestEvent(owner, name, 1, "opened")
	if err != nil {
		return err
	}
	id := fmt.Sprintf("fake-%d", time.Now().UnixNano())
	slog.Info("waiting for the server to take the webhook", "url", webhook)
	for {
		resp, err := githubtest.Deliver(ctx, webhook, []byte(secret), id, ev)
		if err == nil {
			resp.Body.Close()
			slog.Info("delivered pull_request opened", "status", resp.StatusCode)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("delivering the webhook: %w", err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// readCommands takes approvals from r, one command a line: "approve USER"
// records an APPROVED review by USER at the head (USER becomes an admin of
// the repository, so the default approver rule accepts them) and delivers
// its pull_request_review webhook; "quit" stops the fake.
func readCommands(ctx context.Context, stop func(), r io.Reader, s *githubtest.Server, webhook, secret, owner, name, headSHA string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 0:
		case f[0] == "quit":
			stop()
			return
		case f[0] == "approve" && len(f) == 2:
			prev := ""
			if run := latestCompleted(s, owner, name); run != nil {
				prev = run.GetOutput().GetTitle()
			}
			s.SetPermission(owner, name, f[1], "admin")
			id := s.AddReview(owner, name, 1, f[1], "APPROVED", headSHA)
			ev, err := s.ReviewEvent(owner, name, 1, id, "submitted")
			if err == nil {
				var resp *http.Response
				if resp, err = githubtest.Deliver(ctx, webhook, []byte(secret), fmt.Sprintf("fake-review-%d", id), ev); err == nil {
					resp.Body.Close()
					slog.Info("delivered pull_request_review submitted", "user", f[1], "status", resp.StatusCode)
					go reportCheckRun(ctx, s, owner, name, prev)
				}
			}
			if err != nil {
				slog.Error("approving", "user", f[1], "err", err)
			}
		default:
			slog.Warn(`unknown command; use "approve USER" or "quit"`, "line", sc.Text())
		}
	}
}

// reportCheckRun logs the kustoguard check run once it is completed with a
// title other than prev (the title after an earlier report, so that an
// approval's re-evaluation is reported too).
func reportCheckRun(ctx context.Context, s *githubtest.Server, owner, name, prev string) {
	for {
		if run := latestCompleted(s, owner, name); run != nil && run.GetOutput().GetTitle() != prev {
			// The review follows the check run (mutations are paced).
			for i := 0; i < 50 && len(s.Reviews(owner, name, 1)) == 0 && ctx.Err() == nil; i++ {
				time.Sleep(100 * time.Millisecond)
			}
			slog.Info("check run completed", "conclusion", run.GetConclusion(), "title", run.GetOutput().GetTitle(),
				"annotations", run.GetOutput().GetAnnotationsCount(), "reviews", len(s.Reviews(owner, name, 1)), "review_comments", len(s.ReviewComments(owner, name, 1)))
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// latestCompleted is the last completed check run, if any.
func latestCompleted(s *githubtest.Server, owner, name string) *github.CheckRun {
	var last *github.CheckRun
	for _, run := range s.CheckRuns(owner, name) {
		if run.GetStatus() == "completed" {
			last = run
		}
	}
	return last
}

// treeSHA names a tree by its content, so that the same directory always
// gets the same commit SHA.
func treeSHA(files map[string][]byte) string {
	h := sha1.New()
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(files[p]))
		h.Write(files[p])
	}
	return hex.EncodeToString(h.Sum(nil))
}
