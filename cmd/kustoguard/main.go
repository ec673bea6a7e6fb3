// Command kustoguard reviews kustomize changes: locally (check, render) and
// as a GitHub App (serve). This package holds flags and wiring only.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses shared by every command.
const (
	exitOK       = 0
	exitBlocking = 1
	exitUsage    = 2
)

type command struct {
	name, usage, summary string
	run                  func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"render", "render [--root ROOT] DIR", "render one kustomization like `kustomize build DIR`, in the sandbox", runRender},
		{"check", "check [flags] [BASE_DIR HEAD_DIR]", "review a change locally: affected overlays, rendered diff, findings", runCheck},
		{"serve", "serve [flags]", "run the GitHub App webhook server", runServe},
		{"action", "action [--token T] [--config FILE] [--fail-on-block]", "review the pull request of a GitHub Actions workflow run, as the App would", runAction},
		{"register", "register --webhook-url URL [--org ORG] [flags]", "create the GitHub App from its manifest", runRegister},
		{"rules", "rules [--format text|json|markdown]", "list the rule catalog", runRules},
		{"version", "version", "print the version, commit and kustomize/api version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		return runVersion(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			tuneGC(c.name)
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "kustoguard: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "kustoguard reviews kustomize changes: locally, in CI, and as a GitHub App.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: kustoguard <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n             kustoguard %s\n", c.name, c.summary, c.usage)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run `kustoguard <command> -h` for a command's flags; `kustoguard --version` prints the version.")
}

// tuneGC lets the one-shot commands collect garbage less often: a review is
// short and its garbage dies with the process, so the default GOGC=100
// spends a third of `check`'s CPU on collections for memory nobody reuses
// (measured on the 200-overlay monorepo PR of scripts/bench-kustomize-cli.sh:
// user CPU 0.46 s → 0.30 s). A flat GOGC=400 lets a review of big overlays
// grow five times its live heap, though (argo-cd's manifests: 1.1 GB), so
// the extra room is capped (see capGCHeadroom). render keeps the default,
// to stay as small as `kustomize build` on big overlays; so does the
// server. GOGC in the environment wins.
func tuneGC(command string) {
	switch command {
	case "check", "action":
		if os.Getenv("GOGC") == "" {
			capGCHeadroom(gcHeadroom) // for the life of the process
		}
	}
}

// parseInterspersed parses flags wherever they stand among the positional
// arguments (`render DIR --root X` as well as `render --root X DIR`), as
// users of kubectl and kustomize expect; "--" ends flag parsing.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// fail prints a one-line reason and returns the usage/failure status.
func fail(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "kustoguard: "+format+"\n", a...)
	return exitUsage
}
