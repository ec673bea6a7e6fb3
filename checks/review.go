package checks

import (
	"context"
	"errors"

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
	Path    string          `json:"path"`
	Status  OverlayStatus   `json:"status"`
	Objects Counts          `json:"objects"`
	Error   string          `json:"error"`
	Diff    string          `json:"diff"`
	Changes []render.Change `json:"-"`
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
}

// ReviewInput is what a review compares.
type ReviewInput struct {
	BaseName, HeadName string
	Base, Head         *render.Tree
	// Changed are the paths the pull request changes; nil means compare the trees.
	Changed []string
	// Config is the base side's configuration (DefaultConfig when absent).
	Config *Config
	Rules  []Rule
}

// Review runs the whole pipeline: select affected overlays, render both
// sides, diff, run the rules, and summarise.
//
// STUB: replaced by the real pipeline.
func Review(ctx context.Context, in ReviewInput) (*Result, error) {
	return nil, errors.New("not implemented")
}
