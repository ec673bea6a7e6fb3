package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/kustoguard/kustoguard/report"
)

// maxReviewComments caps the comments of one review; the rest stay in the
// check run.
const maxReviewComments = 30

// reviewMarker is hidden in the review body: with the author, it tells our
// review for a head apart from others.
const reviewMarker = "<!-- kustoguard:review -->"

// byBot reports whether a comment or review author is the bot. Without a
// configured login nothing is attributed to it.
func byBot(user, botLogin string) bool {
	return botLogin != "" && strings.EqualFold(user, botLogin)
}

// reviewPlan is what one review posts.
type reviewPlan struct {
	inline    []ReviewComment
	fileLevel []ReviewComment // Line unused
	// findings counts the new findings the comments hold (a comment holds
	// every rule and overlay of its line); omitted counts those of the
	// comments past the cap.
	findings, omitted int
}

func (p reviewPlan) empty() bool { return len(p.inline)+len(p.fileLevel) == 0 }

func (p reviewPlan) body() string {
	n := p.findings
	noun := "findings"
	if n == 1 {
		noun = "finding"
	}
	b := fmt.Sprintf("kustoguard: %d new %s on the lines and files of this pull request", n, noun)
	if c := len(p.inline) + len(p.fileLevel); c < n {
		b += fmt.Sprintf(", in %d comments (one per line)", c)
	}
	b += "."
	if p.omitted > 0 {
		b += fmt.Sprintf("\n\n%d more new findings are listed in the kustoguard check run only (at most %d comments per review).", p.omitted, maxReviewComments)
	}
	return b + "\n\n" + reviewMarker
}

// planReview places each candidate not yet commented on: inline when its
// line is on the new side of the file's diff (GitHub accepts nothing
// else), file-level when the file is in the pull request, else nowhere
// (the check run has it). At most maxReviewComments are placed.
func planReview(candidates []report.Comment, files []ChangedFile, posted map[string]bool) reviewPlan {
	byPath := map[string]ChangedFile{}
	for _, f := range files {
		if f.Status != "removed" {
			byPath[f.Path] = f
		}
	}
	lineSets := map[string]map[int]bool{}
	seen := map[string]bool{}
	var p reviewPlan
	for _, c := range candidates {
		body, fps, findings := unposted(c, posted, seen)
		if body == "" {
			continue
		}
		f, ok := byPath[c.Path]
		if !ok {
			continue
		}
		for _, fp := range fps {
			seen[fp] = true
		}
		if len(p.inline)+len(p.fileLevel) >= maxReviewComments {
			p.omitted += findings
			continue
		}
		p.findings += findings
		c.Body = body
		lines, ok := lineSets[f.Path]
		if !ok {
			lines = rightLines(f.Patch)
			lineSets[f.Path] = lines
		}
		if c.Line > 0 && lines[c.Line] {
			p.inline = append(p.inline, ReviewComment{Path: c.Path, Line: c.Line, Body: c.Body})
		} else {
			p.fileLevel = append(p.fileLevel, ReviewComment{Path: c.Path, Body: c.Body})
		}
	}
	return p
}

// unposted is what of c is still to say: the body of its parts whose
// findings are not all commented on yet (by an earlier review, or by an
// earlier candidate), their fingerprints and how many findings they hold;
// an empty body when nothing is left. A comment without parts is one
// finding, known by its fingerprint.
func unposted(c report.Comment, posted, seen map[string]bool) (body string, fps []string, findings int) {
	done := func(fp string) bool { return posted[fp] || seen[fp] }
	if len(c.Parts) == 0 {
		fp := c.Fingerprint
		if fp == "" {
			if in := report.FingerprintsIn(c.Body); len(in) > 0 {
				fp = in[0]
			}
		}
		if fp == "" {
			return c.Body, nil, 1
		}
		if done(fp) {
			return "", nil, 0
		}
		return c.Body, []string{fp}, 1
	}
	var keep []report.CommentPart
	for _, part := range c.Parts {
		if !slices.ContainsFunc(part.Fingerprints, func(fp string) bool { return !done(fp) }) {
			continue
		}
		keep = append(keep, part)
		fps = append(fps, part.Fingerprints...)
		findings += len(part.Fingerprints)
	}
	if len(keep) == 0 {
		return "", nil, 0
	}
	return report.CommentBody(keep), fps, findings
}

