package render

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	"sigs.k8s.io/kustomize/api/types"
)

// fetchDependencies adds to ch the dependencies its Chart.yaml names but its
// charts/ directory lacks, fetched from allow-listed chart repositories as
// `helm dependency build` fetches them: when the chart has a Chart.lock, the
// lock must agree with Chart.yaml (the digest helm writes into it) and the
// locked versions are fetched; without one, each version must be pinned.
// Each fetched archive is checked against its repository index's digest.
// where names the chart in findings. Dependencies that are not remote are
// left to checkDependencies, which reports them missing.
func fetchDependencies(ctx context.Context, opts HelmOptions, where string, ch *chart.Chart) error {
	if ch.Metadata == nil {
		return nil
	}
	missing := missingDependencies(ch)
	if len(missing) == 0 {
		return nil
	}
	locked := map[string]*chart.Dependency{}
	if ch.Lock != nil {
		if err := checkLock(ch); err != nil {
			return fmt.Errorf("chart %s: %s/Chart.lock: %w", ch.Name(), where, err)
		}
		for _, d := range ch.Lock.Dependencies {
			if d != nil {
				locked[d.Name] = d
			}
		}
	}
	for _, d := range missing {
		repo, version := d.Repository, d.Version
		if !isRemoteRepo(repo) {
			continue
		}
		if ch.Lock != nil {
			l, ok := locked[d.Name]
			if !ok {
				return fmt.Errorf("chart %s: %s/Chart.lock does not lock dependency %s; run `helm dependency update`", ch.Name(), where, d.Name)
			}
			repo, version = l.Repository, l.Version
		}
		if strings.HasPrefix(repo, "@") || strings.HasPrefix(repo, "alias:") {
			return fmt.Errorf("dependency %s of chart %s (%s): repository alias %s needs a local repositories.yaml, which is never read; name the repository's URL in Chart.yaml", d.Name, ch.Name(), where, repo)
		}
		sub, err := fetchChart(ctx, opts, types.HelmChart{Name: d.Name, Repo: repo, Version: version})
		if err != nil {
			return fmt.Errorf("dependency %s of chart %s (%s): %w", d.Name, ch.Name(), where, err)
		}
		if sub.Name() != d.Name {
			return fmt.Errorf("dependency %s of chart %s (%s): the fetched chart is named %s", d.Name, ch.Name(), where, sub.Name())
		}
		ch.AddDependency(sub)
	}
	return nil
}

// missingDependencies lists, once per chart name, the dependencies of
// Chart.yaml that no chart in charts/ provides.
func missingDependencies(ch *chart.Chart) []*chart.Dependency {
	have := map[string]bool{}
	for _, sub := range ch.Dependencies() {
		have[sub.Name()] = true
	}
	var missing []*chart.Dependency
	for _, d := range ch.Metadata.Dependencies {
		if d == nil || have[d.Name] {
			continue
		}
		have[d.Name] = true
		missing = append(missing, d)
	}
	return missing
}

// isRemoteRepo reports whether a dependency's repository names a place
// outside the tree; "" and file:// are local.
func isRemoteRepo(repo string) bool {
	return repo != "" && !strings.HasPrefix(repo, "file://")
}

// checkLock verifies Chart.lock's digest as `helm dependency build` does.
func checkLock(ch *chart.Chart) error {
	want := ch.Lock.Digest
	sum, err := hashReq(ch.Metadata.Dependencies, ch.Lock.Dependencies)
	if err == nil && sum == want {
		return nil
	}
	// A lock written by Helm 2 for an apiVersion v1 chart has the older digest.
	if ch.Metadata.APIVersion == chart.APIVersionV1 {
		if v2, err := hashV2Req(ch.Metadata.Dependencies); err == nil && v2 == want {
			return nil
		}
	}
	return fmt.Errorf("the lock is out of sync with the dependencies in Chart.yaml (digest %s, Chart.yaml and the lock give %s); run `helm dependency update` and commit Chart.lock", want, sum)
}

// hashReq is helm's resolver.HashReq (internal to helm): the digest that
// `helm dependency update` writes into Chart.lock.
func hashReq(req, lock []*chart.Dependency) (string, error) {
	data, err := json.Marshal([2][]*chart.Dependency{req, lock})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// hashV2Req is helm's resolver.HashV2Req, the digest of Helm 2 locks.
func hashV2Req(req []*chart.Dependency) (string, error) {
	data, err := json.Marshal(map[string][]*chart.Dependency{"dependencies": req})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
