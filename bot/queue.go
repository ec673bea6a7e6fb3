package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// ErrQueueFull is returned by Schedule when the queue holds its maximum of
// waiting jobs; the webhook answers 503 so that GitHub records the failed
// delivery.
var ErrQueueFull = errors.New("queue full")

// ErrDraining is returned by Schedule once Shutdown has begun.
var ErrDraining = errors.New("queue draining")

// Scheduler takes jobs from the webhook handler. Schedule must not block on
// the work itself.
type Scheduler interface {
	// Schedule accepts job or returns why it cannot (ErrQueueFull,
	// ErrDraining, or for synchronous schedulers the job's error).
	Schedule(job Job) error
	// Len is the number of jobs waiting (not running).
	Len() int
}

// QueueConfig configures a Queue. Zero values take the documented defaults.
type QueueConfig struct {
	// Workers is the size of the worker pool (default GOMAXPROCS: rendering
	// is CPU-bound, more workers than cores only add memory).
	Workers int
	// Size bounds the waiting jobs (default 1000).
	Size int
	// Processor does the work.
	Processor Processor
	// JobTimeout bounds one job (default 5 minutes).
	JobTimeout time.Duration
	// MaxPerInstallation caps the workers one installation may hold at once
	// (default Workers: no worker is held back for others; fairness then
	// comes from serving the least-served installation first).
	MaxPerInstallation int
	Logger             *slog.Logger
	Metrics            *Metrics
}

// entry is one waiting job.
type entry struct {
	job      Job
	key      string // job.Key(), computed once outside the lock
	enqueued time.Time
}

// Queue is a bounded job queue served by a fixed pool of workers.
//
// Jobs for one pull request (Job.Key) never run concurrently. A waiting job
// is replaced by a newer one for the same pull request (the pipeline re-reads
// the pull request, its reviews and comments, so the newest event subsumes
// older ones), except for check run button presses, which keep their own
// entry because who pressed the button matters. Each installation has a
// sub-queue of its own; a free worker serves the installation holding the
// fewest workers, taking turns among equals, so one busy installation cannot
// make the others wait behind its backlog.
type Queue struct {
	cfg QueueConfig

	mu          sync.Mutex
	cond        *sync.Cond
	subs        map[int64][]*entry // waiting jobs per installation, FIFO
	ring        []int64            // installations with waiting jobs, by arrival
	served      uint64             // jobs started so far
	lastServed  map[int64]uint64   // per installation waiting or running: served at its last start
	mergeable   map[string]*entry  // the waiting, replaceable entry per Job.Key
	pending     int
	running     map[string]bool
	runningInst map[int64]int
	cancels     map[*entry]context.CancelFunc
	started     bool
	closed      bool // no new jobs; workers finish the backlog
	stopped     bool // abandon the backlog
	wg          sync.WaitGroup
}

var _ Scheduler = (*Queue)(nil)

// NewQueue returns a queue; call Start to run its workers.
func NewQueue(cfg QueueConfig) *Queue {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Size <= 0 {
		cfg.Size = 1000
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 5 * time.Minute
	}
	if cfg.MaxPerInstallation <= 0 || cfg.MaxPerInstallation > cfg.Workers {
		cfg.MaxPerInstallation = cfg.Workers
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	q := &Queue{
		cfg:         cfg,
		subs:        map[int64][]*entry{},
		mergeable:   map[string]*entry{},
		running:     map[string]bool{},
		runningInst: map[int64]int{},
		lastServed:  map[int64]uint64{},
		cancels:     map[*entry]context.CancelFunc{},
	}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// replaceable reports whether a newer job for the same pull request may
// take the job's place in the queue.
func replaceable(j Job) bool {
	return !(j.Event == "check_run" && j.Action == "requested_action")
}

// Schedule queues job. It never blocks on the work.
func (q *Queue) Schedule(job Job) error {
	// Built before taking the lock: handlers contend for it in bursts.
	key := job.Key()
	e := &entry{job: job, key: key, enqueued: time.Now()}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrDraining
	}
	if replaceable(job) {
		if old, ok := q.mergeable[key]; ok {
			// Keep the original enqueue time: the wait metric tells how long
			// the pull request waited, not the latest event.
			old.job = job
			q.cfg.Metrics.jobSuperseded()
			return nil
		}
	}
	if q.pending >= q.cfg.Size {
		return ErrQueueFull
	}
	inst := job.Repo.InstallationID
	if len(q.subs[inst]) == 0 {
		q.ring = append(q.ring, inst)
	}
	q.subs[inst] = append(q.subs[inst], e)
	if replaceable(job) {
		q.mergeable[key] = e
	}
	q.pending++
	q.cfg.Metrics.setQueueDepth(q.pending)
	q.cond.Signal()
	return nil
}

// Len is the number of waiting jobs.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending
}

// Busy reports whether a job for the pull request key (Job.Key) is
// waiting or running: recovery then leaves the pull request alone.
func (q *Queue) Busy(key string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.running[key] {
		return true
	}
	for _, list := range q.subs {
		for _, e := range list {
			if e.key == key {
				return true
			}
		}
	}
	return false
}

// Start runs the workers. It is a no-op after the first call.
func (q *Queue) Start() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		return
	}
	q.started = true
	for range q.cfg.Workers {
		q.wg.Add(1)
		go q.worker()
	}
}

