package render

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// What an OCI registry serves for a Helm chart.
const (
	ociManifestType = "application/vnd.oci.image.manifest.v1+json"
	helmLayerType   = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	maxManifestSize = 1 << 20
	maxTokenSize    = 64 << 10
)

// ociRepoName is the distribution spec's repository name grammar; names
// outside it could turn the request path into something else.
var ociRepoName = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)

var ociDigest = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)

type ociManifest struct {
	Layers []struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int64  `json:"size"`
	} `json:"layers"`
}

// fetchOCI fetches chart name at version from an OCI registry
// (repo is oci://host/path) with the distribution protocol, anonymously:
// the manifest by tag, then the chart layer by digest, whose sha256 is
// checked. Archives are cached by digest, so a second render of the same
// version costs no request.
func (f *ChartFetcher) fetchOCI(ctx context.Context, allow []string, repo, name, version string) ([]byte, error) {
	key := repo + "|" + name + "|" + version
	if data, ok := f.cached(key); ok {
		return data, nil
	}
	host, path, _ := strings.Cut(strings.TrimPrefix(repo, "oci://"), "/")
	repoName := strings.Trim(path+"/"+name, "/")
	if host == "" || !ociRepoName.MatchString(repoName) {
		return nil, fmt.Errorf("%q is not a valid OCI repository name", repoName)
	}
	base := "https://" + host + "/v2/" + repoName
	// OCI tags cannot hold "+", so helm pushes 1.0.0+build as 1.0.0_build.
	tag := strings.ReplaceAll(version, "+", "_")
	s := ociSession{f: f, allow: allow, host: host}
	raw, err := s.get(ctx, base+"/manifests/"+tag, ociManifestType, maxManifestSize)
	if err != nil {
		return nil, err
	}
	var m ociManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("parsing the manifest of %s:%s: %w", repoName, tag, err)
	}
	digest := ""
	for _, l := range m.Layers {
		if l.MediaType == helmLayerType {
			if l.Size > maxArchiveSize {
				return nil, fmt.Errorf("chart layer of %s:%s is over the size limit of %d bytes", repoName, tag, maxArchiveSize)
			}
			digest = l.Digest
			break
		}
	}
	if digest == "" {
		return nil, fmt.Errorf("%s:%s has no layer of type %s; is it a Helm chart?", repoName, tag, helmLayerType)
	}
	if !ociDigest.MatchString(digest) {
		return nil, fmt.Errorf("chart layer digest %q of %s:%s is not a sha256 digest", digest, repoName, tag)
	}
	want := strings.TrimPrefix(digest, "sha256:")
	if data, ok := f.cachedDigest(want); ok {
		f.store(key, want, data)
		return data, nil
	}
	data, err := s.get(ctx, base+"/blobs/"+digest, "", maxArchiveSize)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != want {
		return nil, fmt.Errorf("chart layer digest sha256:%s does not match the manifest (%s)", got, digest)
	}
	f.store(key, want, data)
	return data, nil
}

func (f *ChartFetcher) cachedDigest(digest string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	data, ok := f.byHash[digest]
	return data, ok
}

// ociSession holds the anonymous token of one fetch.
type ociSession struct {
	f     *ChartFetcher
	allow []string
	host  string
	token string
}

// get GETs u; on a Bearer challenge it fetches an anonymous token from the
// challenge's realm, once, and retries.
func (s *ociSession) get(ctx context.Context, u, accept string, limit int64) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		data, challenge, err := s.do(ctx, u, accept, limit)
		if err == nil || challenge == "" || attempt > 0 || s.token != "" {
			return data, err
		}
		if err := s.authorize(ctx, challenge); err != nil {
			return nil, err
		}
	}
}

var errUnauthorized = errors.New("unauthorized")

func (s *ociSession) do(ctx context.Context, u, accept string, limit int64) ([]byte, string, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.f.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, resp.Header.Get("WWW-Authenticate"), fmt.Errorf("GET %s: %w (only anonymous pulls are made)", req.URL.Redacted(), errUnauthorized)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("GET %s: %s", req.URL.Redacted(), resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", req.URL.Redacted(), err)
	}
	if int64(len(data)) > limit {
		return nil, "", fmt.Errorf("%s is over the size limit of %d bytes", req.URL.Redacted(), limit)
	}
	return data, "", nil
}

// authorize fetches an anonymous token as a Bearer challenge asks, only
// from the registry's own host or an allow-listed one, over HTTPS.
func (s *ociSession) authorize(ctx context.Context, challenge string) error {
	scheme, params, ok := strings.Cut(strings.TrimSpace(challenge), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return fmt.Errorf("registry %s asks for %q authentication; only anonymous Bearer tokens are fetched", s.host, scheme)
	}
	p := parseChallenge(params)
	realm, err := url.Parse(p["realm"])
	if err != nil || p["realm"] == "" {
		return fmt.Errorf("registry %s gives no usable token realm", s.host)
	}
	if realm.Scheme != "https" {
		return fmt.Errorf("token realm %s of registry %s is not HTTPS", realm.Redacted(), s.host)
	}
	if realm.Host != s.host && !hostAllowed(s.allow, realm.Host) {
		return fmt.Errorf("token realm %s of registry %s is on a host that is not allow-listed; add it to remote.allow to let tokens come from there", realm.Redacted(), s.host)
	}
	q := realm.Query()
	for _, k := range []string{"service", "scope"} {
		if p[k] != "" {
			q.Set(k, p[k])
		}
	}
	realm.RawQuery = q.Encode()
	data, err := s.f.get(ctx, realm.String(), maxTokenSize)
	if err != nil {
		return fmt.Errorf("fetching an anonymous token: %w", err)
	}
	var tok struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(data, &tok); err != nil {
		return fmt.Errorf("parsing the token from %s: %w", realm.Host, err)
	}
	s.token = tok.Token
	if s.token == "" {
		s.token = tok.AccessToken
	}
	if s.token == "" {
		return fmt.Errorf("token realm %s gave no token", realm.Host)
	}
	return nil
}

// parseChallenge reads the key="value" pairs of a WWW-Authenticate
// challenge; values are quoted strings that may hold commas.
func parseChallenge(s string) map[string]string {
	out := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; {
		k, rest, ok := strings.Cut(s, "=")
		if !ok {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		var v string
		if strings.HasPrefix(rest, `"`) {
			end := strings.Index(rest[1:], `"`)
			if end < 0 {
				break
			}
			v, rest = rest[1:end+1], rest[end+2:]
		} else {
			v, rest, _ = strings.Cut(rest, ",")
			v = strings.TrimSpace(v)
		}
		out[k] = v
		s = strings.TrimLeft(strings.TrimSpace(rest), ",")
		s = strings.TrimSpace(s)
	}
	return out
}

// hostAllowed reports whether an https:// or oci:// entry of allow names host.
func hostAllowed(allow []string, host string) bool {
	for _, a := range allow {
		u, err := url.Parse(strings.TrimSpace(a))
		if err == nil && (u.Scheme == "https" || u.Scheme == "oci") && u.Host == host {
			return true
		}
	}
	return false
}
