package githubtest

import (
	"net/http"

	"github.com/google/go-github/v60/github"
)

// SetPrivate marks the repository private (repositories are public
// unless set).
func (s *Server) SetPrivate(owner, name string, private bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp := s.repos[owner+"/"+name]; rp != nil {
		rp.private = private
	}
}

func (s *Server) getRepo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.lookupRepo(w, r)
	if rp == nil {
		return
	}
	vis := "public"
	if rp.private {
		vis = "private"
	}
	writeJSON(w, http.StatusOK, &github.Repository{
		Name: github.String(rp.name), FullName: github.String(rp.owner + "/" + rp.name),
		Owner: &github.User{Login: github.String(rp.owner)}, Private: github.Bool(rp.private), Visibility: github.String(vis),
	})
}
