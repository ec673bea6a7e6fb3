package bot

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestAdmission_boundsBytesHeld(t *testing.T) {
	a := newAdmission(100)
	var held, peak atomic.Int64
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			n := int64(10 + i%4*10) // 10..40 bytes
			g, err := a.acquire(context.Background(), n)
			if err != nil {
				t.Error(err)
				return
			}
			now := held.Add(n)
			for {
				p := peak.Load()
				if now <= p || peak.CompareAndSwap(p, now) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			held.Add(-n)
			g.release()
		})
	}
	wg.Wait()
	if peak.Load() > 100 {
		t.Errorf("%d bytes held at once, budget 100", peak.Load())
	}
	if used, _ := a.stats(); used != 0 {
		t.Errorf("%d bytes still held after every release", used)
	}
}

func TestAdmission_hugeRunsAlone(t *testing.T) {
	a := newAdmission(100)
	small, err := a.acquire(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *grant)
	go func() {
		g, _ := a.acquire(context.Background(), 1<<30) // clamped to the budget
		got <- g
	}()
	// A later small request queues behind the huge one: no starvation.
	later := make(chan *grant)
	go func() {
		for {
			a.mu.Lock()
			n := a.waiters.Len()
			a.mu.Unlock()
			if n == 1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		g, _ := a.acquire(context.Background(), 10)
		later <- g
	}()
	select {
	case <-got:
		t.Fatal("huge request admitted while another review holds memory")
	case <-later:
		t.Fatal("small request overtook the waiting huge one")
	case <-time.After(50 * time.Millisecond):
	}
	small.release()
	huge := <-got
	if used, _ := a.stats(); used != 100 {
		t.Errorf("huge request holds %d, want the whole budget", used)
	}
	huge.release()
	(<-later).release()
	if used, peak := a.stats(); used != 0 || peak != 100 {
		t.Errorf("used %d peak %d, want 0 and 100", used, peak)
	}
}

func TestAdmission_cancelledWaiterLeavesNothing(t *testing.T) {
	a := newAdmission(100)
	g, _ := a.acquire(context.Background(), 100)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := a.acquire(ctx, 50)
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-errc; err == nil {
		t.Error("cancelled acquire: no error")
	}
	g.release()
	g.release() // twice is harmless
	g.grow(-5)  // nothing to grow
	if used, _ := a.stats(); used != 0 {
		t.Errorf("%d bytes held, want 0", used)
	}
	var nilGrant *grant
	nilGrant.release()
	nilGrant.grow(10)
}

// TestProcess_releasesMemory runs more reviews than the budget could hold
// at once, including ones whose repository does not load: every review
// gives its memory back.
func TestProcess_releasesMemory(t *testing.T) {
	h := newHarness(t)
	h.p.admit = newAdmission(3 * defaultTreeEstimate)
	// A review that never got its memory back would make a later one wait
	// out this deadline and fail.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 10 {
		if err := h.p.Process(ctx, h.job("pull_request", "synchronize")); err != nil {
			t.Fatal(err)
		}
	}
	h.gh.setTree(headSHA, nil) // a head that does not load
	for range 10 {
		_ = h.p.Process(ctx, h.job("pull_request", "synchronize"))
	}
	if ctx.Err() != nil {
		t.Fatal("reviews waited for memory no review held")
	}
	if used, _ := h.p.admit.stats(); used != 0 {
		t.Errorf("%d bytes still held after the reviews", used)
	}
}
