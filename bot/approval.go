package bot

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/report"
)

// approvalMarker is hidden in the bot's issue comment that records an
// approval. Only comments the bot wrote count, so nobody can forge one.
var approvalMarker = regexp.MustCompile(`<!-- kustoguard:approval fingerprint=([0-9A-Za-z]+) by=([A-Za-z0-9_.\[\]-]+) review=([0-9]+) -->`)

// approvalRecord is one approval the bot recorded.
type approvalRecord struct {
	fingerprint, user string
	review            int64 // 0 for the check run's button
}

func approvalComment(rec approvalRecord) string {
	fp := rec.fingerprint
	if len(fp) > 7 {
		fp = fp[:7] + "…"
	}
	return fmt.Sprintf("✅ @%s approved the flagged changes (fingerprint %s)\n\n<!-- kustoguard:approval fingerprint=%s by=%s review=%d -->",
		rec.user, fp, rec.fingerprint, rec.user, rec.review)
}

// approvalRecords parses the approvals recorded in comments by botLogin.
func approvalRecords(comments []PostedComment, botLogin string) []approvalRecord {
	var out []approvalRecord
	if botLogin == "" {
		return nil
	}
	for _, c := range comments {
		if !strings.EqualFold(c.User, botLogin) {
			continue
		}
		for _, m := range approvalMarker.FindAllStringSubmatch(c.Body, -1) {
			id, err := strconv.ParseInt(m[3], 10, 64)
			if err != nil {
				continue
			}
			out = append(out, approvalRecord{fingerprint: m[1], user: m[2], review: id})
		}
	}
	return out
}

// approvers decides who may approve the flagged findings: someone who may
// approve every flagged rule, and never the pull request's author. Answers
// from GitHub are memoized for one evaluation.
type approvers struct {
	gh     GitHub
	repo   Repo
	cfg    *checks.Config
	author string
	rules  []string
	perms  map[string]string
	teams  map[string]bool
}

func newApprovers(gh GitHub, r Repo, cfg *checks.Config, author string, need []checks.Finding) *approvers {
	seen := map[string]bool{}
	var rules []string
	for _, f := range need {
		if !seen[f.Rule] {
			seen[f.Rule] = true
			rules = append(rules, f.Rule)
		}
	}
	return &approvers{gh: gh, repo: r, cfg: cfg, author: author, rules: rules,
		perms: map[string]string{}, teams: map[string]bool{}}
}

