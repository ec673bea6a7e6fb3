package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"sync"
	"time"
)

// Memory spent on a delivery before its signature is checked is bounded in
// total, whatever its Content-Length says: the body is read in chunks that
// grow with what actually arrives, and every chunk is paid for from one
// byte budget shared by the server's connections.

const (
	firstChunk = 4 << 10
	maxChunk   = 256 << 10
	// preAuthWait bounds how long a delivery waits for budget that other
	// unauthenticated deliveries hold.
	preAuthWait = 10 * time.Second
)

// DefaultPreAuthBudget is the bytes all unauthenticated deliveries may hold
// at once, raised to fit one payload of MaxPayload.
const DefaultPreAuthBudget = 32 << 20

var errBudget = errors.New("too many unauthenticated bytes in flight")

// byteBudget is a counting semaphore over bytes.
type byteBudget struct {
	mu    sync.Mutex
	free  int64
	total int64
	wake  chan struct{} // closed and replaced on every release
}

func newByteBudget(total int64) *byteBudget {
	return &byteBudget{free: total, total: total, wake: make(chan struct{})}
}

func (b *byteBudget) acquire(ctx context.Context, n int64) error {
	for {
		b.mu.Lock()
		if n <= b.free {
			b.free -= n
			b.mu.Unlock()
			return nil
		}
		wake := b.wake
		b.mu.Unlock()
		if n > b.total {
			return errBudget
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return errBudget
		}
	}
}

func (b *byteBudget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.free += n
	close(b.wake)
	b.wake = make(chan struct{})
	b.mu.Unlock()
}

// inUse is the bytes held now.
func (b *byteBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total - b.free
}

// preAuthBody is a body read under the budget, with its HMAC computed on
// the way so that nothing is copied before the signature is checked.
type preAuthBody struct {
	chunks [][]byte
	n      int64
	mac    hash.Hash
	budget *byteBudget
	held   int64
}

// readPreAuth reads at most limit+1 bytes of r into budgeted chunks.
func readPreAuth(ctx context.Context, r io.Reader, limit int64, secret []byte, budget *byteBudget) (*preAuthBody, error) {
	ctx, cancel := context.WithTimeout(ctx, preAuthWait)
	defer cancel()
	b := &preAuthBody{mac: hmac.New(sha256.New, secret), budget: budget}
	size := int64(firstChunk)
	for b.n <= limit {
		size = min(size, limit+1-b.n)
		if err := budget.acquire(ctx, size); err != nil {
			b.free()
			return nil, err
		}
		b.held += size
		chunk := make([]byte, size)
		k, err := io.ReadFull(r, chunk)
		chunk = chunk[:k]
		b.mac.Write(chunk)
		b.chunks = append(b.chunks, chunk)
		b.n += int64(k)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return b, nil
		}
		if err != nil {
			b.free()
			return nil, err
		}
		size = min(size*2, maxChunk)
	}
	return b, nil
}

// bytes returns the body in one slice and gives the chunks' budget back.
func (b *preAuthBody) bytes() []byte {
	var out []byte
	if len(b.chunks) == 1 {
		out = b.chunks[0]
	} else {
		out = make([]byte, 0, b.n)
		for _, c := range b.chunks {
			out = append(out, c...)
		}
	}
	b.free()
	return out
}

func (b *preAuthBody) free() {
	b.chunks = nil
	b.budget.release(b.held)
	b.held = 0
}
