package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// errUnprocessable is what the fake answers where GitHub answers 422.
var errUnprocessable = errors.New("422 Validation Failed")

// fakeRun is a recorded check run with its accumulated annotations, as
// GitHub keeps them.
type fakeRun struct {
	run         CheckRun
	annotations []Annotation
	updates     []CheckRun
}

// fakeGitHub is an in-memory GitHub for one repository. It serves trees as
// real tarballs, records what the bot writes, rejects what GitHub rejects,
// and fails calls on demand.
type fakeGitHub struct {
	mu       sync.Mutex
	botLogin string
	prs      map[int]*PullRequest
	trees    map[string]map[string][]byte // by commit SHA
	files    map[int][]ChangedFile
	tooMany  map[int]bool // ChangedFiles hits the 3,000-file cap
	runs     []*fakeRun
	reviews  map[int][]PRReview
	created  map[int][]Review // reviews the bot posted
	rcs      map[int][]PostedComment
	ics      map[int][]PostedComment
	perms    map[string]string
	teams    map[string]bool // "org/slug/user"
	errs     map[string][]error
	calls    map[string]int
	tarballs map[string]int
	// before, when set, runs (outside the lock) at the start of each call.
	before func(method string)
	nextID int64
}

func newFakeGitHub(botLogin string) *fakeGitHub {
	return &fakeGitHub{
		botLogin: botLogin, prs: map[int]*PullRequest{}, trees: map[string]map[string][]byte{},
		files: map[int][]ChangedFile{}, tooMany: map[int]bool{}, reviews: map[int][]PRReview{},
		created: map[int][]Review{}, rcs: map[int][]PostedComment{}, ics: map[int][]PostedComment{},
		perms: map[string]string{}, teams: map[string]bool{}, errs: map[string][]error{},
		calls: map[string]int{}, tarballs: map[string]int{}, nextID: 100,
	}
}

// failNext makes the next calls of method fail with errs, in order.
func (f *fakeGitHub) failNext(method string, errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs[method] = append(f.errs[method], errs...)
}

func (f *fakeGitHub) enter(method string) error {
	f.mu.Lock()
	hook := f.before
	f.mu.Unlock()
	if hook != nil {
		hook(method)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[method]++
	if q := f.errs[method]; len(q) > 0 {
		f.errs[method] = q[1:]
		return q[0]
	}
	return nil
}

func (f *fakeGitHub) id() int64 { f.nextID++; return f.nextID }

func (f *fakeGitHub) setTree(sha string, files map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := map[string][]byte{}
	for p, c := range files {
		m[p] = []byte(c)
	}
	f.trees[sha] = m
}

func (f *fakeGitHub) openPR(pr PullRequest, files []ChangedFile) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if pr.State == "" {
		pr.State = "open"
	}
	f.prs[pr.Number] = &pr
	f.files[pr.Number] = files
}

// push moves the pull request's head (and drops the test merge).
func (f *fakeGitHub) push(number int, head string, files []ChangedFile) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prs[number].HeadSHA = head
	f.prs[number].MergeSHA = ""
	if files != nil {
		f.files[number] = files
	}
}

func (f *fakeGitHub) addReview(number int, user, state, sha string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.id()
	f.reviews[number] = append(f.reviews[number], PRReview{ID: id, User: user, State: state, CommitSHA: sha})
	return id
}

func (f *fakeGitHub) dismiss(number int, id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.reviews[number] {
		if f.reviews[number][i].ID == id {
			f.reviews[number][i].State = "DISMISSED"
		}
	}
}

func (f *fakeGitHub) addIssueComment(number int, user, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ics[number] = append(f.ics[number], PostedComment{ID: f.id(), User: user, Body: body})
}