func (a *approvers) may(ctx context.Context, user string) (bool, error) {
	if user == "" || strings.EqualFold(user, a.author) {
		return false, nil
	}
	for _, rule := range a.rules {
		users, teams, configured := a.cfg.ApproversFor(rule)
		var ok bool
		var err error
		if configured {
			ok, err = a.listed(ctx, user, users, teams)
		} else {
			ok, err = a.admin(ctx, user)
		}
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (a *approvers) listed(ctx context.Context, user string, users, teams []string) (bool, error) {
	for _, u := range users {
		if strings.EqualFold(u, user) {
			return true, nil
		}
	}
	for _, t := range teams {
		org, slug, ok := strings.Cut(t, "/")
		if !ok {
			continue
		}
		key := strings.ToLower(t + "\x00" + user)
		member, known := a.teams[key]
		if !known {
			var err error
			if member, err = a.gh.TeamMember(ctx, org, slug, user); err != nil {
				return false, fmt.Errorf("checking %s's membership of %s: %w", user, t, err)
			}
			a.teams[key] = member
		}
		if member {
			return true, nil
		}
	}
	return false, nil
}

func (a *approvers) admin(ctx context.Context, user string) (bool, error) {
	key := strings.ToLower(user)
	perm, known := a.perms[key]
	if !known {
		var err error
		if perm, err = a.gh.Permission(ctx, a.repo, user); err != nil {
			return false, fmt.Errorf("reading %s's permission: %w", user, err)
		}
		a.perms[key] = perm
	}
	return perm == "admin", nil
}

// gateInput is what the approval gate looks at; everything is re-read from
// GitHub on every evaluation, so replicas keep no state.
type gateInput struct {
	gh       GitHub
	repo     Repo
	pr       *PullRequest
	job      Job
	cfg      *checks.Config
	botLogin string
	need     []checks.Finding
	fp       string
	log      *slog.Logger
	// reviewsOnly is GitHub Actions mode: approvals are the APPROVED
	// reviews at the head, and records are written for the conversation
	// but never count. A record there is a comment by github-actions[bot],
	// which any workflow of the repository with pull-requests: write can
	// post, so trusting one would let a collaborator's workflow approve
	// their own change.
	reviewsOnly bool
}

// evaluateGate returns the state of the approval gate, recording any new
// approval (an APPROVED review at head, or the Approve button pressed by an
// approver) as a bot comment so that it survives pushes that keep the
// flagged changes. In GitHub Actions (reviewsOnly) an approval is an
// APPROVED review at the head, and a push asks for it again; its record
// is still posted, once, but only as the conversation's note.
func evaluateGate(ctx context.Context, in gateInput) (report.Approval, error) {
	if len(in.need) == 0 {
		return report.Approval{}, nil
	}
	reviews, err := in.gh.Reviews(ctx, in.repo, in.pr.Number)
	if err != nil {
		return report.Approval{}, fmt.Errorf("listing reviews: %w", err)
	}
	comments, err := in.gh.IssueComments(ctx, in.repo, in.pr.Number)
	if err != nil {
		return report.Approval{}, fmt.Errorf("listing comments: %w", err)
	}
	dismissed := map[int64]bool{}
	for _, rv := range reviews {
		if rv.State == "DISMISSED" {
			dismissed[rv.ID] = true
		}
	}
	by := map[string]string{}     // lower-cased login → login
	recorded := map[string]bool{} // lower-cased logins with a record for fp
	for _, rec := range approvalRecords(comments, in.botLogin) {
		if rec.fingerprint != in.fp || strings.EqualFold(rec.user, in.pr.Author) {
			continue
		}
		recorded[strings.ToLower(rec.user)] = true
		if rec.review != 0 && dismissed[rec.review] {
			continue // a dismissed review revokes its approval
		}
		if !in.reviewsOnly {
			by[strings.ToLower(rec.user)] = rec.user
		}
	}

	who := newApprovers(in.gh, in.repo, in.cfg, in.pr.Author, in.need)
	accept := func(user string, review int64) error {
		if _, done := by[strings.ToLower(user)]; done {
			return nil // already recorded for this fingerprint
		}
		ok, err := who.may(ctx, user)
		if err != nil {
			return err
		}
		if !ok {
			in.log.InfoContext(ctx, "approval ignored: not an approver", "user", user, "review_id", review)
			return nil
		}
		if in.reviewsOnly && recorded[strings.ToLower(user)] {
			by[strings.ToLower(user)] = user
			return nil
		}
		rec := approvalRecord{fingerprint: in.fp, user: user, review: review}
		if err := in.gh.CreateIssueComment(ctx, in.repo, in.pr.Number, approvalComment(rec)); err != nil {
			return fmt.Errorf("recording %s's approval: %w", user, err)
		}
		by[strings.ToLower(user)] = user
		in.log.InfoContext(ctx, "approval recorded", "user", user, "review_id", review, "fingerprint", in.fp)
		return nil
	}
	for _, rv := range reviews {
		if rv.State == "APPROVED" && rv.CommitSHA == in.pr.HeadSHA {
			if err := accept(rv.User, rv.ID); err != nil {
				return report.Approval{}, err
			}
		}
	}
	j := in.job
	if j.Event == "check_run" && j.Action == "requested_action" && j.RequestedAction == approveAction.Identifier {
		// A press on an older head's run approved what that head flagged,
		// which a later push may have changed: it does not carry over.
		if j.HeadSHA != in.pr.HeadSHA {
			in.log.InfoContext(ctx, "approval ignored: button pressed on an older head", "user", j.Sender, "pressed_on", j.HeadSHA)
		} else if err := accept(j.Sender, 0); err != nil {
			return report.Approval{}, err
		}
	}

	approved := make([]string, 0, len(by))
	for _, u := range by {
		approved = append(approved, u)
	}
	sort.Strings(approved)
	// The CLI builds its gate with the same call, so both name the same approvers.
	return report.Gate(in.cfg, in.need, approved), nil
}
