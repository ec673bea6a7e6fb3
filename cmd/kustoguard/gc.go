package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// gcHeadroom is how much garbage a review may pile up between collections
// beyond what GOGC=100 allows: a small review's whole garbage, a big one's
// fraction.
const gcHeadroom = 64 << 20

// GOGC bounds for capGCHeadroom: at most five times the live heap, and
// never less room than the default.
const (
	maxGCPercent = 400
	minGCPercent = 100
)

// capGCHeadroom sets GOGC after every collection so that the heap may grow
// by headroom bytes over the live heap, within [minGCPercent,
// maxGCPercent]: a small review collects rarely, as at GOGC=400, and a
// review whose live heap is large grows no further than at the default.
// stop ends the tuning after the next collection.
func capGCHeadroom(headroom uint64) (stop func()) {
	debug.SetGCPercent(maxGCPercent)
	t := &gcTuner{headroom: headroom, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	runtime.SetFinalizer(&gcSentinel{t}, (*gcSentinel).collected)
	return func() { t.stopped.Store(true) }
}

type gcTuner struct {
	headroom uint64
	sample   []metrics.Sample
	stopped  atomic.Bool
}

// gcPercent is the GOGC that gives headroom over a live heap of live bytes.
func gcPercent(headroom, live uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	return min(max(int(headroom*100/live), minGCPercent), maxGCPercent)
}

// gcSentinel is garbage as soon as it is made; its finalizer runs after
// the collection that found it, retunes, and makes the next one.
type gcSentinel struct{ t *gcTuner }

func (s *gcSentinel) collected() {
	if s.t.stopped.Load() {
		return
	}
	metrics.Read(s.t.sample)
	if v := s.t.sample[0].Value; v.Kind() == metrics.KindUint64 {
		debug.SetGCPercent(gcPercent(s.t.headroom, v.Uint64()))
	}
	runtime.SetFinalizer(&gcSentinel{s.t}, (*gcSentinel).collected)
}
