package githubtest

import (
	"archive/tar"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// maxPRFiles and maxCompareFiles are GitHub's caps on listed files.
const (
	maxPRFiles      = 3000
	maxCompareFiles = 300
)

// lookupPull finds the pull request of the path; s.mu is held. It answers
// 404 itself when there is none.
func (s *Server) lookupPull(w http.ResponseWriter, r *http.Request) (*repo, *pull) {
	rp := s.repos[r.PathValue("owner")+"/"+r.PathValue("repo")]
	n, err := strconv.Atoi(r.PathValue("number"))
	if rp == nil || err != nil || rp.pulls[n] == nil {
		notFound(w)
		return nil, nil
	}
	return rp, rp.pulls[n]
}

func (s *Server) lookupRepo(w http.ResponseWriter, r *http.Request) *repo {
	rp := s.repos[r.PathValue("owner")+"/"+r.PathValue("repo")]
	if rp == nil {
		notFound(w)
	}
	return rp
}

func (s *Server) getPull(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, p := s.lookupPull(w, r)
	if p == nil {
		return
	}
	out := prJSON(rp, p)
	writeJSON(w, http.StatusOK, out)
}

// prJSON is the pull request as the API and webhooks show it.
func prJSON(rp *repo, p *pull) *github.PullRequest {
	full := rp.owner + "/" + rp.name
	out := &github.PullRequest{
		Number: github.Int(p.Number), State: github.String("open"), Draft: github.Bool(p.Draft),
		User: &github.User{Login: github.String(p.Author)},
		Base: &github.PullRequestBranch{Ref: github.String(p.BaseRef), SHA: github.String(p.BaseSHA), Repo: &github.Repository{FullName: &full}},
		Head: &github.PullRequestBranch{Ref: github.String(p.HeadRef), SHA: github.String(p.HeadSHA), Repo: &github.Repository{FullName: &full}},
	}
	if p.MergeSHA != "" {
		out.Mergeable = github.Bool(true)
		out.MergeCommitSHA = github.String(p.MergeSHA)
	} else {
		out.Mergeable = github.Bool(false)
	}
	return out
}

func (s *Server) listPullFiles(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, p := s.lookupPull(w, r)
	if p == nil {
		return
	}
	files := p.files[:min(len(p.files), maxPRFiles)]
	lo, hi := page(w, r, len(files))
	writeJSON(w, http.StatusOK, nonNil(files[lo:hi]))
}

// compare answers GET compare/{base}...{head}: like GitHub, the files (at
// most 300) come on the first page only; pages are over commits, of which
// the fake has one.
func (s *Server) compare(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.lookupRepo(w, r)
	if rp == nil {
		return
	}
	base, head, ok := strings.Cut(r.PathValue("basehead"), "...")
	bt, okb := rp.trees[base]
	ht, okh := rp.trees[head]
	if !ok || !okb || !okh {
		notFound(w)
		return
	}
	files, _ := diffTrees(bt, ht)
	lo, _ := page(w, r, 1)
	out := &github.CommitsComparison{Status: github.String("ahead"), AheadBy: github.Int(1), TotalCommits: github.Int(1),
		Commits: []*github.RepositoryCommit{{SHA: github.String(head)}}}
	if lo == 0 {
		out.Files = files[:min(len(files), maxCompareFiles)]
	} else {
		out.Commits = nil
	}
	writeJSON(w, http.StatusOK, out)
}

// tarballLink redirects to a download URL carrying a short-lived token, as
// GitHub does (to codeload).
func (s *Server) tarballLink(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.lookupRepo(w, r)
	if rp == nil {
		return
	}
	ref := r.PathValue("ref")
	if _, ok := rp.trees[ref]; !ok {
		notFound(w)
		return
	}
	tok := "dl" + strconv.FormatInt(s.id(), 10)
	s.tokens[tok] = issuedToken{installation: rp.installation, expires: time.Now().Add(5 * time.Minute)}
	u := s.srv.URL + "/_codeload/" + url.PathEscape(rp.owner) + "/" + url.PathEscape(rp.name) + "/legacy.tar.gz/" +
		url.PathEscape(ref) + "?token=" + tok
	w.Header().Set("Location", u)
	w.WriteHeader(http.StatusFound)
}

// download serves the archive: gzip tar, GitHub's pax global header with
// the commit, and every entry under "owner-repo-sha7/".
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	it, ok := s.tokens[r.URL.Query().Get("token")]
	rp := s.repos[r.PathValue("owner")+"/"+r.PathValue("repo")]
	var files map[string][]byte
	if rp != nil && ok && it.installation == rp.installation && time.Now().Before(it.expires) {
		files = rp.trees[r.PathValue("sha")]
	}
	s.mu.Unlock()
	if files == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/x-gzip")
	ref := r.PathValue("sha")
	writeTarball(w, rp.owner+"-"+rp.name+"-"+ref[:min(7, len(ref))]+"/", ref, files)
}

