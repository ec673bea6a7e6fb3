package bot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Replicas share the work through GitHub alone, which offers no
// compare-and-swap on check runs: two replicas handling events for the
// same head at the same moment can both find no run and both create one,
// or both take up the same run. Two rules make them converge on one
// result and one review:
//
//   - The newest run for the inputs decides: GitHub shows it, and branch
//     protection requires it (older runs of the same name are hidden).
//   - Each job writes a claim of its own into the newest run's external id
//     as it starts, and before completing checks the claim is still its
//     own. A job whose claim was overwritten by a later job, or that sees a
//     newer run than the one it claimed, yields: the later job does the same
//     review on fresher data and reports to every run with the inputs.
//
// A yielded job leaves the runs to the job that took over; if that replica
// dies, recovery finds the runs unfinished and redoes them.

// errYielded says a later job took over the head's review.
var errYielded = errors.New("another job took over this review")

// newClaim returns a job's claim token.
func newClaim() string { return fmt.Sprintf("%012x", rand.Uint64()&(1<<48-1)) }

// claimedID is the external id of a run claimed by a job: the inputs' key,
// a dot, the claim.
func claimedID(extID, claim string) string {
	if claim == "" {
		return extID
	}
	return extID + "." + claim
}

// runKey is the inputs' key of an external id, without the claim.
func runKey(externalID string) string {
	k, _, _ := strings.Cut(externalID, ".")
	return k
}

// runClaim is the claim of an external id, "" when it has none.
func runClaim(externalID string) string {
	_, c, _ := strings.Cut(externalID, ".")
	return c
}

// settleCreated resolves the race between replicas that both found no run
// and both created one, right after the create: a job that sees a newer
// run than its own yields at once. Otherwise it reports to every run with
// the inputs.
func settleCreated(ctx context.Context, gh GitHub, r Repo, head, extID string, id int64) (checkRuns, error) {
	listed, err := gh.CheckRuns(ctx, r, head, CheckName)
	if err != nil {
		return nil, fmt.Errorf("listing check runs: %w", err)
	}
	out := checkRuns{{id: id}}
	for _, run := range listed {
		if runKey(run.ExternalID) != extID || run.ID == id {
			continue
		}
		if run.ID > id {
			return nil, errYielded
		}
		out = append(out, listedRun(run))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

func listedRun(run CheckRun) checkRun {
	ref := checkRun{id: run.ID}
	if run.Output != nil {
		ref.annotations = run.Output.AnnotationsCount
	}
	return ref
}

// confirmClaim re-lists the head's runs before a job reports: errYielded
// when the newest run with the inputs no longer carries the job's claim;
// else the runs to report to, including any another replica created
// meanwhile.
func confirmClaim(ctx context.Context, gh GitHub, r Repo, head, extID, claim string, have checkRuns) (checkRuns, error) {
	if claim == "" {
		return have, nil
	}
	listed, err := gh.CheckRuns(ctx, r, head, CheckName)
	if err != nil {
		return nil, fmt.Errorf("listing check runs: %w", err)
	}
	var newest *CheckRun
	known := map[int64]bool{}
	for _, h := range have {
		known[h.id] = true
	}
	out := append(checkRuns(nil), have...)
	for i, run := range listed {
		if runKey(run.ExternalID) != extID {
			continue
		}
		if newest == nil || run.ID > newest.ID {
			newest = &listed[i]
		}
		if !known[run.ID] {
			out = append(out, listedRun(run))
		}
	}
	if newest != nil && runClaim(newest.ExternalID) != claim {
		return nil, errYielded
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

// handBackTimeout bounds handing an interrupted review's runs back; the
// queue waits about as long for cancelled jobs at shutdown.
const handBackTimeout = 5 * time.Second

// handBack puts the runs of a review interrupted by shutdown back to
// queued, unless a later job has taken them over. Recovery on any replica
// redoes a queued run at its next pass, instead of waiting out the grace
// period it gives an in-progress run that a live replica may still hold.
func (r *reviewRun) handBack(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), handBackTimeout)
	defer cancel()
	runs, err := confirmClaim(ctx, r.gh, r.job.Repo, r.pr.HeadSHA, r.extID, r.claim, r.runs)
	if errors.Is(err, errYielded) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, run := range runs {
		upd := CheckRun{Name: CheckName, HeadSHA: r.pr.HeadSHA, Status: "queued"}
		if err := r.gh.UpdateCheckRun(ctx, r.job.Repo, run.id, upd); err != nil {
			return fmt.Errorf("queueing check run %d for recovery: %w", run.id, err)
		}
	}
	return nil
}
