package bot

import (
	"context"
	"strconv"
)

// Job is one unit of review work: bring the check run of a pull request's
// head up to date. Jobs for the same pull request are serialized, and a job
// for a newer head supersedes queued work for an older one.
type Job struct {
	Repo   Repo
	Number int
	// HeadSHA is the head the event named; the pipeline re-reads the pull
	// request and works on its current head.
	HeadSHA    string
	Event      string // the webhook event that caused it
	Action     string // the event's action
	DeliveryID string
	// Sender is who caused the event (the approver, for a requested_action
	// or a submitted review).
	Sender string
	// RequestedAction is the check run button's identifier for a
	// check_run requested_action event.
	RequestedAction string
	// ReviewID and ReviewState describe the submitted or dismissed review for
	// pull_request_review events.
	ReviewID    int64
	ReviewState string
}

// Key identifies the pull request a job is for; jobs with the same Key run
// one at a time.
func (j Job) Key() string {
	return j.Repo.FullName() + "#" + strconv.Itoa(j.Number)
}

// Processor does the work of a job. The pipeline implements it; the queue
// calls it with a fresh context carrying the job's logger and time budget.
type Processor interface {
	Process(ctx context.Context, job Job) error
}

// ProcessorFunc adapts a function to Processor.
type ProcessorFunc func(ctx context.Context, job Job) error

// Process calls f.
func (f ProcessorFunc) Process(ctx context.Context, job Job) error { return f(ctx, job) }
