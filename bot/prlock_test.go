package bot

import (
	"context"
	"errors"
	"testing"
)

func TestKeyedMutex(t *testing.T) {
	var k keyedMutex
	unlock, err := k.lock(context.Background(), "a#1")
	if err != nil {
		t.Fatal(err)
	}
	// Another key is independent.
	unlockB, err := k.lock(context.Background(), "a#2")
	if err != nil {
		t.Fatal(err)
	}
	unlockB()
	// The same key waits, and gives up with its context.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := k.lock(ctx, "a#1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("locked a held key: %v", err)
	}
	unlock()
	unlock, err = k.lock(context.Background(), "a#1")
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if len(k.locks) != 0 {
		t.Errorf("%d keys kept after every lock was released", len(k.locks))
	}
}
