package bot

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
)

// CheckName is the name of the check run kustoguard owns.
const CheckName = "kustoguard"

// PipelineConfig configures the review pipeline.
type PipelineConfig struct {
	Clients ClientFactory
	Rules   []checks.Rule
	Limits  render.Limits
	// BotLogin is the App's bot user ("<slug>[bot]"); only its comments can
	// carry approval records.
	BotLogin string
	// JobTimeout bounds one review end to end.
	JobTimeout time.Duration
	Logger     *slog.Logger
	// ObserveStage, when set, receives the duration of each pipeline stage
	// (fetch, render, report).
	ObserveStage func(stage string, d time.Duration)
}

// Pipeline reviews pull requests: it implements Processor.
//
// STUB: replaced by the real pipeline.
type Pipeline struct{ cfg PipelineConfig }

// NewPipeline returns a pipeline.
func NewPipeline(cfg PipelineConfig) *Pipeline { return &Pipeline{cfg: cfg} }

// Process brings the pull request's check run and review up to date.
func (p *Pipeline) Process(ctx context.Context, job Job) error {
	return errors.New("not implemented")
}

var _ Processor = (*Pipeline)(nil)
