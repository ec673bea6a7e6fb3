package bot

import (
	"container/list"
	"context"
	"sync"
)

// DefaultMemoryBudget is the bytes of repository trees reviews may hold at
// once when PipelineConfig.MemoryBudget is zero: with the renders they
// drive, about half of a 1 GiB pod.
const DefaultMemoryBudget = 512 << 20

// defaultTreeEstimate is what a review of a repository not seen before is
// assumed to hold (base and head trees) until it has loaded them.
const defaultTreeEstimate = 32 << 20

// admission is a semaphore weighted by bytes: a review reserves what its
// trees are expected to take before downloading them, so that several huge
// repositories at once wait for each other instead of exhausting the pod.
// Waiters are served in order, so a large reservation is not starved by a
// stream of small ones; a reservation larger than the whole budget is
// clamped to it and so runs alone.
type admission struct {
	budget int64

	mu      sync.Mutex
	used    int64
	peak    int64
	waiters list.List // of *waiter
}

type waiter struct {
	n     int64
	ready chan struct{}
}

func newAdmission(budget int64) *admission {
	if budget <= 0 {
		budget = DefaultMemoryBudget
	}
	return &admission{budget: budget}
}

// grant is what one review holds.
type grant struct {
	a    *admission
	mu   sync.Mutex
	held int64
}

// acquire waits until n bytes fit in the budget, or ctx ends.
func (a *admission) acquire(ctx context.Context, n int64) (*grant, error) {
	n = min(max(n, 1), a.budget)
	a.mu.Lock()
	if a.waiters.Len() == 0 && a.used+n <= a.budget {
		a.take(n)
		a.mu.Unlock()
		return &grant{a: a, held: n}, nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	el := a.waiters.PushBack(w)
	a.mu.Unlock()
	select {
	case <-w.ready:
		return &grant{a: a, held: n}, nil
	case <-ctx.Done():
		a.mu.Lock()
		select {
		case <-w.ready:
			// Granted meanwhile: give it back.
			a.used -= n
		default:
			a.waiters.Remove(el)
		}
		a.wakeLocked()
		a.mu.Unlock()
		return nil, ctx.Err()
	}
}

// take accounts n bytes; a.mu is held.
func (a *admission) take(n int64) {
	a.used += n
	a.peak = max(a.peak, a.used)
}

// wakeLocked grants waiters in order while they fit.
func (a *admission) wakeLocked() {
	for el := a.waiters.Front(); el != nil; el = a.waiters.Front() {
		w := el.Value.(*waiter)
		if a.used+w.n > a.budget {
			return
		}
		a.take(w.n)
		a.waiters.Remove(el)
		close(w.ready)
	}
}

// grow accounts bytes the review turned out to hold beyond its reservation.
// It does not wait: the trees are already in memory; later reviews wait
// for them instead.
func (g *grant) grow(n int64) {
	if g == nil || n <= 0 {
		return
	}
	g.mu.Lock()
	g.held += n
	g.mu.Unlock()
	g.a.mu.Lock()
	g.a.take(n)
	g.a.mu.Unlock()
}

// release gives everything back; later calls do nothing.
func (g *grant) release() {
	if g == nil {
		return
	}
	g.mu.Lock()
	n := g.held
	g.held = 0
	g.mu.Unlock()
	if n == 0 {
		return
	}
	g.a.mu.Lock()
	g.a.used -= n
	g.a.wakeLocked()
	g.a.mu.Unlock()
}

// stats returns the bytes held now and at most so far.
func (a *admission) stats() (used, peak int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.used, a.peak
}

// sizeMemo remembers how many bytes a repository's trees took, to reserve
// the right amount next time.
type sizeMemo struct {
	mu    sync.Mutex
	sizes map[string]int64
}

func (m *sizeMemo) estimate(repo string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n, ok := m.sizes[repo]; ok {
		return n
	}
	return defaultTreeEstimate
}

func (m *sizeMemo) remember(repo string, n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sizes == nil {
		m.sizes = map[string]int64{}
	}
	if len(m.sizes) > 10_000 {
		clear(m.sizes) // bounded: an estimate, not a record
	}
	m.sizes[repo] = n
}