// checkRuns returns the recorded runs on sha.
func (f *fakeGitHub) checkRuns(sha string) []*fakeRun {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*fakeRun
	for _, r := range f.runs {
		if r.run.HeadSHA == sha {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeGitHub) callCount(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// The GitHub interface.

func (f *fakeGitHub) PullRequest(ctx context.Context, r Repo, number int) (*PullRequest, error) {
	if err := f.enter("PullRequest"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	pr, ok := f.prs[number]
	if !ok {
		return nil, fmt.Errorf("pull request %d: %w", number, ErrNotFound)
	}
	cp := *pr
	return &cp, nil
}

func (f *fakeGitHub) ChangedFiles(ctx context.Context, r Repo, number int) ([]ChangedFile, error) {
	if err := f.enter("ChangedFiles"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tooMany[number] {
		return f.files[number][:1], fmt.Errorf("listing files: %w", ErrTooManyFiles)
	}
	return append([]ChangedFile(nil), f.files[number]...), nil
}

func (f *fakeGitHub) Tarball(ctx context.Context, r Repo, ref string) (io.ReadCloser, error) {
	if err := f.enter("Tarball"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	files, ok := f.trees[ref]
	if !ok {
		return nil, fmt.Errorf("tarball %s: %w", ref, ErrNotFound)
	}
	f.tarballs[ref]++
	b, err := tarGz(r.Owner+"-"+r.Name+"-"+short(ref), files)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (f *fakeGitHub) FileContent(ctx context.Context, r Repo, path, ref string) ([]byte, error) {
	if err := f.enter("FileContent"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.trees[ref][path]
	if !ok {
		return nil, fmt.Errorf("%s at %s: %w", path, ref, ErrNotFound)
	}
	return b, nil
}

func (f *fakeGitHub) CheckRuns(ctx context.Context, r Repo, sha, name string) ([]CheckRun, error) {
	if err := f.enter("CheckRuns"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []CheckRun
	for _, fr := range f.runs {
		if fr.run.HeadSHA == sha && fr.run.Name == name {
			cp := fr.run
			out = append(out, cp)
			out[len(out)-1].Output = &CheckOutput{AnnotationsCount: len(fr.annotations)}
			if fr.run.Output != nil {
				o := *fr.run.Output
				o.Annotations, o.AnnotationsCount = nil, len(fr.annotations)
				out[len(out)-1].Output = &o
			}
		}
	}
	return out, nil
}

// validateRun applies GitHub's 422 rules for check runs.
func validateRun(run CheckRun) error {
	switch {
	case run.Status == "completed" && run.Conclusion == "":
		return fmt.Errorf("%w: conclusion is required when status is completed", errUnprocessable)
	case run.Conclusion != "" && run.Status != "completed" && run.Status != "":
		return fmt.Errorf("%w: conclusion can only be set when status is completed", errUnprocessable)
	case len(run.Actions) > 3:
		return fmt.Errorf("%w: at most 3 actions", errUnprocessable)
	}
	for _, a := range run.Actions {
		if len(a.Label) > 20 || len(a.Description) > 40 || len(a.Identifier) > 20 {
			return fmt.Errorf("%w: action %q is too long", errUnprocessable, a.Label)
		}
	}
	if o := run.Output; o != nil {
		switch {
		case o.Title == "" || o.Summary == "":
			return fmt.Errorf("%w: output needs a title and a summary", errUnprocessable)
		case len(o.Annotations) > maxAnnotations:
			return fmt.Errorf("%w: at most 50 annotations per request, got %d", errUnprocessable, len(o.Annotations))
		case len(o.Summary) > 65535 || len(o.Text) > 65535:
			return fmt.Errorf("%w: output too long", errUnprocessable)
		}
	}
	return nil
}

func (f *fakeGitHub) CreateCheckRun(ctx context.Context, r Repo, run CheckRun) (int64, error) {
	if err := f.enter("CreateCheckRun"); err != nil {
		return 0, err
	}
	if err := validateRun(run); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	run.ID = f.id()
	fr := &fakeRun{run: run}
	if run.Output != nil {
		fr.annotations = append(fr.annotations, run.Output.Annotations...)
	}
	f.runs = append(f.runs, fr)
	return run.ID, nil
}

func (f *fakeGitHub) UpdateCheckRun(ctx context.Context, r Repo, id int64, run CheckRun) error {
	if err := f.enter("UpdateCheckRun"); err != nil {
		return err
	}
	if err := validateRun(run); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fr := range f.runs {
		if fr.run.ID != id {
			continue
		}
		fr.updates = append(fr.updates, run)
		if run.Status != "" {
			fr.run.Status = run.Status
			fr.run.Conclusion = run.Conclusion
			if run.Status == "completed" {
				fr.run.CompletedAt = time.Now()
			}
		}
		if run.Output != nil {
			o := *run.Output
			fr.annotations = append(fr.annotations, o.Annotations...)
			o.Annotations = nil
			fr.run.Output = &o
		}
		if run.Actions != nil {
			fr.run.Actions = run.Actions
		}
		if run.ExternalID != "" {
			fr.run.ExternalID = run.ExternalID
		}
		return nil
	}
	return fmt.Errorf("check run %d: %w", id, ErrNotFound)
}

func (f *fakeGitHub) Reviews(ctx context.Context, r Repo, number int) ([]PRReview, error) {
	if err := f.enter("Reviews"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]PRReview(nil), f.reviews[number]...), nil
}

func (f *fakeGitHub) ReviewComments(ctx context.Context, r Repo, number int) ([]PostedComment, error) {
	if err := f.enter("ReviewComments"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]PostedComment(nil), f.rcs[number]...), nil
}

// filePatch returns the pull request's file at path (caller holds mu).
func (f *fakeGitHub) filePatch(number int, path string) (ChangedFile, bool) {
	for _, cf := range f.files[number] {
		if cf.Path == path {
			return cf, true
		}
	}
	return ChangedFile{}, false
}

func (f *fakeGitHub) CreateReview(ctx context.Context, r Repo, number int, rev Review) error {
	if err := f.enter("CreateReview"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if rev.Event != "COMMENT" && rev.Event != "APPROVE" && rev.Event != "REQUEST_CHANGES" {
		return fmt.Errorf("%w: bad review event %q", errUnprocessable, rev.Event)
	}
	for _, c := range rev.Comments {
		cf, ok := f.filePatch(number, c.Path)
		if !ok {
			return fmt.Errorf("%w: path %s is not part of the pull request", errUnprocessable, c.Path)
		}
		if !rightLines(cf.Patch)[c.Line] {
			return fmt.Errorf("%w: pull request review thread line must be part of the diff (%s:%d)", errUnprocessable, c.Path, c.Line)
		}
	}
	id := f.id()
	f.created[number] = append(f.created[number], rev)
	f.reviews[number] = append(f.reviews[number], PRReview{ID: id, User: f.botLogin, State: "COMMENTED", CommitSHA: rev.CommitSHA, Body: rev.Body})
	for _, c := range rev.Comments {
		f.rcs[number] = append(f.rcs[number], PostedComment{ID: f.id(), Path: c.Path, Body: c.Body, User: f.botLogin})
	}
	return nil
}

func (f *fakeGitHub) CreateFileComment(ctx context.Context, r Repo, number int, commitSHA, path, body string) error {
	if err := f.enter("CreateFileComment"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.filePatch(number, path); !ok {
		return fmt.Errorf("%w: path %s is not part of the pull request", errUnprocessable, path)
	}
	f.rcs[number] = append(f.rcs[number], PostedComment{ID: f.id(), Path: path, Body: body, User: f.botLogin})
	return nil
}

func (f *fakeGitHub) IssueComments(ctx context.Context, r Repo, number int) ([]PostedComment, error) {
	if err := f.enter("IssueComments"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]PostedComment(nil), f.ics[number]...), nil
}

func (f *fakeGitHub) CreateIssueComment(ctx context.Context, r Repo, number int, body string) error {
	if err := f.enter("CreateIssueComment"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ics[number] = append(f.ics[number], PostedComment{ID: f.id(), User: f.botLogin, Body: body})
	return nil
}

func (f *fakeGitHub) Permission(ctx context.Context, r Repo, user string) (string, error) {
	if err := f.enter("Permission"); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.perms[user]; ok {
		return p, nil
	}
	return "read", nil
}

func (f *fakeGitHub) TeamMember(ctx context.Context, org, teamSlug, user string) (bool, error) {
	if err := f.enter("TeamMember"); err != nil {
		return false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.teams[org+"/"+teamSlug+"/"+user], nil
}

var _ GitHub = (*fakeGitHub)(nil)
