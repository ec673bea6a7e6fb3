package githubtest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"
)

// ReadOnlyToken issues an installation token that may read but not write:
// every other request than GET and HEAD with it answers 403 "Resource not
// accessible by integration", as GitHub answers a workflow's GITHUB_TOKEN
// for a pull request from a fork under the pull_request event.
func (s *Server) ReadOnlyToken(installationID int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	tok := "ghs_" + hex.EncodeToString(b)
	s.tokens[tok] = issuedToken{installation: installationID, expires: time.Now().Add(s.tokenTTL), readOnly: true}
	return tok
}

// forbidden is GitHub's answer to a token without the permission a request
// needs; no Retry-After, since waiting does not help.
func forbidden(w http.ResponseWriter) {
	writeJSON(w, http.StatusForbidden, apiError{
		Message:          "Resource not accessible by integration",
		DocumentationURL: "https://docs.github.com/rest",
	})
}
