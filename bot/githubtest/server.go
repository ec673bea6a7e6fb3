// Package githubtest is a fake GitHub REST API for tests and local
// development: an httptest server under the base path "/api/v3/" (as GitHub
// Enterprise Server serves it) that answers the JSON GitHub does for the
// endpoints kustoguard uses, authenticates like GitHub (App JWT, installation
// tokens), paginates with Link headers, rejects with 422 where GitHub does,
// records every request, and injects faults on demand.
//
// Rejections follow GitHub's documented rules: 422 Validation Failed for a
// review comment outside the diff or on a path outside the pull request, a
// review event other than APPROVE, REQUEST_CHANGES, COMMENT or PENDING (and
// no body with REQUEST_CHANGES or COMMENT), more than 50 annotations in one
// request, output without title or summary, summary or text over 65,535
// characters, status completed (or completed_at) without a conclusion, a
// conclusion with an explicit status other than completed, more than 3
// actions or an action label, description or identifier over 20, 40 or 20
// characters; 404 for an unknown repository, pull request or check run, or a
// repository outside the token's installation.
//
// Entry point: New (NewAt for a fixed address; see the fakegithub command
// for local development). All methods are safe for concurrent use; ids are
// deterministic (a counter starting at 1000, shared by all resources).
package githubtest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BasePath is where the fake serves the REST API.
const BasePath = "/api/v3"

var (
	keyOnce sync.Once
	keyPEM  []byte
	keyRSA  *rsa.PrivateKey
	keyErr  error
)

// processKey generates one 2048-bit key per process: generating one per
// test would cost a noticeable fraction of a second each time.
func processKey() (*rsa.PrivateKey, []byte, error) {
	keyOnce.Do(func() {
		keyRSA, keyErr = rsa.GenerateKey(rand.Reader, 2048)
		if keyErr == nil {
			keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(keyRSA)})
		}
	})
	return keyRSA, keyPEM, keyErr
}

// Request is one request the fake received. Path is relative to the API
// root ("/repos/acme/app/pulls/1"); archive downloads are under "/_codeload/".
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   []byte
	Status int // 0 when the connection was dropped
}

// Server is the fake GitHub.
type Server struct {
	// AppID is the App the fake accepts JWTs for.
	AppID int64
	// AppSlug names the App; its bot user is AppSlug+"[bot]".
	AppSlug string
	// PrivateKeyPEM is the App's private key (PKCS#1 PEM).
	PrivateKeyPEM []byte

	srv *httptest.Server
	pub *rsa.PublicKey
	mux *http.ServeMux

	mu            sync.Mutex
	nextID        int64
	tokenTTL      time.Duration
	tokens        map[string]issuedToken
	repos         map[string]*repo
	installations []int64
	teams         map[string]map[string]bool // "org/team" → user
	requests      []Request
	faults        []*fault
	rateLimit     int // X-RateLimit-Limit to send; 0 sends no rate headers
	rateRemaining int
}

type issuedToken struct {
	installation int64
	expires      time.Time
	readOnly     bool // see ReadOnlyToken
}

// New starts a fake GitHub on a loopback port; Close stops it.
func New() *Server {
	s, err := newServer()
	if err != nil {
		panic(err.Error()) // crypto/rand failing is not a test outcome
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// NewAt starts a fake GitHub listening on addr (such as "127.0.0.1:8081"),
// for development setups that configure the bot with a fixed URL.
func NewAt(addr string) (*Server, error) {
	s, err := newServer()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	return s, nil
}

func newServer() (*Server, error) {
	key, pemBytes, err := processKey()
	if err != nil {
		return nil, fmt.Errorf("generating the fake App key: %w", err)
	}
	s := &Server{
		AppID:         4242,
		AppSlug:       "kustoguard",
		PrivateKeyPEM: pemBytes,
		pub:           &key.PublicKey,
		nextID:        1000,
		tokenTTL:      time.Hour,
		tokens:        map[string]issuedToken{},
		repos:         map[string]*repo{},
		teams:         map[string]map[string]bool{},
	}
	s.routes()
	return s, nil
}

// URL is the REST API root with a trailing slash, "http://127.0.0.1:N/api/v3/".
func (s *Server) URL() string { return s.srv.URL + BasePath + "/" }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// SetTokenTTL sets the lifetime of installation tokens issued from now on
// (an hour by default, as on GitHub).
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenTTL = d
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) id() int64 {
	s.nextID++
	return s.nextID
}

// statusWriter remembers the status code for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rel := strings.TrimPrefix(r.URL.Path, BasePath)
	s.mu.Lock()
	idx := len(s.requests)
	s.requests = append(s.requests, Request{Method: r.Method, Path: rel, Query: r.URL.Query(), Body: body})
	f := s.takeFault(r.Method, rel)
	s.mu.Unlock()

	s.setRateHeaders(w)
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		s.requests[idx].Status = sw.status
		s.mu.Unlock()
	}()
	if f != nil && f.apply(sw, r) {
		return
	}
	s.mux.ServeHTTP(sw, r)
}