func writeTarball(w http.ResponseWriter, top, sha string, files map[string][]byte) {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	mtime := time.Unix(1700000000, 0)
	_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header",
		PAXRecords: map[string]string{"comment": sha}, Format: tar.FormatPAX})
	dirs := map[string]bool{top: true}
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, top+p)
		for d := p; strings.Contains(d, "/"); {
			d = d[:strings.LastIndex(d, "/")]
			dirs[top+d+"/"] = true
		}
	}
	for d := range dirs {
		names = append(names, d)
	}
	slices.Sort(names) // a directory sorts before its entries
	for _, n := range names {
		if dirs[n] {
			_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: n, Mode: 0o775, ModTime: mtime})
			continue
		}
		data := files[strings.TrimPrefix(n, top)]
		_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o664, Size: int64(len(data)), ModTime: mtime})
		_, _ = tw.Write(data)
	}
	_ = tw.Close()
	_ = gz.Close()
}

// contents serves a file: raw bytes for the raw media type, else GitHub's
// JSON with base64 content.
func (s *Server) contents(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rp := s.lookupRepo(w, r)
	var data []byte
	var ok bool
	if rp != nil {
		data, ok = rp.trees[r.URL.Query().Get("ref")][r.PathValue("path")]
	}
	s.mu.Unlock()
	if rp == nil {
		return
	}
	if !ok {
		notFound(w)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "raw") {
		w.Header().Set("Content-Type", "application/vnd.github.raw")
		_, _ = w.Write(data)
		return
	}
	p := r.PathValue("path")
	writeJSON(w, http.StatusOK, &github.RepositoryContent{
		Type: github.String("file"), Encoding: github.String("base64"), Size: github.Int(len(data)),
		Name: github.String(p[strings.LastIndex(p, "/")+1:]), Path: github.String(p),
		Content: github.String(base64.StdEncoding.EncodeToString(data)),
	})
}

func (s *Server) permission(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.lookupRepo(w, r)
	if rp == nil {
		return
	}
	perm, ok := rp.permissions[r.PathValue("user")]
	if !ok {
		perm = "none"
	}
	writeJSON(w, http.StatusOK, &github.RepositoryPermissionLevel{
		Permission: github.String(perm), User: &github.User{Login: github.String(r.PathValue("user"))},
	})
}

func (s *Server) teamMembership(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	member := s.teams[r.PathValue("org")+"/"+r.PathValue("team")][r.PathValue("user")]
	s.mu.Unlock()
	if !member {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, &github.Membership{State: github.String("active"), Role: github.String("member")})
}

func (s *Server) listIssueComments(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, p := s.lookupPull(w, r)
	if p == nil {
		return
	}
	all := rp.issueComments[p.Number]
	lo, hi := page(w, r, len(all))
	writeJSON(w, http.StatusOK, nonNil(all[lo:hi]))
}

func (s *Server) createIssueComment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body *string `json:"body"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		badJSON(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, p := s.lookupPull(w, r)
	if p == nil {
		return
	}
	if in.Body == nil || *in.Body == "" {
		invalid(w, "IssueComment", "body", "body is missing", "https://docs.github.com/rest/issues/comments#create-an-issue-comment")
		return
	}
	c := &github.IssueComment{ID: github.Int64(s.id()), Body: in.Body, User: s.botUser()}
	rp.issueComments[p.Number] = append(rp.issueComments[p.Number], c)
	writeJSON(w, http.StatusCreated, c)
}

// botUser is the App's bot account, the author of everything it posts.
func (s *Server) botUser() *github.User {
	return &github.User{Login: github.String(s.AppSlug + "[bot]"), Type: github.String("Bot")}
}

// nonNil keeps empty lists "[]" rather than "null", as GitHub sends them.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
