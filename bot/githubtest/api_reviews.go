package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/go-github/v60/github"
)

const (
	docCreateReview  = "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"
	docCreateComment = "https://docs.github.com/rest/pulls/comments#create-a-review-comment-for-a-pull-request"
	// msgNotInDiff is GitHub's wording for a comment outside the diff.
	msgNotInDiff = "Pull request review thread line must be part of the diff"
	msgNoPath    = "Path could not be resolved"
)

var reviewEvents = map[string]string{
	"APPROVE":         "APPROVED",
	"REQUEST_CHANGES": "CHANGES_REQUESTED",
	"COMMENT":         "COMMENTED",
	"PENDING":         "PENDING",
	"":                "PENDING",
}

type commentRequest struct {
	Path        *string `json:"path"`
	Body        *string `json:"body"`
	CommitID    *string `json:"commit_id"`
	Line        *int    `json:"line"`
	Side        *string `json:"side"`
	StartLine   *int    `json:"start_line"`
	StartSide   *string `json:"start_side"`
	Position    *int    `json:"position"`
	SubjectType *string `json:"subject_type"`
}

type reviewRequest struct {
	CommitID *string           `json:"commit_id"`
	Body     *string           `json:"body"`
	Event    *string           `json:"event"`
	Comments []*commentRequest `json:"comments"`
}

// checkComment applies GitHub's placement rules; it returns a message for
// the 422, or "".
func (p *pull) checkComment(c *commentRequest) string {
	path := deref(c.Path)
	if !slices.ContainsFunc(p.files, func(f *github.CommitFile) bool { return f.GetFilename() == path }) {
		return msgNoPath
	}
	if c.SubjectType != nil && *c.SubjectType == "file" {
		return ""
	}
	if c.Position != nil {
		return "" // positions index the patch; accepted as given
	}
	if c.Line == nil {
		return "line is required"
	}
	if c.Side != nil && *c.Side == "LEFT" {
		return "" // the old side is not tracked by the fake
	}
	lines := p.right[path]
	if !lines[*c.Line] || (c.StartLine != nil && !lines[*c.StartLine]) {
		return msgNotInDiff
	}
	return ""
}

func (s *Server) createReview(w http.ResponseWriter, r *http.Request) {
	var in reviewRequest
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		badJSON(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, p := s.lookupPull(w, r)
	if p == nil {
		return
	}
	state, ok := reviewEvents[deref(in.Event)]
	if !ok {
		invalid(w, "PullRequestReview", "event", fmt.Sprintf("%q is not a valid event: use APPROVE, REQUEST_CHANGES or COMMENT", deref(in.Event)), docCreateReview)
		return
	}
	// GitHub's docs: body is required for REQUEST_CHANGES and COMMENT.
	if (state == "CHANGES_REQUESTED" || state == "COMMENTED") && deref(in.Body) == "" {
		invalid(w, "PullRequestReview", "body", "body is required for REQUEST_CHANGES and COMMENT", docCreateReview)
		return
	}
	for _, c := range in.Comments {
		if msg := p.checkComment(c); msg != "" {
			invalid(w, "PullRequestReviewComment", "pull_request_review_thread.line", msg, docCreateReview)
			return
		}
	}
	commit := deref(in.CommitID)
	if commit == "" {
		commit = p.HeadSHA
	}
	id := s.id()
	rev := &github.PullRequestReview{
		ID: &id, User: s.botUser(), Body: in.Body, State: &state, CommitID: &commit,
		SubmittedAt: &github.Timestamp{Time: time.Unix(id, 0).UTC()},
	}
	p.reviews = append(p.reviews, rev)
	for _, c := range in.Comments {
		p.comments = append(p.comments, s.newComment(c, commit, &id))
	}
	writeJSON(w, http.StatusOK, rev)
}

func (s *Server) newComment(c *commentRequest, commit string, reviewID *int64) *github.PullRequestComment {
	subject := "line"
	if c.SubjectType != nil {
		subject = *c.SubjectType
	}
	side := c.Side
	if side == nil && subject == "line" {
		side = github.String("RIGHT")
	}
	return &github.PullRequestComment{
		ID: github.Int64(s.id()), Path: c.Path, Body: c.Body, Line: c.Line, StartLine: c.StartLine,
		Side: side, CommitID: &commit, User: s.botUser(), PullRequestReviewID: reviewID,
		SubjectType: &subject,
	}
}

func (s *Server) createReviewComment(w http.ResponseWriter, r *http.Request) {
	var in commentRequest
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		badJSON(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, p := s.lookupPull(w, r)
	if p == nil {
		return
	}
	switch {
	case in.Body == nil || *in.Body == "":
		invalid(w, "PullRequestReviewComment", "body", "body is missing", docCreateComment)
		return
	case in.CommitID == nil || *in.CommitID == "":
		invalid(w, "PullRequestReviewComment", "commit_id", "commit_id is missing", docCreateComment)
		return
	}
	if msg := p.checkComment(&in); msg != "" {
		invalid(w, "PullRequestReviewComment", "pull_request_review_thread.line", msg, docCreateComment)
		return
	}
	id := s.id()
	c := s.newComment(&in, *in.CommitID, &id) // a single comment gets its own review
	p.comments = append(p.comments, c)
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) listReviews(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, p := s.lookupPull(w, r); p != nil {
		lo, hi := page(w, r, len(p.reviews))
		writeJSON(w, http.StatusOK, nonNil(p.reviews[lo:hi]))
	}
}

func (s *Server) listReviewComments(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, p := s.lookupPull(w, r); p != nil {
		lo, hi := page(w, r, len(p.comments))
		writeJSON(w, http.StatusOK, nonNil(p.comments[lo:hi]))
	}
}
