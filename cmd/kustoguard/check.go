package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/render"
	"github.com/kustoguard/kustoguard/report"
)

// worktreeName is the head's name in reports when it is the working tree.
const worktreeName = "WORKTREE"

// checkDeps are the engine entry points `check` calls; tests substitute
// fakes to exercise flags, git plumbing and exit codes on their own.
type checkDeps struct {
	loadDir func(root string, lim render.Limits) (*render.Tree, error)
	loadRev func(ctx context.Context, repoDir, rev string, lim render.Limits) (*render.Tree, error)
	review  func(ctx context.Context, in checks.ReviewInput) (*checks.Result, error)
	rules   func() []checks.Rule
}

func engine() checkDeps {
	return checkDeps{loadDir: render.LoadDir, loadRev: render.LoadGitRev, review: checks.Review, rules: checks.Default}
}

type checkOptions struct {
	repo, base, head, config, format, output string
	dirs                                     []string
	gitFlags                                 bool // --repo, --base or --head given
	showExisting                             bool
	allowRemote                              bool // fetch the remote sources remote.allow lists
}

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// The report names each deprecated field once; kustomize's own
	// warnings would repeat them per overlay and side.
	if restore, err := quietDeprecations(); err == nil {
		defer restore()
	}
	return check(ctx, args, stdout, stderr, engine())
}

func check(ctx context.Context, args []string, stdout, stderr io.Writer, deps checkDeps) int {
	opt, err := parseCheckFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		checkUsage(stderr)
		return exitOK
	}
	if err != nil {
		return fail(stderr, "check: %s (see kustoguard check -h)", reason(err))
	}
	in, err := loadSides(ctx, opt, deps)
	if err != nil {
		return fail(stderr, "check: %s", reason(err))
	}
	cfg, err := loadConfig(opt.config, in.Base)
	if err != nil {
		return fail(stderr, "check: %s", reason(err))
	}
	in.Config, in.Rules = cfg, deps.rules()
	// Remote sources are fetched only when asked for and allow-listed.
	helm := render.HelmOptions{Allow: cfg.RemoteAllow()}
	if opt.allowRemote {
		helm.Fetcher = render.NewChartFetcher(nil)
		// Without the App, GitHub bases come from public repositories only.
		helm.Repos = render.PublicGitHub{Fetcher: helm.Fetcher, Limits: render.DefaultLimits()}
	}
	res, err := deps.review(render.WithHelm(ctx, helm), in)
	if err != nil {
		return fail(stderr, "check: reviewing %s against %s: %s", in.HeadName, in.BaseName, reason(err))
	}
	// Nobody can approve a local run, so findings needing approval block.
	approval := report.Gate(cfg, res.Findings, nil)
	var out bytes.Buffer
	if err := writeReport(&out, opt, res, approval, in.Rules, useColor(stdout, opt.output)); err != nil {
		return fail(stderr, "check: %s", reason(err))
	}
	if opt.output != "" {
		if err := os.WriteFile(opt.output, out.Bytes(), 0o644); err != nil {
			return fail(stderr, "check: writing report: %v", err)
		}
	} else if _, err := stdout.Write(out.Bytes()); err != nil {
		return fail(stderr, "check: writing report: %v", err)
	}
	if report.Conclusion(res, approval) != report.Success {
		return exitBlocking
	}
	return exitOK
}

func checkUsage(w io.Writer) {
	fmt.Fprint(w, `usage: kustoguard check [flags] [BASE_DIR HEAD_DIR]

Reviews a change like the GitHub App does: two directories, or two
revisions of a git work tree (by default the merge-base with the default
branch against the working tree, uncommitted changes included).

  --repo DIR      git work tree (default .)
  --base REV      base revision (default: merge-base of HEAD and the default branch)
  --head REV      head revision (default: the working tree)
  --config FILE   configuration (default: .github/kustoguard.yml of the base side)
  --format F      text, markdown, json or sarif (default text)
  --output FILE   write the report to FILE instead of stdout
  --show-existing text format: also list the findings already on the base
                  side (by default they are counted, not listed)
  --allow-remote  fetch the Helm charts, https:// resources and public GitHub
                  bases that the configuration's remote.allow lists

Exit status: 0 nothing blocking; 1 blocking findings (an overlay that no longer
renders is a render-error finding, so it exits 1 too); 2 usage error, or a failure
to read a tree or revision.
`)
}

