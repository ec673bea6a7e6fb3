// Command replay runs `kustoguard check --base C^ --head C` over recent
// commits of local git checkouts of GitOps repositories and prints what a
// required check would have done: the overlays each commit changed, the
// render errors (new, or already on the base side), and the commits that
// would have been blocked, and why. It is run on demand, not in CI:
//
//	go build -o /tmp/kustoguard ./cmd/kustoguard
//	go run ./scripts/replay -kustoguard /tmp/kustoguard -n 40 ~/src/podinfo ~/src/argocd-example-apps
//
// Commits are taken along the first-parent line of HEAD, newest first;
// a merge is compared with its first parent, as a pull request's merge
// would be. Root commits are skipped. With -path P, only the commits that
// touch P are replayed, and each side is P's subtree exported with git
// archive and compared in directory mode: for repositories with files
// elsewhere that cannot be read (a partial clone's missing blobs).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

func main() {
	n := flag.Int("n", 40, "commits per repository")
	bin := flag.String("kustoguard", "kustoguard", "the kustoguard binary")
	timeout := flag.Duration("timeout", 2*time.Minute, "time limit per commit")
	verbose := flag.Bool("v", false, "list every blocking commit and every failure")
	sub := flag.String("path", "", "replay only commits touching this path, comparing its subtree in directory mode")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: replay [-n N] [-kustoguard BIN] [-timeout D] [-v] REPO_DIR...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 || *n < 1 {
		flag.Usage()
		os.Exit(2)
	}
	var all []repoStats
	for _, dir := range flag.Args() {
		st, err := replayRepo(context.Background(), *bin, dir, *sub, *n, *timeout)
		if err != nil {
			fmt.Fprintf(os.Stderr, "replay: %s: %v\n", dir, err)
			os.Exit(1)
		}
		all = append(all, st)
	}
	printStats(os.Stdout, all, *verbose)
}

// result is the part of `check --format json` the replay counts.
type result struct {
	Overlays []struct {
		Path      string `json:"path"`
		Status    string `json:"status"`
		BaseError string `json:"baseError"`
	} `json:"overlays"`
	Findings []struct {
		Rule     string `json:"rule"`
		Severity string `json:"severity"`
		Approval bool   `json:"approval"`
		State    string `json:"state"`
	} `json:"findings"`
}

// commitStats is one replayed commit.
type commitStats struct {
	sha, subject   string
	reviewed       int // overlays reviewed
	changed        int // overlays whose render changed (added, removed, changed)
	newErrors      int // render errors the commit caused
	existingErrors int // render errors already on the base side
	blocking       bool
	why            string // the rules of the blocking findings
	failed         string // exit 2: why the review could not run
	seconds        float64
}

type repoStats struct {
	name    string
	commits []commitStats
}

func replayRepo(ctx context.Context, bin, dir, sub string, n int, timeout time.Duration) (repoStats, error) {
	st := repoStats{name: filepath.Base(filepath.Clean(dir))}
	args := []string{"-C", dir, "log", "--first-parent", "--format=%H %P|%s", "-n", fmt.Sprint(n), "HEAD"}
	if sub != "" {
		st.name += ":" + sub
		args = append(args, "--", sub)
	}
	out, err := exec.CommandContext(ctx, "git", args...).Output()
	if err != nil {
		return st, fmt.Errorf("listing commits: %w", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		ids, subject, _ := strings.Cut(line, "|")
		f := strings.Fields(ids)
		if len(f) < 2 {
			continue // a root commit has nothing to compare with
		}
		c := replayCommit(ctx, bin, dir, sub, f[0], f[1], timeout)
		c.subject = subject
		st.commits = append(st.commits, c)
	}
	return st, nil
}

func replayCommit(ctx context.Context, bin, dir, sub, sha, parent string, timeout time.Duration) commitStats {
	c := commitStats{sha: sha[:min(10, len(sha))]}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := []string{"check", "--repo", dir, "--base", parent, "--head", sha, "--format", "json"}
	if sub != "" {
		tmp, err := os.MkdirTemp("", "replay-")
		if err != nil {
			c.failed = err.Error()
			return c
		}
		defer os.RemoveAll(tmp)
		for _, side := range []string{parent, sha} {
			if err := exportSubtree(ctx, dir, side, sub, filepath.Join(tmp, side)); err != nil {
				c.failed = err.Error()
				return c
			}
		}
		args = []string{"check", "--format", "json", filepath.Join(tmp, parent), filepath.Join(tmp, sha)}
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	c.seconds = time.Since(start).Seconds()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		c.blocking = true
	default:
		c.failed = strings.TrimSpace(firstLine(stderr.String()))
		if c.failed == "" {
			c.failed = err.Error()
		}
		return c
	}
	var res result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		c.failed = "reading the JSON report: " + err.Error()
		return c
	}
	c.reviewed = len(res.Overlays)
	for _, o := range res.Overlays {
		switch o.Status {
		case "added", "removed", "changed":
			c.changed++
		case "error":
			if o.BaseError != "" {
				c.existingErrors++
			} else {
				c.newErrors++
			}
		}
	}
	rules := map[string]bool{}
	for _, f := range res.Findings {
		if f.State == "new" && (f.Severity == "error" || f.Approval) {
			rules[f.Rule] = true
		}
	}
	c.why = strings.Join(slices.Sorted(maps.Keys(rules)), ", ")
	return c
}

