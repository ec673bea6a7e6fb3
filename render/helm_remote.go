package render

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Masterminds/semver/v3"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// Limits of one remote fetch.
const (
	maxIndexSize    = 32 << 20
	maxArchiveSize  = 16 << 20
	maxRedirects    = 3
	fetchTimeout    = 20 * time.Second
	maxCachedCharts = 256
	// maxCachedBytes bounds what the cache holds in all: 256 archives of
	// the largest size would be 4 GiB.
	maxCachedBytes = 128 << 20
)

// ChartFetcher fetches allow-listed charts from HTTPS chart repositories
// and keeps them, by content digest, for later renders. It is safe for
// concurrent use.
type ChartFetcher struct {
	client *http.Client

	mu     sync.Mutex
	byRef  map[string]string // repo|name|version → sha256 of the archive
	byHash map[string][]byte
	order  []string // digests, oldest first, for eviction
	total  int64    // bytes in byHash
	// maxBytes bounds total (maxCachedBytes; tests lower it).
	maxBytes int64
}

// NewChartFetcher returns a fetcher using client (http.DefaultClient's
// transport when nil); redirects are limited and must stay on HTTPS.
func NewChartFetcher(client *http.Client) *ChartFetcher {
	c := &http.Client{}
	if client != nil {
		*c = *client
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("more than %d redirects", maxRedirects)
		}
		if req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to %s leaves HTTPS", req.URL.Redacted())
		}
		return nil
	}
	return &ChartFetcher{client: c, byRef: map[string]string{}, byHash: map[string][]byte{}, maxBytes: maxCachedBytes}
}

// allowedSource reports whether src is covered by a prefix of allow. A
// prefix matches whole path segments: "https://h/charts" allows
// "https://h/charts" and "https://h/charts/x", not "https://h/charts-x".
func allowedSource(allow []string, src string) bool {
	src = strings.TrimSuffix(src, "/")
	for _, a := range allow {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if strings.HasSuffix(a, "/") {
			if strings.HasPrefix(src+"/", a) {
				return true
			}
			continue
		}
		if src == a || strings.HasPrefix(src, a+"/") {
			return true
		}
	}
	return false
}

func fetchChart(ctx context.Context, opts HelmOptions, c types.HelmChart) (*chart.Chart, error) {
	repo := strings.TrimSuffix(c.Repo, "/")
	src := repo
	if strings.HasPrefix(repo, "oci://") {
		src = repo + "/" + c.Name
	}
	if !allowedSource(opts.Allow, src) {
		return nil, fmt.Errorf("remote chart source %s is not allowed: add it to remote.allow in .github/kustoguard.yml on the base branch, or vendor the chart into the repository", src)
	}
	if _, err := semver.StrictNewVersion(strings.TrimPrefix(c.Version, "v")); err != nil {
		return nil, fmt.Errorf("remote chart %s from %s needs a pinned version, not %q", c.Name, src, c.Version)
	}
	switch {
	case strings.HasPrefix(repo, "https://"):
	case strings.HasPrefix(repo, "oci://"):
	default:
		return nil, fmt.Errorf("remote chart source %s: only https:// chart repositories are fetched", src)
	}
	if opts.Fetcher == nil {
		return nil, fmt.Errorf("remote chart source %s is allow-listed but fetching is off here (kustoguard check fetches with --allow-remote)", src)
	}
	fetch := opts.Fetcher.fetch
	if strings.HasPrefix(repo, "oci://") {
		fetch = opts.Fetcher.fetchOCI
	}
	data, err := fetch(ctx, opts.Allow, repo, c.Name, c.Version)
	if err != nil {
		return nil, fmt.Errorf("fetching %s %s from %s: %w", c.Name, c.Version, src, err)
	}
	ch, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("loading %s %s from %s: %w", c.Name, c.Version, src, err)
	}
	return ch, nil
}

type repoIndex struct {
	Entries map[string][]struct {
		Version string   `json:"version"`
		URLs    []string `json:"urls"`
		Digest  string   `json:"digest"`
	} `json:"entries"`
}

func (f *ChartFetcher) fetch(ctx context.Context, allow []string, repo, name, version string) ([]byte, error) {
	key := repo + "|" + name + "|" + version
	if data, ok := f.cached(key); ok {
		return data, nil
	}
	raw, err := f.get(ctx, repo+"/index.yaml", maxIndexSize)
	if err != nil {
		return nil, err
	}
	var idx repoIndex
	if err := yaml.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("parsing index.yaml: %w", err)
	}
	var chartURL, digest string
	for _, e := range idx.Entries[name] {
		if strings.TrimPrefix(e.Version, "v") == strings.TrimPrefix(version, "v") && len(e.URLs) > 0 {
			chartURL, digest = e.URLs[0], e.Digest
			break
		}
	}
	if chartURL == "" {
		return nil, fmt.Errorf("version %s of %s is not in the repository's index", version, name)
	}
	base, err := url.Parse(repo + "/")
	if err != nil {
		return nil, err
	}
	u, err := base.Parse(chartURL)
	if err != nil {
		return nil, fmt.Errorf("chart URL %q: %w", chartURL, err)
	}
	if u.Scheme != "https" || (u.Host != base.Host && !allowedSource(allow, u.String())) {
		return nil, fmt.Errorf("chart archive %s is outside the allow-listed repository", u.Redacted())
	}
	data, err := f.get(ctx, u.String(), maxArchiveSize)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	if digest != "" && !strings.EqualFold(strings.TrimPrefix(digest, "sha256:"), got) {
		return nil, fmt.Errorf("chart archive digest %s does not match the index (%s)", got, digest)
	}
	f.store(key, got, data)
	return data, nil
}

func (f *ChartFetcher) get(ctx context.Context, u string, limit int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", req.URL.Redacted(), resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", req.URL.Redacted(), err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is over the size limit of %d bytes", req.URL.Redacted(), limit)
	}
	return data, nil
}

func (f *ChartFetcher) cached(key string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.byRef[key]
	if !ok {
		return nil, false
	}
	data, ok := f.byHash[d]
	return data, ok
}

func (f *ChartFetcher) store(key, digest string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byRef[key] = digest
	if _, ok := f.byHash[digest]; ok {
		return
	}
	f.byHash[digest] = data
	f.total += int64(len(data))
	f.order = append(f.order, digest)
	// The oldest go first, down to the count and byte bounds; the newest
	// stays whatever its size (it is within maxArchiveSize).
	for len(f.order) > 1 && (len(f.order) > maxCachedCharts || f.total > f.maxBytes) {
		old := f.order[0]
		f.total -= int64(len(f.byHash[old]))
		delete(f.byHash, old)
		for k, d := range f.byRef {
			if d == old {
				delete(f.byRef, k)
			}
		}
		f.order = f.order[1:]
	}
}

// fetchFile fetches an allow-listed https:// file for a remote kustomize
// resource, with the fetcher's redirect, time and size limits.
func (f *ChartFetcher) fetchFile(ctx context.Context, u string, limit int64) ([]byte, error) {
	key := "file|" + u
	if data, ok := f.cached(key); ok {
		return data, nil
	}
	if limit <= 0 || limit > maxArchiveSize {
		limit = maxArchiveSize
	}
	data, err := f.get(ctx, u, limit)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	f.store(key, hex.EncodeToString(sum[:]), data)
	return data, nil
}