// parseCheckFlags accepts flags before and after the positional arguments.
func parseCheckFlags(args []string) (checkOptions, error) {
	var opt checkOptions
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&opt.repo, "repo", ".", "")
	fs.StringVar(&opt.base, "base", "", "")
	fs.StringVar(&opt.head, "head", "", "")
	fs.StringVar(&opt.config, "config", "", "")
	fs.StringVar(&opt.format, "format", "text", "")
	fs.StringVar(&opt.output, "output", "", "")
	fs.BoolVar(&opt.showExisting, "show-existing", false, "")
	fs.BoolVar(&opt.allowRemote, "allow-remote", false, "")
	for {
		if err := fs.Parse(args); err != nil {
			return opt, err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			opt.dirs = append(opt.dirs, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		opt.dirs = append(opt.dirs, rest[0])
		args = rest[1:]
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "repo", "base", "head":
			opt.gitFlags = true
		}
	})
	switch opt.format {
	case "text", "markdown", "json", "sarif":
	default:
		return opt, fmt.Errorf("unknown format %q (want text, markdown, json or sarif)", opt.format)
	}
	switch {
	case len(opt.dirs) != 0 && len(opt.dirs) != 2:
		return opt, fmt.Errorf("want BASE_DIR and HEAD_DIR, or neither; got %d arguments", len(opt.dirs))
	case len(opt.dirs) == 2 && opt.gitFlags:
		return opt, errors.New("--repo, --base and --head compare git revisions; they do not go with BASE_DIR HEAD_DIR")
	}
	return opt, nil
}

// loadSides reads base and head and lists the changed paths.
func loadSides(ctx context.Context, opt checkOptions, deps checkDeps) (checks.ReviewInput, error) {
	lim := render.DefaultLimits()
	if len(opt.dirs) == 2 {
		in := checks.ReviewInput{BaseName: opt.dirs[0], HeadName: opt.dirs[1]}
		var err error
		for i, side := range []**render.Tree{&in.Base, &in.Head} {
			if *side, err = deps.loadDir(opt.dirs[i], lim); err != nil {
				return in, fmt.Errorf("reading %s: %w", opt.dirs[i], err)
			}
		}
		in.Changed = render.ChangedFiles(in.Base, in.Head)
		return in, nil
	}
	return loadGitSides(ctx, opt, deps, lim)
}

// loadConfig reads the configuration from file, else from the base side,
// else the defaults.
func loadConfig(file string, base *render.Tree) (*checks.Config, error) {
	data, ok := []byte(nil), false
	name := checks.ConfigPath
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading config: %w", err)
		}
		data, ok, name = b, true, file
	} else if base != nil {
		data, ok = base.ReadFile(checks.ConfigPath)
	}
	if !ok {
		return checks.DefaultConfig(), nil
	}
	cfg, err := checks.ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", name, err)
	}
	return cfg, nil
}

func writeReport(w io.Writer, opt checkOptions, res *checks.Result, a report.Approval, rules []checks.Rule, color bool) error {
	switch opt.format {
	case "markdown":
		return report.Markdown(w, res, a)
	case "json":
		return report.JSON(w, res)
	case "sarif":
		report.Version = version
		return report.SARIF(w, res, rules)
	}
	return report.TextWith(w, res, a, report.TextOptions{Color: color, ShowExisting: opt.showExisting})
}

// useColor is true for a terminal on stdout, unless NO_COLOR is set
// (https://no-color.org).
func useColor(stdout io.Writer, output string) bool {
	if output != "" || os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := stdout.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// reason keeps an error (kustomize's can span lines) to one line.
func reason(err error) string {
	var parts []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			parts = append(parts, strings.Join(f, " "))
		}
	}
	return strings.Join(parts, "; ")
}

// firstLine is the first line of s, trimmed.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