// exportSubtree writes the subtree sub of rev into to (empty when rev
// does not have it).
func exportSubtree(ctx context.Context, dir, rev, sub, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	if exec.CommandContext(ctx, "git", "-C", dir, "cat-file", "-e", rev+":"+sub).Run() != nil {
		return nil
	}
	archive := exec.CommandContext(ctx, "git", "-C", dir, "archive", "--format=tar", rev, sub)
	untar := exec.CommandContext(ctx, "tar", "-x", "-C", to)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return err
	}
	untar.Stdin = pipe
	if err := archive.Start(); err != nil {
		return fmt.Errorf("exporting %s of %s: %w", sub, rev, err)
	}
	if err := untar.Run(); err != nil {
		return fmt.Errorf("exporting %s of %s: %w", sub, rev, err)
	}
	if err := archive.Wait(); err != nil {
		return fmt.Errorf("exporting %s of %s: %w", sub, rev, err)
	}
	return nil
}

func printStats(w io.Writer, all []repoStats, verbose bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "repository\tcommits\twith changed overlays\tchanged overlays\trender errors new\trender errors existing\tblocking commits\tfailed\tmean s\t")
	var tot commitTotals
	for _, r := range all {
		t := totals(r.commits)
		tot.add(t)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.2f\t\n", r.name, t.commits, t.withChanges, t.changed, t.newErrors, t.existingErrors, t.blocking, t.failed, t.meanSeconds())
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.2f\t\n", tot.commits, tot.withChanges, tot.changed, tot.newErrors, tot.existingErrors, tot.blocking, tot.failed, tot.meanSeconds())
	tw.Flush()

	why := map[string]int{}
	for _, r := range all {
		for _, c := range r.commits {
			if c.blocking {
				why[c.why]++
			}
		}
	}
	if len(why) > 0 {
		fmt.Fprintln(w, "\nblocking commits by the rules of their new blocking findings:")
		for _, k := range slices.Sorted(maps.Keys(why)) {
			fmt.Fprintf(w, "  %3d  %s\n", why[k], k)
		}
	}
	if !verbose {
		return
	}
	for _, r := range all {
		for _, c := range r.commits {
			switch {
			case c.failed != "":
				fmt.Fprintf(w, "%s %s failed: %s  (%s)\n", r.name, c.sha, c.failed, c.subject)
			case c.blocking:
				fmt.Fprintf(w, "%s %s blocks: %s  (%s)\n", r.name, c.sha, c.why, c.subject)
			}
		}
	}
}

type commitTotals struct {
	commits, withChanges, changed, newErrors, existingErrors, blocking, failed int
	seconds                                                                    float64
}

func totals(cs []commitStats) commitTotals {
	var t commitTotals
	for _, c := range cs {
		t.commits++
		t.seconds += c.seconds
		if c.failed != "" {
			t.failed++
			continue
		}
		if c.changed > 0 {
			t.withChanges++
		}
		t.changed += c.changed
		t.newErrors += c.newErrors
		t.existingErrors += c.existingErrors
		if c.blocking {
			t.blocking++
		}
	}
	return t
}

func (t *commitTotals) add(o commitTotals) {
	t.commits += o.commits
	t.withChanges += o.withChanges
	t.changed += o.changed
	t.newErrors += o.newErrors
	t.existingErrors += o.existingErrors
	t.blocking += o.blocking
	t.failed += o.failed
	t.seconds += o.seconds
}

func (t commitTotals) meanSeconds() float64 {
	if t.commits == 0 {
		return 0
	}
	return t.seconds / float64(t.commits)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