// routes registers every endpoint; handlers take the lock themselves.
func (s *Server) routes() {
	m := http.NewServeMux()
	b := BasePath
	m.HandleFunc("POST "+b+"/app/installations/{id}/access_tokens", s.jwtAuth(s.accessToken))
	m.HandleFunc("GET "+b+"/app", s.jwtAuth(s.getApp))
	m.HandleFunc("GET "+b+"/app/installations", s.jwtAuth(s.listInstallations))
	m.HandleFunc("POST "+b+"/app-manifests/{code}/conversions", s.convertManifest)

	repo := b + "/repos/{owner}/{repo}"
	m.HandleFunc("GET "+b+"/installation/repositories", s.tokenAuth(s.listInstallationRepos))
	m.HandleFunc("GET "+repo, s.tokenAuth(s.getRepo))
	m.HandleFunc("GET "+repo+"/pulls", s.tokenAuth(s.listPulls))
	m.HandleFunc("GET "+repo+"/pulls/{number}", s.tokenAuth(s.getPull))
	m.HandleFunc("GET "+repo+"/pulls/{number}/files", s.tokenAuth(s.listPullFiles))
	m.HandleFunc("GET "+repo+"/compare/{basehead}", s.tokenAuth(s.compare))
	m.HandleFunc("GET "+repo+"/tarball/{ref...}", s.tokenAuth(s.tarballLink))
	m.HandleFunc("GET "+repo+"/contents/{path...}", s.tokenAuth(s.contents))
	m.HandleFunc("GET "+repo+"/commits/{ref}/check-runs", s.tokenAuth(s.listCheckRuns))
	m.HandleFunc("POST "+repo+"/check-runs", s.tokenAuth(s.createCheckRun))
	m.HandleFunc("PATCH "+repo+"/check-runs/{id}", s.tokenAuth(s.updateCheckRun))
	m.HandleFunc("GET "+repo+"/check-runs/{id}", s.tokenAuth(s.getCheckRun))
	m.HandleFunc("GET "+repo+"/pulls/{number}/reviews", s.tokenAuth(s.listReviews))
	m.HandleFunc("POST "+repo+"/pulls/{number}/reviews", s.tokenAuth(s.createReview))
	m.HandleFunc("GET "+repo+"/pulls/{number}/comments", s.tokenAuth(s.listReviewComments))
	m.HandleFunc("POST "+repo+"/pulls/{number}/comments", s.tokenAuth(s.createReviewComment))
	m.HandleFunc("GET "+repo+"/issues/{number}/comments", s.tokenAuth(s.listIssueComments))
	m.HandleFunc("POST "+repo+"/issues/{number}/comments", s.tokenAuth(s.createIssueComment))
	m.HandleFunc("GET "+repo+"/collaborators/{user}/permission", s.tokenAuth(s.permission))
	m.HandleFunc("GET "+b+"/orgs/{org}/teams/{team}/memberships/{user}", s.tokenAuth(s.teamMembership))
	m.HandleFunc("GET /_codeload/{owner}/{repo}/legacy.tar.gz/{sha}", s.download)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	s.mux = m
}

// writeJSON answers with v marshalled as GitHub does.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiError is GitHub's error body.
type apiError struct {
	Message          string       `json:"message"`
	Errors           []fieldError `json:"errors,omitempty"`
	DocumentationURL string       `json:"documentation_url"`
}

type fieldError struct {
	Resource string `json:"resource,omitempty"`
	Field    string `json:"field,omitempty"`
	Code     string `json:"code"`
	Message  string `json:"message,omitempty"`
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, apiError{Message: "Not Found", DocumentationURL: "https://docs.github.com/rest"})
}

// invalid answers 422 Validation Failed with one custom error.
func invalid(w http.ResponseWriter, resource, field, msg, doc string) {
	writeJSON(w, http.StatusUnprocessableEntity, apiError{
		Message:          "Validation Failed",
		Errors:           []fieldError{{Resource: resource, Field: field, Code: "custom", Message: msg}},
		DocumentationURL: doc,
	})
}

func badJSON(w http.ResponseWriter) {
	writeJSON(w, http.StatusBadRequest, apiError{Message: "Problems parsing JSON", DocumentationURL: "https://docs.github.com/rest"})
}

// page answers one page of a list of n items: it returns the bounds and sets
// the Link header (first, prev, next, last) as GitHub does.
func page(w http.ResponseWriter, r *http.Request, n int) (lo, hi int) {
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per <= 0 {
		per = 30
	}
	per = min(per, 100)
	p, err := strconv.Atoi(q.Get("page"))
	if err != nil || p <= 0 {
		p = 1
	}
	last := max((n+per-1)/per, 1)
	link := func(n int, rel string) string {
		q.Set("page", strconv.Itoa(n))
		q.Set("per_page", strconv.Itoa(per))
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if p < last {
		links = append(links, link(p+1, "next"), link(last, "last"))
	}
	if p > 1 {
		links = append(links, link(1, "first"), link(p-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	lo = min((p-1)*per, n)
	return lo, min(lo+per, n)
}

// match reports whether a fault pattern "[METHOD ]PATH" matches; PATH is a
// path.Match glob over the path relative to the API root, where "*" stands
// for one segment, or a templated route whose "{name}" segments do the same
// ("/repos/{owner}/{repo}/check-runs/{id}").
func match(pattern, method, rel string) bool {
	if m, p, ok := strings.Cut(pattern, " "); ok {
		if !strings.EqualFold(m, method) {
			return false
		}
		pattern = p
	}
	segs := strings.Split(pattern, "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			segs[i] = "*"
		}
	}
	ok, err := path.Match(strings.Join(segs, "/"), rel)
	return err == nil && ok
}
