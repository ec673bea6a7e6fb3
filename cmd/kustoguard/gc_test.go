package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestGCPercent(t *testing.T) {
	const headroom = 64 << 20
	tests := []struct {
		live uint64
		want int
	}{
		{0, 400},         // nothing live yet
		{8 << 20, 400},   // a small review: as GOGC=400
		{32 << 20, 200},  // 64 MiB of room over 32 live
		{64 << 20, 100},  // the default from here on
		{512 << 20, 100}, // argo-cd's manifests and bigger: never below the default
	}
	for _, tc := range tests {
		if got := gcPercent(headroom, tc.live); got != tc.want {
			t.Errorf("gcPercent(64 MiB, %d MiB) = %d, want %d", tc.live>>20, got, tc.want)
		}
	}
}

// TestCapGCHeadroom: with a live heap far over the headroom, collections
// bring GOGC down from the starting 400 to the default.
func TestCapGCHeadroom(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	stop := capGCHeadroom(1 << 20)
	defer stop()
	live := make([]byte, 32<<20)
	deadline := time.Now().Add(10 * time.Second)
	got := 0
	for time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // finalizers run on their own goroutine
		got = debug.SetGCPercent(-1)
		debug.SetGCPercent(got)
		if got == minGCPercent {
			break
		}
	}
	runtime.KeepAlive(live)
	if got != minGCPercent {
		t.Errorf("GOGC is %d with 32 MiB live and 1 MiB of headroom, want %d", got, minGCPercent)
	}
}
