package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
)

const (
	docCreateCheckRun = "https://docs.github.com/rest/checks/runs#create-a-check-run"
	docUpdateCheckRun = "https://docs.github.com/rest/checks/runs#update-a-check-run"
	// maxOutputChars is GitHub's limit on output.summary and output.text.
	maxOutputChars = 65535
	maxAnnotations = 50
	maxActions     = 3
)

// checkRunRequest is a create or update body; pointers tell "absent" from
// "empty", which GitHub's rules depend on.
type checkRunRequest struct {
	Name        *string                  `json:"name"`
	HeadSHA     *string                  `json:"head_sha"`
	DetailsURL  *string                  `json:"details_url"`
	ExternalID  *string                  `json:"external_id"`
	Status      *string                  `json:"status"`
	Conclusion  *string                  `json:"conclusion"`
	StartedAt   *github.Timestamp        `json:"started_at"`
	CompletedAt *github.Timestamp        `json:"completed_at"`
	Output      *outputRequest           `json:"output"`
	Actions     []*github.CheckRunAction `json:"actions"`
}

type outputRequest struct {
	Title       *string                      `json:"title"`
	Summary     *string                      `json:"summary"`
	Text        *string                      `json:"text"`
	Annotations []*github.CheckRunAnnotation `json:"annotations"`
}

var (
	statuses    = []string{"queued", "in_progress", "completed"}
	conclusions = []string{"action_required", "cancelled", "failure", "neutral", "success", "skipped", "timed_out"}
	levels      = []string{"notice", "warning", "failure"}
)

// validate applies GitHub's rules for check run bodies; it returns the
// offending field and message.
func (in *checkRunRequest) validate() (field, msg string) {
	if in.Status != nil && !slices.Contains(statuses, *in.Status) {
		return "status", fmt.Sprintf("%q is not a valid status", *in.Status)
	}
	if in.Conclusion != nil && !slices.Contains(conclusions, *in.Conclusion) {
		return "conclusion", fmt.Sprintf("%q is not a valid conclusion", *in.Conclusion)
	}
	completed := in.Status != nil && *in.Status == "completed"
	if (completed || in.CompletedAt != nil) && in.Conclusion == nil {
		return "conclusion", "conclusion is required when status is completed or completed_at is given"
	}
	// A conclusion alone implies completed; with another explicit status
	// it is contradictory.
	if in.Conclusion != nil && in.Status != nil && !completed {
		return "status", "status must be completed when a conclusion is given"
	}
	if f, m := in.Output.validate(); f != "" {
		return f, m
	}
	if len(in.Actions) > maxActions {
		return "actions", fmt.Sprintf("at most %d actions are allowed, got %d", maxActions, len(in.Actions))
	}
	for i, a := range in.Actions {
		switch {
		case a.Label == "" || utf8.RuneCountInString(a.Label) > 20:
			return fmt.Sprintf("actions[%d].label", i), "label is required and must be at most 20 characters"
		case a.Description == "" || utf8.RuneCountInString(a.Description) > 40:
			return fmt.Sprintf("actions[%d].description", i), "description is required and must be at most 40 characters"
		case a.Identifier == "" || utf8.RuneCountInString(a.Identifier) > 20:
			return fmt.Sprintf("actions[%d].identifier", i), "identifier is required and must be at most 20 characters"
		}
	}
	return "", ""
}

func (o *outputRequest) validate() (field, msg string) {
	if o == nil {
		return "", ""
	}
	switch {
	case o.Title == nil || *o.Title == "":
		return "output.title", "title is required with output"
	case o.Summary == nil || *o.Summary == "":
		return "output.summary", "summary is required with output"
	case utf8.RuneCountInString(*o.Summary) > maxOutputChars:
		return "output.summary", fmt.Sprintf("summary is too long (maximum is %d characters)", maxOutputChars)
	case o.Text != nil && utf8.RuneCountInString(*o.Text) > maxOutputChars:
		return "output.text", fmt.Sprintf("text is too long (maximum is %d characters)", maxOutputChars)
	case len(o.Annotations) > maxAnnotations:
		return "output.annotations", fmt.Sprintf("at most %d annotations are allowed per request, got %d", maxAnnotations, len(o.Annotations))
	}
	for i, a := range o.Annotations {
		f := fmt.Sprintf("output.annotations[%d]", i)
		switch {
		case a.GetPath() == "":
			return f + ".path", "path is required"
		case a.GetStartLine() < 1 || a.GetEndLine() < a.GetStartLine():
			return f + ".start_line", "start_line must be at least 1 and end_line at least start_line"
		case !slices.Contains(levels, a.GetAnnotationLevel()):
			return f + ".annotation_level", "annotation_level must be notice, warning or failure"
		case a.GetMessage() == "":
			return f + ".message", "message is required"
		case (a.StartColumn != nil || a.EndColumn != nil) && a.GetStartLine() != a.GetEndLine():
			return f + ".start_column", "columns are allowed only when start_line equals end_line"
		}
	}
	return "", ""
}

