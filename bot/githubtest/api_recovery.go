package githubtest

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/google/go-github/v60/github"
)

// listInstallationRepos answers GET /installation/repositories: the
// repositories the token's installation reaches, sorted by full name.
func (s *Server) listInstallationRepos(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	inst := s.tokenInstallation(r)
	var repos []*github.Repository
	for _, rp := range s.repos {
		if rp.installation != inst {
			continue
		}
		full := rp.owner + "/" + rp.name
		repos = append(repos, &github.Repository{
			Name: github.String(rp.name), FullName: &full,
			Owner: &github.User{Login: github.String(rp.owner)},
		})
	}
	s.mu.Unlock()
	sort.Slice(repos, func(i, j int) bool { return repos[i].GetFullName() < repos[j].GetFullName() })
	lo, hi := page(w, r, len(repos))
	writeJSON(w, http.StatusOK, &github.ListRepositories{TotalCount: github.Int(len(repos)), Repositories: nonNil(repos[lo:hi])})
}

// listPulls answers GET /repos/{owner}/{repo}/pulls. Every pull request of
// the fake is open; state=closed lists none. Sorted by number, newest
// first, or by update time with sort=updated.
func (s *Server) listPulls(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rp := s.lookupRepo(w, r)
	if rp == nil {
		s.mu.Unlock()
		return
	}
	var pulls []*pull
	if st := r.URL.Query().Get("state"); st == "" || st == "open" || st == "all" {
		for _, p := range rp.pulls {
			pulls = append(pulls, p)
		}
	}
	byUpdate := r.URL.Query().Get("sort") == "updated"
	asc := r.URL.Query().Get("direction") == "asc"
	sort.Slice(pulls, func(i, j int) bool {
		a, b := pulls[i], pulls[j]
		if byUpdate && !a.updated.Equal(b.updated) {
			return a.updated.After(b.updated) != asc
		}
		return (a.Number > b.Number) != asc
	})
	out := make([]*github.PullRequest, 0, len(pulls))
	for _, p := range pulls {
		pr := prJSON(rp, p)
		pr.UpdatedAt = &github.Timestamp{Time: p.updated}
		out = append(out, pr)
	}
	s.mu.Unlock()
	lo, hi := page(w, r, len(out))
	writeJSON(w, http.StatusOK, out[lo:hi])
}

// tokenInstallation is the installation of the request's token; s.mu is
// held and tokenAuth has admitted the request.
func (s *Server) tokenInstallation(r *http.Request) int64 {
	auth := r.Header.Get("Authorization")
	for _, p := range []string{"token ", "Bearer "} {
		if len(auth) > len(p) && auth[:len(p)] == p {
			return s.tokens[auth[len(p):]].installation
		}
	}
	return 0
}

// SetUpdated sets when a pull request was last updated (OpenPR and Push set
// it to the current time).
func (s *Server) SetUpdated(owner, name string, number int, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pull(owner, name, number); p != nil {
		p.updated = t.UTC()
	}
}

// SetRateLimit makes every answer carry GitHub's primary rate limit
// headers: limit requests an hour, remaining of them left (reset in an
// hour). Remaining is not counted down.
func (s *Server) SetRateLimit(limit, remaining int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit, s.rateRemaining = limit, remaining
}

func (s *Server) setRateHeaders(w http.ResponseWriter) {
	s.mu.Lock()
	limit, remaining := s.rateLimit, s.rateRemaining
	s.mu.Unlock()
	if limit == 0 {
		return
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
}
