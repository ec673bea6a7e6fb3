package bot

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
)

// changedFiles lists the pull request's files. Past GitHub's 3,000-file
// cap of the files endpoint (and the compare endpoint's 300) no listing is
// complete: complete is false and the caller compares the trees it fetched,
// while the listed files still place review comments.
func changedFiles(ctx context.Context, gh GitHub, r Repo, pr *PullRequest) (files []ChangedFile, complete bool, err error) {
	files, err = gh.ChangedFiles(ctx, r, pr.Number)
	if errors.Is(err, ErrTooManyFiles) {
		return files, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("listing changed files: %w", err)
	}
	return files, true, nil
}

// changedPaths returns the sorted, distinct paths a set of changed files
// touches, both sides of renames included.
func changedPaths(files []ChangedFile) []string {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, f := range files {
		add(f.Path)
		add(f.PreviousPath)
	}
	sort.Strings(out)
	return out
}

// fetchConfig returns the configuration file at ref, nil when it does not
// exist.
func fetchConfig(ctx context.Context, gh GitHub, r Repo, ref string) ([]byte, error) {
	b, err := gh.FileContent(ctx, r, checks.ConfigPath, ref)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s at %s: %w", checks.ConfigPath, short(ref), err)
	}
	return b, nil
}

// treeLoadError marks a tarball that could not be turned into a tree: over
// the limits, or malformed. It is the repository's problem, not a fault of
// the bot, and the check run says so.
type treeLoadError struct {
	ref string
	err error
}

func (e *treeLoadError) Error() string {
	return fmt.Sprintf("loading the repository at %s: %v", short(e.ref), e.err)
}

func (e *treeLoadError) Unwrap() error { return e.err }

// loadTreeFunc turns a tarball into a tree (render.LoadTarGz).
type loadTreeFunc func(r io.Reader, lim render.Limits) (*render.Tree, error)

// fetchTree downloads the repository at ref and loads it within lim.
func fetchTree(ctx context.Context, gh GitHub, r Repo, ref string, lim render.Limits, load loadTreeFunc) (*render.Tree, error) {
	rc, err := gh.Tarball(ctx, r, ref)
	if err != nil {
		return nil, err // the client names the repository and ref
	}
	defer rc.Close()
	t, err := load(rc, lim)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("downloading %s at %s: %w", r.FullName(), short(ref), ctx.Err())
		}
		return nil, &treeLoadError{ref: ref, err: err}
	}
	return t, nil
}

// treeCache keeps recently used base trees, bounded by their total size,
// since many pull requests of a repository share a base commit. Concurrent
// requests for the same tree share one download.
type treeCache struct {
	maxBytes int64

	mu       sync.Mutex
	bytes    int64
	order    *list.List // of *cacheEntry, most recent first
	entries  map[string]*list.Element
	inflight map[string]*flight
}

type cacheEntry struct {
	key  string
	tree *render.Tree
	size int64
}

type flight struct {
	done chan struct{}
	tree *render.Tree
	err  error
}

func newTreeCache(maxBytes int64) *treeCache {
	return &treeCache{
		maxBytes: maxBytes,
		order:    list.New(),
		entries:  map[string]*list.Element{},
		inflight: map[string]*flight{},
	}
}

// get returns the cached tree for key or calls fetch once to load it,
// however many callers ask at the same time. Errors are not cached.
func (c *treeCache) get(ctx context.Context, key string, fetch func(context.Context) (*render.Tree, error)) (*render.Tree, error) {
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		c.mu.Unlock()
		return el.Value.(*cacheEntry).tree, nil
	}
	if f, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.tree, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	c.inflight[key] = f
	c.mu.Unlock()

	f.tree, f.err = fetch(ctx)

	c.mu.Lock()
	delete(c.inflight, key)
	if f.err == nil {
		c.add(key, f.tree)
	}
	c.mu.Unlock()
	close(f.done)
	return f.tree, f.err
}

// add stores a tree and evicts the least recently used ones beyond the
// budget; a tree larger than the whole budget is not kept. Callers hold mu.
func (c *treeCache) add(key string, t *render.Tree) {
	size := t.Size()
	if size > c.maxBytes {
		return
	}
	c.entries[key] = c.order.PushFront(&cacheEntry{key: key, tree: t, size: size})
	c.bytes += size
	for c.bytes > c.maxBytes {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.entries, e.key)
		c.bytes -= e.size
	}
}

// short is the seven-character form of a commit SHA people read.
func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
