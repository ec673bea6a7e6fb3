package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kustoguard/kustoguard/bot/githubapi"
	"github.com/kustoguard/kustoguard/render"
)

// Remote kustomize bases on GitHub are fetched with the installation's
// client, and only for a pull request whose author could read them
// anyway: a public repository, or a private one where the author has at
// least read permission. Otherwise a pull request could name a private
// repository its author cannot see and read it in the review's diff.
const (
	remoteTreeCacheBytes = 64 << 20
	accessTTL            = 5 * time.Minute
	maxAccessEntries     = 4096
)

// remoteRepos serves the GitHub repositories of every review in the
// process: trees are cached by owner/repo@ref within a byte budget, and
// access decisions by repository and author for accessTTL, so a second
// review of the same base makes no request.
type remoteRepos struct {
	lim   render.Limits
	load  loadTreeFunc
	trees *treeCache

	mu     sync.Mutex
	access map[string]accessDecision
}

type accessDecision struct {
	err   error // nil: the author may read it
	until time.Time
}

func newRemoteRepos(lim render.Limits, load loadTreeFunc) *remoteRepos {
	return &remoteRepos{lim: lim, load: load, trees: newTreeCache(remoteTreeCacheBytes), access: map[string]accessDecision{}}
}

// forReview is the render.RepoFetcher of one review: gh is the
// installation's client, author the pull request's author.
func (rr *remoteRepos) forReview(gh GitHub, author string) render.RepoFetcher {
	return reviewRepos{rr: rr, gh: gh, author: author}
}

type reviewRepos struct {
	rr     *remoteRepos
	gh     GitHub
	author string
}

func (f reviewRepos) FetchRepo(ctx context.Context, owner, name, ref string) (*render.Tree, error) {
	repo := Repo{Owner: owner, Name: name}
	if err := f.rr.mayRead(ctx, f.gh, repo, f.author); err != nil {
		return nil, err
	}
	return f.rr.trees.get(ctx, repo.FullName()+"@"+ref, func(ctx context.Context) (*render.Tree, error) {
		t, err := fetchTree(ctx, f.gh, repo, ref, f.rr.lim, f.rr.load)
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%s has no ref %s", repo.FullName(), ref)
		}
		return t, err
	})
}

// mayRead decides whether the author may see repo's content in a review.
func (rr *remoteRepos) mayRead(ctx context.Context, gh GitHub, repo Repo, author string) error {
	key := repo.FullName() + "\x00" + author
	rr.mu.Lock()
	d, ok := rr.access[key]
	rr.mu.Unlock()
	if ok && time.Now().Before(d.until) {
		return d.err
	}
	err := decideAccess(ctx, gh, repo, author)
	var fault *accessFault
	if errors.As(err, &fault) {
		return err // a failed request decides nothing; ask again next time
	}
	rr.mu.Lock()
	if len(rr.access) >= maxAccessEntries {
		clear(rr.access)
	}
	rr.access[key] = accessDecision{err: err, until: time.Now().Add(accessTTL)}
	rr.mu.Unlock()
	return err
}

// accessFault is a request that failed while deciding access.
type accessFault struct{ err error }

func (e *accessFault) Error() string { return e.err.Error() }
func (e *accessFault) Unwrap() error { return e.err }

func decideAccess(ctx context.Context, gh GitHub, repo Repo, author string) error {
	private := true // a client that cannot tell is treated as private
	if v, ok := gh.(githubapi.RepoVisibility); ok {
		p, err := v.RepoPrivate(ctx, repo)
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("the App's installation cannot read %s: install the App on it, or vendor the base into the repository", repo.FullName())
		}
		if err != nil {
			return &accessFault{fmt.Errorf("checking access to %s: %w", repo.FullName(), err)}
		}
		private = p
	}
	if !private {
		return nil
	}
	if author == "" {
		return fmt.Errorf("%s is private and the pull request has no author to check access for", repo.FullName())
	}
	perm, err := gh.Permission(ctx, repo, author)
	if errors.Is(err, ErrNotFound) {
		perm = "none"
	} else if err != nil {
		return &accessFault{fmt.Errorf("checking @%s's access to %s: %w", author, repo.FullName(), err)}
	}
	switch perm {
	case "admin", "maintain", "write", "triage", "read":
		return nil
	}
	return fmt.Errorf("%s is private and the pull request's author @%s cannot read it, so its content is not shown in their review", repo.FullName(), author)
}
