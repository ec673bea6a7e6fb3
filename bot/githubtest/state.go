package githubtest

import (
	"maps"
	"time"

	"github.com/google/go-github/v60/github"
)

type repo struct {
	owner, name   string
	installation  int64
	trees         map[string]map[string][]byte // sha → path → content
	pulls         map[int]*pull
	checkRuns     []*checkRun
	issueComments map[int][]*github.IssueComment
	permissions   map[string]string
	private       bool
}

type pull struct {
	PR
	files    []*github.CommitFile
	right    map[string]map[int]bool // path → new-side lines inside a hunk
	reviews  []*github.PullRequestReview
	comments []*github.PullRequestComment
	updated  time.Time // for listing by update time
}

type checkRun struct {
	run         *github.CheckRun
	annotations []*github.CheckRunAnnotation
	actions     []*github.CheckRunAction
}

// PR describes a pull request to open. MergeSHA is GitHub's test merge
// commit; empty means GitHub has none (mergeable false).
type PR struct {
	Number  int
	Author  string
	BaseRef string
	BaseSHA string
	HeadSHA string
	// HeadRef defaults to "feature-<Number>".
	HeadRef  string
	MergeSHA string
	Draft    bool
}

// AddRepo creates a repository reachable by the installation (creating the
// installation too).
func (s *Server) AddRepo(owner, name string, installationID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.hasInstallation(installationID) {
		s.installations = append(s.installations, installationID)
	}
	s.repos[owner+"/"+name] = &repo{
		owner: owner, name: name, installation: installationID,
		trees:         map[string]map[string][]byte{},
		pulls:         map[int]*pull{},
		issueComments: map[int][]*github.IssueComment{},
		permissions:   map[string]string{},
	}
}

// SetTree sets the files of commit sha (any ref name works too).
func (s *Server) SetTree(owner, name, sha string, files map[string][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp := s.repos[owner+"/"+name]; rp != nil {
		rp.trees[sha] = maps.Clone(files)
	}
}

// OpenPR opens a pull request between the trees of pr.BaseSHA and
// pr.HeadSHA (set them first); its files and patches come from those trees.
func (s *Server) OpenPR(owner, name string, pr PR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[owner+"/"+name]
	if rp == nil {
		return
	}
	if pr.HeadRef == "" {
		pr.HeadRef = "feature-" + itoa(pr.Number)
	}
	p := &pull{PR: pr, updated: time.Now().UTC()}
	p.files, p.right = diffTrees(rp.trees[pr.BaseSHA], rp.trees[pr.HeadSHA])
	rp.pulls[pr.Number] = p
}

// Push moves a pull request's head to a new commit with the given files.
// GitHub recomputes the test merge asynchronously, so MergeSHA is cleared.
func (s *Server) Push(owner, name string, number int, newHeadSHA string, files map[string][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[owner+"/"+name]
	if rp == nil || rp.pulls[number] == nil {
		return
	}
	rp.trees[newHeadSHA] = maps.Clone(files)
	p := rp.pulls[number]
	p.HeadSHA, p.MergeSHA = newHeadSHA, ""
	p.updated = time.Now().UTC()
	p.files, p.right = diffTrees(rp.trees[p.BaseSHA], files)
}

// SetPermission sets a user's permission on the repository (admin,
// maintain, write, triage, read); others have none.
func (s *Server) SetPermission(owner, name, user, perm string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp := s.repos[owner+"/"+name]; rp != nil {
		rp.permissions[user] = perm
	}
}

// AddTeamMember makes user an active member of org/team.
func (s *Server) AddTeamMember(org, team, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := org + "/" + team
	if s.teams[k] == nil {
		s.teams[k] = map[string]bool{}
	}
	s.teams[k][user] = true
}

// AddReview records a review submitted by user (state APPROVED,
// CHANGES_REQUESTED, COMMENTED, DISMISSED) and returns its id.
func (s *Server) AddReview(owner, name string, number int, user, state, commitSHA string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pull(owner, name, number)
	if p == nil {
		return 0
	}
	id := s.id()
	p.reviews = append(p.reviews, &github.PullRequestReview{
		ID: &id, User: &github.User{Login: &user}, State: &state, CommitID: &commitSHA,
		SubmittedAt: &github.Timestamp{Time: time.Unix(id, 0).UTC()},
	})
	return id
}

func (s *Server) pull(owner, name string, number int) *pull {
	rp := s.repos[owner+"/"+name]
	if rp == nil {
		return nil
	}
	return rp.pulls[number]
}

// CheckRuns returns the repository's check runs in creation order, with
// output as GitHub keeps it: the latest title, summary and text, and the
// annotations of every request added up.
func (s *Server) CheckRuns(owner, name string) []*github.CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[owner+"/"+name]
	if rp == nil {
		return nil
	}
	var out []*github.CheckRun
	for _, cr := range rp.checkRuns {
		out = append(out, cr.full())
	}
	return out
}

// full is a deep enough copy of the run with its annotations.
func (cr *checkRun) full() *github.CheckRun {
	c := *cr.run
	if cr.run.Output != nil {
		o := *cr.run.Output
		o.Annotations = append([]*github.CheckRunAnnotation(nil), cr.annotations...)
		c.Output = &o
	}
	return &c
}

// Reviews returns the reviews of a pull request in submission order.
func (s *Server) Reviews(owner, name string, number int) []*github.PullRequestReview {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pull(owner, name, number); p != nil {
		return append([]*github.PullRequestReview(nil), p.reviews...)
	}
	return nil
}

// ReviewComments returns the review comments of a pull request (inline and
// file-level) in creation order.
func (s *Server) ReviewComments(owner, name string, number int) []*github.PullRequestComment {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pull(owner, name, number); p != nil {
		return append([]*github.PullRequestComment(nil), p.comments...)
	}
	return nil
}

// IssueComments returns the conversation comments of a pull request.
func (s *Server) IssueComments(owner, name string, number int) []*github.IssueComment {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp := s.repos[owner+"/"+name]; rp != nil {
		return append([]*github.IssueComment(nil), rp.issueComments[number]...)
	}
	return nil
}

// CheckRunActions returns the buttons last set on a check run.
func (s *Server) CheckRunActions(owner, name string, id int64) []*github.CheckRunAction {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp := s.repos[owner+"/"+name]; rp != nil {
		for _, cr := range rp.checkRuns {
			if cr.run.GetID() == id {
				return append([]*github.CheckRunAction(nil), cr.actions...)
			}
		}
	}
	return nil
}

// DismissReview marks a review dismissed, as a maintainer's dismissal
// does; ReviewEvent with action "dismissed" then describes it.
func (s *Server) DismissReview(owner, name string, number int, reviewID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pull(owner, name, number)
	if p == nil {
		return false
	}
	for _, rv := range p.reviews {
		if rv.GetID() == reviewID {
			rv.State = github.String("DISMISSED")
			return true
		}
	}
	return false
}