// Shutdown stops taking jobs and lets the workers finish the waiting and
// running ones. When ctx ends first, the jobs in flight are cancelled and
// the waiting ones abandoned (they are not persisted: the pull requests need
// a redelivery or a rerun), and the error says how many.
func (q *Queue) Shutdown(ctx context.Context) error {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()

	done := make(chan struct{})
	go func() {
		q.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	q.mu.Lock()
	q.stopped = true
	for _, cancel := range q.cancels {
		cancel()
	}
	q.cond.Broadcast()
	pending, inFlight := q.pending, len(q.cancels)
	q.mu.Unlock()
	// Cancelled jobs hand their check runs back for recovery; give them
	// a moment to do so before the process exits.
	select {
	case <-done:
	case <-time.After(handBackTimeout + time.Second):
	}
	return fmt.Errorf("draining queue: %d jobs abandoned, %d cancelled in flight: %w", pending, inFlight, ctx.Err())
}

func (q *Queue) worker() {
	defer q.wg.Done()
	var prev *entry
	for {
		e, ctx, cancel := q.take(prev)
		if e == nil {
			return
		}
		q.run(ctx, e)
		cancel()
		prev = e
	}
}

// take finishes the worker's previous job, if any, and waits for a runnable
// one; nil when the worker should exit. Doing both under one lock halves
// the lock traffic, which matters when deliveries arrive in bursts.
func (q *Queue) take(prev *entry) (*entry, context.Context, context.CancelFunc) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if prev != nil {
		q.finishLocked(prev)
	}
	for {
		if q.stopped {
			return nil, nil, nil
		}
		if e := q.pickLocked(); e != nil {
			q.running[e.key] = true
			q.runningInst[e.job.Repo.InstallationID]++
			// A fresh context per job: the delivery's request is long gone.
			ctx, cancel := context.WithTimeout(context.Background(), q.cfg.JobTimeout)
			q.cancels[e] = cancel
			q.cfg.Metrics.setQueueDepth(q.pending)
			switch {
			case q.closed && q.pending == 0:
				q.cond.Broadcast() // idle workers can exit
			case q.pending > 0:
				q.cond.Signal() // pass the wake-up on: there may be more to do
			}
			return e, ctx, cancel
		}
		if q.closed && q.pending == 0 {
			return nil, nil, nil
		}
		q.cond.Wait()
	}
}

// pickLocked removes and returns the next runnable entry, skipping pull
// requests already running. It serves the installation holding the fewest
// workers, and among those the one served least recently (then the one
// that has waited longest), so installations take turns.
func (q *Queue) pickLocked() *entry {
	best, bestJ := -1, -1
	var bestInst int64
	for idx, inst := range q.ring {
		r := q.runningInst[inst]
		if r >= q.cfg.MaxPerInstallation {
			continue
		}
		if best >= 0 {
			br := q.runningInst[bestInst]
			if r > br || (r == br && q.lastServed[inst] >= q.lastServed[bestInst]) {
				continue
			}
		}
		j := q.runnable(q.subs[inst])
		if j < 0 {
			continue
		}
		best, bestJ, bestInst = idx, j, inst
	}
	if best < 0 {
		return nil
	}
	list := q.subs[bestInst]
	e := list[bestJ]
	list = append(list[:bestJ:bestJ], list[bestJ+1:]...)
	if q.mergeable[e.key] == e {
		delete(q.mergeable, e.key)
	}
	q.pending--
	if len(list) == 0 {
		delete(q.subs, bestInst)
		q.ring = append(q.ring[:best:best], q.ring[best+1:]...)
	} else {
		q.subs[bestInst] = list
	}
	q.served++
	q.lastServed[bestInst] = q.served
	return e
}

// runnable is the index of the first entry whose pull request is not
// running, or -1.
func (q *Queue) runnable(list []*entry) int {
	for j, e := range list {
		if !q.running[e.key] {
			return j
		}
	}
	return -1
}

// finishLocked releases what a finished job held. The worker that finished
// it looks for the next job itself, so nobody else needs waking.
func (q *Queue) finishLocked(e *entry) {
	delete(q.running, e.key)
	inst := e.job.Repo.InstallationID
	if q.runningInst[inst]--; q.runningInst[inst] <= 0 {
		delete(q.runningInst, inst)
		if len(q.subs[inst]) == 0 {
			delete(q.lastServed, inst) // keep the map to active installations
		}
	}
	delete(q.cancels, e)
}

// run processes one job, recovering a panic: the job is logged, counted and
// dropped, never retried, so a poison payload cannot loop.
func (q *Queue) run(ctx context.Context, e *entry) {
	ctx, log := withJob(ctx, q.cfg.Logger, e.job)
	q.cfg.Metrics.observeQueueWait(time.Since(e.enqueued))
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			q.cfg.Metrics.jobPanicked()
			q.cfg.Metrics.jobDone("panic")
			log.Error("job panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	err := q.cfg.Processor.Process(ctx, e.job)
	switch {
	case err == nil:
		q.cfg.Metrics.jobDone("ok")
		log.Info("job done", "duration", time.Since(start))
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		q.cfg.Metrics.jobDone("timeout")
		log.Error("job timed out", "duration", time.Since(start), "error", err)
	default:
		q.cfg.Metrics.jobDone("error")
		log.Error("job failed", "duration", time.Since(start), "error", err)
	}
}

// SyncScheduler runs each job at once, inside Schedule, and returns its
// error: for tests that want the whole review done when the webhook answers.
type SyncScheduler struct {
	Processor Processor
	Logger    *slog.Logger
}

var _ Scheduler = SyncScheduler{}

// Schedule processes job and returns the processor's error (a panic becomes
// an error).
func (s SyncScheduler) Schedule(job Job) (err error) {
	ctx, _ := withJob(context.Background(), s.Logger, job)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("processing %s: panic: %v", job.Key(), r)
		}
	}()
	return s.Processor.Process(ctx, job)
}

// Len is always 0: nothing waits.
func (SyncScheduler) Len() int { return 0 }
