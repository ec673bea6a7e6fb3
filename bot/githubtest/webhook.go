package githubtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"github.com/google/go-github/v60/github"
)

// Event is a webhook delivery as GitHub sends it: the X-GitHub-Event name
// and the JSON payload.
type Event struct {
	Name    string
	Payload []byte
}

// Sign returns the X-Hub-Signature-256 value of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Deliver posts an event to a webhook URL with GitHub's headers, signed
// with secret; deliveryID goes in X-GitHub-Delivery.
func Deliver(ctx context.Context, url string, secret []byte, deliveryID string, ev Event) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(ev.Payload))
	if err != nil {
		return nil, fmt.Errorf("delivering %s: %w", ev.Name, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/fake")
	req.Header.Set("X-GitHub-Event", ev.Name)
	req.Header.Set("X-GitHub-Delivery", deliveryID)
	req.Header.Set("X-Hub-Signature-256", Sign(secret, ev.Payload))
	return http.DefaultClient.Do(req)
}

// webhookContext is what every payload carries; s.mu is held.
func (s *Server) webhookContext(rp *repo) (*github.Repository, *github.Installation) {
	full := rp.owner + "/" + rp.name
	return &github.Repository{Name: github.String(rp.name), FullName: &full, Owner: &github.User{Login: github.String(rp.owner)}},
		&github.Installation{ID: github.Int64(rp.installation)}
}

func marshal(name string, v any) Event {
	b, _ := json.Marshal(v) // go-github types always marshal
	return Event{Name: name, Payload: b}
}

// PullRequestEvent is a pull_request event (opened, synchronize, reopened,
// ...) for the pull request as it is now; sender is its author.
func (s *Server) PullRequestEvent(owner, name string, number int, action string) (Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, p := s.repos[owner+"/"+name], s.pull(owner, name, number)
	if p == nil {
		return Event{}, fmt.Errorf("pull request %s/%s#%d: %w", owner, name, number, fs.ErrNotExist)
	}
	r, in := s.webhookContext(rp)
	return marshal("pull_request", &github.PullRequestEvent{
		Action: &action, Number: &number, PullRequest: prJSON(rp, p), Repo: r, Installation: in,
		Sender: &github.User{Login: github.String(p.Author)},
	}), nil
}

// ReviewEvent is a pull_request_review event for a review added with
// AddReview (action submitted or dismissed).
func (s *Server) ReviewEvent(owner, name string, number int, reviewID int64, action string) (Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, p := s.repos[owner+"/"+name], s.pull(owner, name, number)
	if p == nil {
		return Event{}, fmt.Errorf("pull request %s/%s#%d: %w", owner, name, number, fs.ErrNotExist)
	}
	for _, rv := range p.reviews {
		if rv.GetID() == reviewID {
			r, in := s.webhookContext(rp)
			return marshal("pull_request_review", &github.PullRequestReviewEvent{
				Action: &action, Review: rv, PullRequest: prJSON(rp, p), Repo: r, Installation: in, Sender: rv.User,
			}), nil
		}
	}
	return Event{}, fmt.Errorf("review %d: %w", reviewID, fs.ErrNotExist)
}

// CheckRunEvent is a check_run event on a recorded run: action rerequested,
// or requested_action with the button's identifier, pressed by sender.
func (s *Server) CheckRunEvent(owner, name string, runID int64, action, identifier, sender string) (Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[owner+"/"+name]
	if rp == nil {
		return Event{}, fmt.Errorf("repository %s/%s: %w", owner, name, fs.ErrNotExist)
	}
	for _, cr := range rp.checkRuns {
		if cr.run.GetID() != runID {
			continue
		}
		run := cr.listed()
		for _, p := range rp.pulls {
			if p.HeadSHA == run.GetHeadSHA() {
				run.PullRequests = append(run.PullRequests, prJSON(rp, p))
			}
		}
		r, in := s.webhookContext(rp)
		ev := &github.CheckRunEvent{Action: &action, CheckRun: run, Repo: r, Installation: in,
			Sender: &github.User{Login: &sender}}
		if identifier != "" {
			ev.RequestedAction = &github.RequestedAction{Identifier: identifier}
		}
		return marshal("check_run", ev), nil
	}
	return Event{}, fmt.Errorf("check run %d: %w", runID, fs.ErrNotExist)
}

// ReadTree reads a directory into a tree for SetTree, with "/"-separated
// paths relative to dir; .git is skipped.
func ReadTree(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading tree %s: %w", dir, err)
	}
	return files, nil
}

// CheckSuiteEvent is a check_suite event of the App's suite on headSHA
// (action rerequested when someone presses "Re-run all checks"), listing
// the open pull requests with that head, as GitHub does.
func (s *Server) CheckSuiteEvent(owner, name, headSHA, action, sender string) (Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[owner+"/"+name]
	if rp == nil {
		return Event{}, fmt.Errorf("repository %s/%s: %w", owner, name, fs.ErrNotExist)
	}
	suite := &github.CheckSuite{
		HeadSHA: &headSHA,
		App:     &github.App{ID: github.Int64(s.AppID), Slug: github.String(s.AppSlug)},
	}
	for _, p := range rp.pulls {
		if p.HeadSHA == headSHA {
			suite.PullRequests = append(suite.PullRequests, prJSON(rp, p))
		}
	}
	r, in := s.webhookContext(rp)
	return marshal("check_suite", &github.CheckSuiteEvent{Action: &action, CheckSuite: suite, Repo: r,
		Installation: in, Sender: &github.User{Login: &sender}}), nil
}