// reviewInput is what posting the review needs.
type reviewInput struct {
	gh       GitHub
	repo     Repo
	pr       *PullRequest
	files    []ChangedFile
	comments []report.Comment
	botLogin string
	log      *slog.Logger
	// confirm, when set, is asked right before posting whether this job
	// still owns the review; errYielded means a later job took it over.
	confirm func(ctx context.Context) error
	// notBefore, when set, is when to look for the review another job
	// may be posting for this head (see reviewSettle).
	notBefore time.Time
}

// DefaultReviewSettle is how long a job that took a head over from another
// job still at work gives that job's review to land before looking for
// it. GitHub has no compare-and-swap: the other job may have confirmed its
// claim just before this one took over, and be posting right now; a look
// too early misses its comments and repeats them. Only the review waits:
// the check run is complete by then.
const DefaultReviewSettle = time.Second

// postReview posts the head's review once: nothing when the bot already
// reviewed this head (another replica, or a redelivery) or when there is
// nothing new to say. File-level comments go first and the review last, so
// a retry after a partial failure re-posts only what is missing.
func postReview(ctx context.Context, in reviewInput) error {
	if len(in.comments) == 0 {
		return nil
	}
	if wait := time.Until(in.notBefore); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	// Re-read right before posting: another replica may have just posted.
	reviews, err := in.gh.Reviews(ctx, in.repo, in.pr.Number)
	if err != nil {
		return fmt.Errorf("listing reviews: %w", err)
	}
	for _, rv := range reviews {
		ours := byBot(rv.User, in.botLogin)
		if in.botLogin == "" {
			ours = strings.Contains(rv.Body, reviewMarker)
		}
		if ours && rv.CommitSHA == in.pr.HeadSHA {
			in.log.DebugContext(ctx, "review already posted for this head", "review_id", rv.ID)
			return nil
		}
	}
	existing, err := in.gh.ReviewComments(ctx, in.repo, in.pr.Number)
	if err != nil {
		return fmt.Errorf("listing review comments: %w", err)
	}
	posted := map[string]bool{}
	for _, c := range existing {
		if in.botLogin != "" && !byBot(c.User, in.botLogin) {
			continue // only the bot's own markers count
		}
		for _, fp := range report.FingerprintsIn(c.Body) {
			posted[fp] = true
		}
	}
	plan := planReview(in.comments, in.files, posted)
	if plan.empty() {
		return nil
	}
	if in.confirm != nil {
		err := in.confirm(ctx)
		if errors.Is(err, errYielded) {
			in.log.InfoContext(ctx, "a later job took over this review; not posting")
			return nil
		}
		if err != nil {
			return err
		}
	}
	// A review of a head the pull request has moved on from would be
	// outdated on arrival, and the newer head's review, listing the
	// comments while this one's are on their way, could repeat them.
	if cur, err := in.gh.PullRequest(ctx, in.repo, in.pr.Number); err != nil {
		return fmt.Errorf("reading the pull request: %w", err)
	} else if cur.HeadSHA != in.pr.HeadSHA {
		in.log.InfoContext(ctx, "the pull request has a newer head; not posting", "head", cur.HeadSHA)
		return nil
	}
	for _, c := range plan.fileLevel {
		if err := in.gh.CreateFileComment(ctx, in.repo, in.pr.Number, in.pr.HeadSHA, c.Path, c.Body); err != nil {
			return fmt.Errorf("commenting on %s: %w", c.Path, err)
		}
	}
	rev := Review{CommitSHA: in.pr.HeadSHA, Event: "COMMENT", Body: plan.body(), Comments: plan.inline}
	if err := in.gh.CreateReview(ctx, in.repo, in.pr.Number, rev); err != nil {
		return fmt.Errorf("posting the review: %w", err)
	}
	in.log.InfoContext(ctx, "review posted", "inline", len(plan.inline), "file_level", len(plan.fileLevel), "omitted", plan.omitted)
	return nil
}
