package bot

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/report"
)

// maxAnnotations is how many annotations GitHub takes in one request.
const maxAnnotations = 50

// approveAction is the check run button that approves flagged changes.
var approveAction = CheckAction{
	Label:       "Approve",
	Description: "Approve the flagged changes",
	Identifier:  "approve",
}

// externalID keys a check run by what its review depends on: the base and
// head commits and the configuration blob. Replicas and events that see the
// same inputs compute the same id and converge on one run.
func externalID(baseSHA, headSHA, configBlob string) string {
	sum := sha256.Sum256([]byte(baseSHA + "\x00" + headSHA + "\x00" + configBlob))
	return "kg1-" + hex.EncodeToString(sum[:10])
}

// unkeyedID is the external id of a run created when the configuration
// could not be read (so the real id is unknown); the next evaluation that
// can read it adopts the run instead of creating a second one.
func unkeyedID(baseSHA, headSHA string) string {
	return externalID(baseSHA, headSHA, "unknown-config")
}

// blobSHA is git's object id of a file's content, as GitHub reports it; ""
// for an absent file.
func blobSHA(content []byte) string {
	if content == nil {
		return ""
	}
	h := sha1.New()
	h.Write([]byte("blob " + strconv.Itoa(len(content)) + "\x00"))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// checkRun is one run a review reports to.
type checkRun struct {
	id int64
	// annotations is how many annotations the run already holds: GitHub
	// appends, so a re-run on the same run sends only the missing ones.
	annotations int
}

// checkRuns are the runs a review reports to: normally one. Should two
// replicas ever both have created a run for the same inputs (the list and
// the create are two requests), every evaluation reports to all of them,
// so they never disagree; GitHub cannot delete a check run.
type checkRuns []checkRun

func (rs checkRuns) ids() []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.id
	}
	return out
}

// openCheckRuns finds our runs for (head, extID) and puts them in
// progress, or creates one in progress. Runs with the adopt id (unkeyedID)
// are taken over and re-keyed when no run has extID. It lists right before
// creating to keep the window in which two replicas could both create small.
//
// The newest run (the one GitHub shows and branch protection requires)
// carries the job's claim in its external id; confirmClaim later tells
// whether a job that started since has taken it over.
//
// contended says another job may still be at work on the head: it holds an
// older run of the inputs, or the run taken over is claimed by a job still
// in progress or completed within recentCompletion (a job completes its
// run before it posts the review, so a completed run does not mean a
// finished job). mine is the claim of this process's last finished job on
// the pull request, which is no other job.
func openCheckRuns(ctx context.Context, gh GitHub, r Repo, head, extID, adopt, claim, mine string, now time.Time) (runs checkRuns, contended bool, err error) {
	listed, err := gh.CheckRuns(ctx, r, head, CheckName)
	if err != nil {
		return nil, false, fmt.Errorf("listing check runs: %w", err)
	}
	var found []CheckRun
	for _, id := range []string{extID, adopt} {
		for _, run := range listed {
			if id != "" && runKey(run.ExternalID) == id {
				found = append(found, run)
			}
		}
		if len(found) > 0 {
			break
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].ID < found[j].ID })
	var out checkRuns
	for i, run := range found {
		ref := checkRun{id: run.ID}
		if run.Output != nil {
			ref.annotations = run.Output.AnnotationsCount
		}
		newest := i == len(found)-1
		if c := runClaim(run.ExternalID); newest && c != "" && c != mine && (run.Status == "in_progress" || time.Since(run.CompletedAt) < recentCompletion) {
			contended = true
		}
		if newest || run.Status != "in_progress" || runKey(run.ExternalID) != extID {
			ext := extID
			if newest {
				ext = claimedID(extID, claim)
			}
			upd := CheckRun{Name: CheckName, HeadSHA: head, ExternalID: ext, Status: "in_progress", StartedAt: now}
			if err := gh.UpdateCheckRun(ctx, r, run.ID, upd); err != nil {
				return nil, false, fmt.Errorf("restarting check run %d: %w", run.ID, err)
			}
		}
		out = append(out, ref)
	}
	if len(out) > 0 {
		return out, contended, nil
	}
	create := CheckRun{Name: CheckName, HeadSHA: head, ExternalID: claimedID(extID, claim), Status: "in_progress", StartedAt: now}
	id, err := gh.CreateCheckRun(ctx, r, create)
	if err != nil && ctx.Err() == nil {
		// A failed POST is not retried by the transport (GitHub may have
		// acted on it), yet without a run the pull request gets no verdict:
		// look for the run by its external id, and create it only when
		// GitHub did not.
		id, err = recreateCheckRun(ctx, gh, r, create, err)
	}
	if err != nil {
		return nil, false, fmt.Errorf("creating check run: %w", err)
	}
	runs, err = settleCreated(ctx, gh, r, head, extID, id)
	// Older runs of the inputs: another replica created one at the same time.
	return runs, len(runs) > 1, err
}

// recentCompletion is how long after a job completed its run another job
// taking the run over counts it as possibly still posting its review.
const recentCompletion = 10 * time.Second