func (s *Server) createCheckRun(w http.ResponseWriter, r *http.Request) {
	var in checkRunRequest
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		badJSON(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.lookupRepo(w, r)
	if rp == nil {
		return
	}
	switch {
	case in.Name == nil || *in.Name == "":
		invalid(w, "CheckRun", "name", "name is missing", docCreateCheckRun)
		return
	case in.HeadSHA == nil || rp.trees[*in.HeadSHA] == nil:
		invalid(w, "CheckRun", "head_sha", "No commit found for SHA: "+deref(in.HeadSHA), docCreateCheckRun)
		return
	}
	if f, m := in.validate(); f != "" {
		invalid(w, "CheckRun", f, m, docCreateCheckRun)
		return
	}
	id := s.id()
	cr := &checkRun{run: &github.CheckRun{
		ID: &id, Name: in.Name, HeadSHA: in.HeadSHA, Status: github.String("queued"),
		App: &github.App{ID: &s.AppID, Slug: &s.AppSlug},
	}}
	cr.apply(&in)
	rp.checkRuns = append(rp.checkRuns, cr)
	writeJSON(w, http.StatusCreated, cr.listed())
}

func (s *Server) updateCheckRun(w http.ResponseWriter, r *http.Request) {
	var in checkRunRequest
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		badJSON(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cr := s.lookupCheckRun(w, r)
	if cr == nil {
		return
	}
	if in.Name != nil && *in.Name == "" {
		invalid(w, "CheckRun", "name", "name cannot be blank", docUpdateCheckRun)
		return
	}
	if f, m := in.validate(); f != "" {
		invalid(w, "CheckRun", f, m, docUpdateCheckRun)
		return
	}
	cr.apply(&in)
	writeJSON(w, http.StatusOK, cr.listed())
}

func (s *Server) getCheckRun(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cr := s.lookupCheckRun(w, r); cr != nil {
		writeJSON(w, http.StatusOK, cr.listed())
	}
}

func (s *Server) lookupCheckRun(w http.ResponseWriter, r *http.Request) *checkRun {
	rp := s.lookupRepo(w, r)
	if rp == nil {
		return nil
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for _, cr := range rp.checkRuns {
		if cr.run.GetID() == id {
			return cr
		}
	}
	notFound(w)
	return nil
}

// apply merges a validated body into the run as GitHub does: annotations
// add up across requests, the rest is replaced when given.
func (cr *checkRun) apply(in *checkRunRequest) {
	run := cr.run
	if in.Name != nil {
		run.Name = in.Name
	}
	if in.ExternalID != nil {
		run.ExternalID = in.ExternalID
	}
	if in.DetailsURL != nil {
		run.DetailsURL = in.DetailsURL
	}
	if in.Status != nil {
		run.Status = in.Status
	}
	if in.StartedAt != nil {
		run.StartedAt = in.StartedAt
	}
	if in.Conclusion != nil {
		run.Conclusion = in.Conclusion
		run.Status = github.String("completed")
		run.CompletedAt = in.CompletedAt
		if run.CompletedAt == nil {
			run.CompletedAt = &github.Timestamp{Time: time.Now().UTC()}
		}
	}
	if in.Output != nil {
		if run.Output == nil {
			run.Output = &github.CheckRunOutput{}
		}
		run.Output.Title, run.Output.Summary = in.Output.Title, in.Output.Summary
		if in.Output.Text != nil {
			run.Output.Text = in.Output.Text
		}
		cr.annotations = append(cr.annotations, in.Output.Annotations...)
		run.Output.AnnotationsCount = github.Int(len(cr.annotations))
	}
	if in.Actions != nil {
		cr.actions = in.Actions
	}
}

// listed is the run as the API returns it: annotations are counted, not
// included.
func (cr *checkRun) listed() *github.CheckRun {
	c := *cr.run
	if c.Output != nil {
		o := *c.Output
		o.Annotations = nil
		c.Output = &o
	}
	return &c
}

func (s *Server) listCheckRuns(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.lookupRepo(w, r)
	if rp == nil {
		return
	}
	q := r.URL.Query()
	name, filter := q.Get("check_name"), q.Get("filter")
	var runs []*github.CheckRun
	latest := map[string]int{} // name → index in runs, for filter=latest
	for _, cr := range rp.checkRuns {
		if cr.run.GetHeadSHA() != r.PathValue("ref") || (name != "" && cr.run.GetName() != name) {
			continue
		}
		if filter != "all" {
			if i, ok := latest[cr.run.GetName()]; ok {
				runs[i] = cr.listed()
				continue
			}
			latest[cr.run.GetName()] = len(runs)
		}
		runs = append(runs, cr.listed())
	}
	slices.Reverse(runs) // newest first, as GitHub lists them
	lo, hi := page(w, r, len(runs))
	writeJSON(w, http.StatusOK, &github.ListCheckRunsResults{Total: github.Int(len(runs)), CheckRuns: nonNil(runs[lo:hi])})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
