package checks

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/kustoguard/kustoguard/render"
)

// OverlayStatus is the status of an overlay in a review.
type OverlayStatus string

// The overlay statuses.
const (
	OverlayAdded     OverlayStatus = "added"
	OverlayRemoved   OverlayStatus = "removed"
	OverlayChanged   OverlayStatus = "changed"
	OverlayUnchanged OverlayStatus = "unchanged"
	OverlayError     OverlayStatus = "error"
)

// Counts counts an overlay's objects by change type.
type Counts struct {
	Added     int `json:"added"`
	Removed   int `json:"removed"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
}

// OverlayResult is the review of one affected overlay.
type OverlayResult struct {
	Path    string        `json:"path"`
	Status  OverlayStatus `json:"status"`
	Objects Counts        `json:"objects"`
	Error   string        `json:"error"`
	// Reason says why the overlay was reviewed: why it is a root (not used
	// by another kustomization, deployed by an Argo CD or Flux object,
	// configured) and which change reaches it.
	Reason string `json:"reason,omitempty"`
	// MovedFrom is the overlay's path on the base side when the pull
	// request moved it; the overlay is compared with its old render.
	MovedFrom string `json:"movedFrom,omitempty"`
	// BaseError is the overlay's render error on the base side, when it
	// had one there too: a render error the pull request did not cause.
	BaseError string `json:"baseError,omitempty"`
	Diff      string `json:"diff"`
}

// Summary counts what a review found.
type Summary struct {
	OverlaysAffected int `json:"overlaysAffected"`
	Blocking         int `json:"blocking"`
	Warnings         int `json:"warnings"`
	Notices          int `json:"notices"`
}

// Result is a whole review; its JSON form is `kustoguard check --format json`.
type Result struct {
	Base     string          `json:"base"`
	Head     string          `json:"head"`
	Overlays []OverlayResult `json:"overlays"`
	Findings []Finding       `json:"findings"`
	Summary  Summary         `json:"summary"`
	// Deprecations are the deprecated kustomization fields the reviewed
	// overlays read at head, each once.
	Deprecations []render.Deprecation `json:"deprecations,omitempty"`
}

// ReviewInput is what a review compares.
type ReviewInput struct {
	BaseName, HeadName string
	Base, Head         *render.Tree
	// Changed are the paths the pull request changes (both paths of a
	// rename); nil means compare the trees.
	Changed []string
	// Config is the base side's configuration (DefaultConfig when nil).
	Config *Config
	Rules  []Rule
	// Workers bounds how many overlays render at once (GOMAXPROCS when 0).
	Workers int
}

// Review runs the whole pipeline: select the affected overlays, render
// both sides, diff, run the rules, and summarise. An overlay that fails to
// render is a result (status error, a render-error finding), not an error;
// Review fails only when the trees cannot be examined at all or ctx ends.
func Review(ctx context.Context, in ReviewInput) (*Result, error) {
	cfg := in.Config
	if cfg == nil {
		cfg = DefaultConfig()
	}
	changed := in.Changed
	if changed == nil {
		changed = render.ChangedFiles(in.Base, in.Head)
	}
	selected, err := render.AffectedWhy(in.Base, in.Head, cfg.Overlays, cfg.Ignore, changed)
	if err != nil {
		return nil, fmt.Errorf("selecting affected overlays: %w", err)
	}
	// An overlay on both sides is judged as soon as it is rendered, and
	// its objects let go: a review holds the renders of the overlays in
	// flight, not of every overlay. Only overlays that appeared or went
	// wait, for pairMoves to see what they render.
	sides := make([]overlaySides, len(selected))
	forEach(in.Workers, len(selected), func(i int) {
		s := renderSides(ctx, in, selected[i])
		if s.AtBase && s.AtHead {
			r, fs := judgeOverlay(in, cfg, changed, s)
			s.judged = &judged{r, fs}
			s.Base, s.Head = nil, nil
		}
		sides[i] = s
	})
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reviewing: %w", err)
	}
	sides = pairMoves(append(sides, movedCandidates(ctx, in, selected, sides)...))

	res := &Result{Base: in.BaseName, Head: in.HeadName, Overlays: make([]OverlayResult, len(sides))}
	perOverlay := make([][]Finding, len(sides))
	forEach(in.Workers, len(sides), func(i int) {
		if j := sides[i].judged; j != nil {
			res.Overlays[i], perOverlay[i] = j.result, j.findings
			return
		}
		res.Overlays[i], perOverlay[i] = judgeOverlay(in, cfg, changed, sides[i])
	})

	for _, fs := range perOverlay {
		res.Findings = append(res.Findings, fs...)
	}
	baseCfg, _ := in.Base.ReadFile(ConfigPath)
	headCfg, _ := in.Head.ReadFile(ConfigPath)
	res.Findings = append(res.Findings, ConfigChange(changed, baseCfg, headCfg, cfg)...)
	res.Findings = sortFindings(res.Findings)
	res.Summary = summarize(res)
	var atHead []string
	for _, s := range sides {
		if s.AtHead {
			atHead = append(atHead, s.HeadDir)
		}
	}
	res.Deprecations = render.Deprecations(in.Head, atHead)
	return res, nil
}

// forEach runs fn(0..n-1) on at most workers goroutines (GOMAXPROCS
// when 0) and waits for them.
func forEach(workers, n int, fn func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// overlaySides is one overlay rendered on both sides. BaseDir and HeadDir
// differ only for an overlay that moved (see pairMoves).
type overlaySides struct {
	BaseDir, HeadDir string
	Reason           string
	AtBase, AtHead   bool
	Base, Head       []render.Object
	BaseErr, HeadErr error
	// Candidate marks a kustomization deleted at head that was not
	// selected (another kustomization used it): reviewed only as the old
	// path of an overlay that moved.
	Candidate bool
	// judged holds the verdict on an overlay judged right after its
	// renders (one present on both sides, which no move can pair).
	judged *judged
}

type judged struct {
	result   OverlayResult
	findings []Finding
}

// renderSides renders the selected overlay where it exists.
func renderSides(ctx context.Context, in ReviewInput, sel render.Selected) overlaySides {
	s := overlaySides{BaseDir: sel.Dir, HeadDir: sel.Dir, Reason: sel.Reason}
	s.AtBase, s.AtHead = in.Base.KustomizationFile(sel.Dir) != "", in.Head.KustomizationFile(sel.Dir) != ""
	if s.AtBase {
		s.Base, s.BaseErr = in.Base.Render(ctx, sel.Dir)
	}
	if s.AtHead {
		s.Head, s.HeadErr = in.Head.Render(ctx, sel.Dir)
	}
	return s
}

// judgeOverlay diffs one overlay's renders and runs the rules on them.
func judgeOverlay(in ReviewInput, cfg *Config, changed []string, s overlaySides) (OverlayResult, []Finding) {
	dir := s.HeadDir
	out := OverlayResult{Path: dir, Reason: s.Reason}
	if s.BaseDir != s.HeadDir {
		out.MovedFrom = s.BaseDir
	}
	// A base that no longer renders is compared as empty: the pull request
	// is judged on what it renders, not blamed for the base.
	base, head, baseErr := s.Base, s.Head, s.BaseErr
	if s.HeadErr != nil {
		return renderFailed(in, cfg, out, dir, s.HeadErr, baseErr)
	}
	atBase, atHead := s.AtBase, s.AtHead

	changes := render.Diff(base, head)
	var diffs strings.Builder
	for _, c := range changes {
		switch c.Type {
		case render.Added:
			out.Objects.Added++
		case render.Removed:
			out.Objects.Removed++
		case render.Modified:
			out.Objects.Changed++
		case render.Unchanged:
			out.Objects.Unchanged++
		}
		diffs.WriteString(c.Diff)
	}
	out.Diff = diffs.String()
	switch {
	case !atBase:
		out.Status = OverlayAdded
	case !atHead:
		out.Status = OverlayRemoved
	case out.Objects.Added+out.Objects.Removed+out.Objects.Changed > 0:
		out.Status = OverlayChanged
	default:
		out.Status = OverlayUnchanged
	}

	input := &Input{
		Overlay:      dir,
		Base:         base,
		Head:         head,
		Changes:      changes,
		ChangedFiles: changed,
		Config:       cfg,
		Repo:         in.Head,
	}
	if !atBase || baseErr != nil {
		input.Base = nil
	}
	fs := Run(input, in.Rules)
	if baseErr != nil {
		out.BaseError = baseErr.Error()
		fs = withoutBaseRender(fs)
	}
	return out, fs
}

// renderFailed is the result of an overlay that does not render at head.
// The render-error finding is new only when the overlay rendered at base
// (or did not exist there): an error the base branch already had is
// existing, and blocks nothing.
func renderFailed(in ReviewInput, cfg *Config, out OverlayResult, dir string, err, baseErr error) (OverlayResult, []Finding) {
	out.Status = OverlayError
	out.Error = err.Error()
	if baseErr != nil {
		out.BaseError = baseErr.Error()
	}
	f, ok := RenderError(dir, err, cfg)
	if !ok {
		return out, nil
	}
	if f.File == "" {
		f.File = in.Head.KustomizationFile(dir)
	}
	if baseErr != nil {
		f.State = Existing
	}
	return out, []Finding{f}
}

// notBlockingNoBase is appended to the message of a finding that would
// block but for withoutBaseRender.
const notBlockingNoBase = " (not blocking: the overlay did not render on the base branch, so there is nothing to compare with)"

// withoutBaseRender softens the findings of an overlay whose base did not
// render: with nothing to compare with, everything at head would count as
// new, and the pull request that repairs an overlay would inherit all its
// old problems. They are reported as new, but block only through the rules
// that need approval: a new error that needs none becomes a warning.
func withoutBaseRender(fs []Finding) []Finding {
	for i, f := range fs {
		if f.State == New && f.Severity == Error && !f.Approval {
			fs[i].Severity = Warning
			fs[i].Message += notBlockingNoBase
		}
	}
	return fs
}

// summarize counts the new findings as the check run's title does: those
// that block, then the new warnings and notices that do not. Existing and
// resolved findings are in the findings list, not in these counts.
func summarize(r *Result) Summary {
	s := Summary{OverlaysAffected: len(r.Overlays)}
	for _, f := range r.Findings {
		switch {
		case f.State != New:
		case f.Blocking():
			s.Blocking++
		case f.Severity == Warning:
			s.Warnings++
		case f.Severity == Notice:
			s.Notices++
		}
	}
	return s
}