// recreateCheckRun is the second attempt at creating run after failed.
func recreateCheckRun(ctx context.Context, gh GitHub, r Repo, run CheckRun, failed error) (int64, error) {
	listed, err := gh.CheckRuns(ctx, r, run.HeadSHA, CheckName)
	if err != nil {
		return 0, failed
	}
	for _, l := range listed {
		if l.ExternalID == run.ExternalID {
			return l.ID, nil
		}
	}
	return gh.CreateCheckRun(ctx, r, run)
}

// complete reports rep on every run.
func (rs checkRuns) complete(ctx context.Context, gh GitHub, r Repo, head string, rep report.CheckRun, actions []CheckAction) error {
	for _, run := range rs {
		if err := completeCheckRun(ctx, gh, r, run, head, rep, actions); err != nil {
			return err
		}
	}
	return nil
}

// completeCheckRun reports rep on the run. GitHub takes 50 annotations per
// request and appends them, so all but the last batch go first in updates
// that keep the run in progress, and the last batch rides on the completing
// update: the run is never seen completed with annotations missing.
// Annotations the run already holds (a re-run with the same inputs) are
// not sent again.
func completeCheckRun(ctx context.Context, gh GitHub, r Repo, run checkRun, head string, rep report.CheckRun, actions []CheckAction) error {
	anns := annotations(rep.Annotations)
	if run.annotations >= len(anns) {
		anns = nil
	} else {
		anns = anns[run.annotations:]
	}
	for len(anns) > maxAnnotations {
		upd := CheckRun{
			Name: CheckName, HeadSHA: head, Status: "in_progress",
			Output: &CheckOutput{Title: rep.Title, Summary: rep.Summary, Annotations: anns[:maxAnnotations]},
		}
		if err := gh.UpdateCheckRun(ctx, r, run.id, upd); err != nil {
			return fmt.Errorf("adding annotations to check run %d: %w", run.id, err)
		}
		anns = anns[maxAnnotations:]
	}
	if actions == nil {
		actions = []CheckAction{} // clears a button an earlier evaluation showed
	}
	final := CheckRun{
		Name: CheckName, HeadSHA: head, Status: "completed", Conclusion: rep.Conclusion,
		Output:  &CheckOutput{Title: rep.Title, Summary: rep.Summary, Text: rep.Text, Annotations: anns},
		Actions: actions,
	}
	if err := gh.UpdateCheckRun(ctx, r, run.id, final); err != nil {
		return fmt.Errorf("completing check run %d: %w", run.id, err)
	}
	return nil
}

func annotations(in []report.Annotation) []Annotation {
	out := make([]Annotation, 0, len(in))
	for _, a := range in {
		line := max(a.Line, 1)
		out = append(out, Annotation{
			Path: a.Path, StartLine: line, EndLine: line,
			Level: a.Level, Title: a.Title, Message: a.Message,
		})
	}
	return out
}

// invalidConfigReport is the result for a configuration that does not
// parse: the repository's problem, so a result rather than a fault.
func invalidConfigReport(baseRef string, err error) report.CheckRun {
	return report.CheckRun{
		Conclusion: report.Failure,
		Title:      "Invalid " + checks.ConfigPath,
		Summary: fmt.Sprintf("kustoguard reads its configuration from the base branch (%s), and it does not parse:\n\n```\n%s\n```\n\n"+
			"Fix %s on %s, then re-run the check.", baseRef, errorText(err), checks.ConfigPath, baseRef),
	}
}

// loadFailureReport is the result for a repository that cannot be loaded,
// typically one over the size limits.
func loadFailureReport(err error) report.CheckRun {
	return report.CheckRun{
		Conclusion: report.Failure,
		Title:      "kustoguard could not load the repository",
		Summary:    fmt.Sprintf("```\n%s\n```\n\nkustoguard reviews repositories within its size limits; nothing was rendered.", errorText(err)),
	}
}

// errorText is an error as shown in a check run: bounded, since GitHub
// refuses summaries over 65,535 characters, and unable to close the code
// fence it is shown in.
func errorText(err error) string {
	s := strings.ReplaceAll(err.Error(), "```", "'''")
	if len(s) > 4000 {
		s = s[:4000] + " …"
	}
	return s
}

// faultReport is what the check run says when a fault stopped the review.
func faultReport(err error) report.CheckRun {
	return report.CheckRun{
		Conclusion: report.Failure,
		Title:      "kustoguard could not finish the review",
		Summary:    fmt.Sprintf("kustoguard ran into an error while reviewing this pull request:\n\n```\n%s\n```\n\nRe-run the check to try again.", errorText(err)),
	}
}

// finishedClaims remembers the claim of each pull request's last finished
// job for recentCompletion; older entries go as new ones come.
type finishedClaims struct {
	mu sync.Mutex
	m  map[string]finishedClaim
}

type finishedClaim struct {
	claim string
	at    time.Time
}

func (f *finishedClaims) note(key, claim string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]finishedClaim{}
	}
	now := time.Now()
	if len(f.m) >= 256 {
		for k, c := range f.m {
			if now.Sub(c.at) > recentCompletion {
				delete(f.m, k)
			}
		}
	}
	f.m[key] = finishedClaim{claim, now}
}

func (f *finishedClaims) last(key string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.m[key].claim
}
