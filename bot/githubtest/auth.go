package githubtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// Fault is a failure the fake injects instead of answering; see Fail.
type Fault struct {
	status     int
	drop       bool
	retryAfter time.Duration
	delay      time.Duration
}

// Status answers with the HTTP status code (500, 502, 503...) and GitHub's
// error body.
func Status(code int) Fault { return Fault{status: code} }

// DropConnection closes the connection without answering.
var DropConnection = Fault{drop: true}

// SecondaryRateLimit answers 403 with Retry-After and GitHub's secondary
// rate limit message.
func SecondaryRateLimit(retryAfter time.Duration) Fault {
	return Fault{status: http.StatusForbidden, retryAfter: retryAfter}
}

// Slow delays the answer by d (or until the client gives up), then answers
// normally.
func Slow(d time.Duration) Fault { return Fault{delay: d} }

type fault struct {
	pattern string
	left    int
	Fault
}

// Fail makes the next n requests matching pattern fail with kind. pattern is
// "[METHOD ]PATH", PATH a path.Match glob relative to the API root or a
// templated route, such as "POST /repos/*/*/check-runs",
// "PATCH /repos/{owner}/{repo}/check-runs/{id}" or
// "/repos/acme/app/pulls/1/files". Faults are consumed in the order Fail
// added them.
func (s *Server) Fail(pattern string, n int, kind Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{pattern: pattern, left: n, Fault: kind})
}

// takeFault consumes one use of the first matching fault; s.mu is held.
func (s *Server) takeFault(method, rel string) *fault {
	for _, f := range s.faults {
		if f.left > 0 && match(f.pattern, method, rel) {
			f.left--
			return f
		}
	}
	return nil
}

// apply injects the fault; false means: go on and answer normally.
func (f *fault) apply(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case f.drop:
		if hj, ok := w.(*statusWriter).ResponseWriter.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		return true
	case f.delay > 0:
		t := time.NewTimer(f.delay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return true
		case <-t.C:
		}
		return false
	case f.retryAfter > 0 || f.status == http.StatusForbidden:
		w.Header().Set("Retry-After", strconv.Itoa(int(f.retryAfter.Round(time.Second)/time.Second)))
		writeJSON(w, http.StatusForbidden, apiError{
			Message:          "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			DocumentationURL: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
		})
		return true
	default:
		writeJSON(w, f.status, apiError{Message: http.StatusText(f.status), DocumentationURL: "https://docs.github.com/rest"})
		return true
	}
}

// jwtAuth admits requests carrying a valid App JWT: RS256, signed with the
// App's key, iss = the App id, not expired.
func (s *Server) jwtAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			unauthorized(w, "A JSON web token could not be decoded")
			return
		}
		if msg := s.verifyJWT(tok); msg != "" {
			unauthorized(w, msg)
			return
		}
		h(w, r)
	}
}

// verifyJWT returns GitHub's message for a rejected JWT, or "".
func (s *Server) verifyJWT(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "A JSON web token could not be decoded"
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iss json.RawMessage `json:"iss"`
		Exp int64           `json:"exp"`
		Iat int64           `json:"iat"`
	}
	if decodePart(parts[0], &header) != nil || decodePart(parts[1], &claims) != nil {
		return "A JSON web token could not be decoded"
	}
	if header.Alg != "RS256" {
		return "A JSON web token could not be decoded (alg must be RS256)"
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "A JSON web token could not be decoded"
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(s.pub, crypto.SHA256, sum[:], sig) != nil {
		return "A JSON web token could not be decoded"
	}
	if strings.Trim(string(claims.Iss), `"`) != strconv.FormatInt(s.AppID, 10) {
		return "Integration not found"
	}
	if claims.Exp <= time.Now().Unix() {
		return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	}
	return ""
}

func decodePart(p string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func unauthorized(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusUnauthorized, apiError{Message: msg, DocumentationURL: "https://docs.github.com/rest"})
}

// tokenAuth admits requests with an unexpired installation token ("token X"
// or "Bearer X"); a repository outside the installation is 404, as on GitHub.
func (s *Server) tokenAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		tok, ok := strings.CutPrefix(auth, "token ")
		if !ok {
			tok, ok = strings.CutPrefix(auth, "Bearer ")
		}
		s.mu.Lock()
		it, known := s.tokens[tok]
		var inRepo bool
		if rp := s.repos[r.PathValue("owner")+"/"+r.PathValue("repo")]; rp != nil {
			inRepo = rp.installation == it.installation
		}
		s.mu.Unlock()
		if !ok || !known || time.Now().After(it.expires) {
			unauthorized(w, "Bad credentials")
			return
		}
		if r.PathValue("repo") != "" && !inRepo {
			notFound(w)
			return
		}
		if it.readOnly && r.Method != http.MethodGet && r.Method != http.MethodHead {
			forbidden(w)
			return
		}
		h(w, r)
	}
}

func (s *Server) accessToken(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.hasInstallation(id) {
		notFound(w)
		return
	}
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	tok := "ghs_" + hex.EncodeToString(b)
	exp := time.Now().Add(s.tokenTTL)
	s.tokens[tok] = issuedToken{installation: id, expires: exp}
	writeJSON(w, http.StatusCreated, github.InstallationToken{Token: &tok, ExpiresAt: &github.Timestamp{Time: exp.UTC()}})
}

func (s *Server) hasInstallation(id int64) bool {
	for _, in := range s.installations {
		if in == id {
			return true
		}
	}
	return false
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, github.App{ID: &s.AppID, Slug: &s.AppSlug, Name: &s.AppSlug})
}

func (s *Server) listInstallations(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ids := append([]int64(nil), s.installations...)
	s.mu.Unlock()
	lo, hi := page(w, r, len(ids))
	out := []*github.Installation{}
	for _, id := range ids[lo:hi] {
		out = append(out, &github.Installation{ID: github.Int64(id), AppID: &s.AppID})
	}
	writeJSON(w, http.StatusOK, out)
}

// ManifestWebhookSecret is the webhook secret the manifest conversion hands
// out.
const ManifestWebhookSecret = "fake-webhook-secret"

// convertManifest answers any code with this App's credentials.
func (s *Server) convertManifest(w http.ResponseWriter, r *http.Request) {
	pemStr := string(s.PrivateKeyPEM)
	html := "https://github.com/apps/" + s.AppSlug
	writeJSON(w, http.StatusCreated, github.AppConfig{
		ID: &s.AppID, Slug: &s.AppSlug, Name: &s.AppSlug, PEM: &pemStr, HTMLURL: &html,
		WebhookSecret: github.String(ManifestWebhookSecret),
		ClientID:      github.String("Iv1.fake" + r.PathValue("code")),
		ClientSecret:  github.String("fake-client-secret"),
	})
}

// InstallationToken issues a token for the installation without the JWT
// exchange, for tests that talk to the fake directly.
func (s *Server) InstallationToken(installationID int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	tok := "ghs_" + hex.EncodeToString(b)
	s.tokens[tok] = issuedToken{installation: installationID, expires: time.Now().Add(s.tokenTTL)}
	return tok
}

// ClearFaults drops every fault not used up yet.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}
