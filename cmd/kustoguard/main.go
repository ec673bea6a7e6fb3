// Command kustoguard reviews kustomize changes: locally (check, render) and
// as a GitHub App (serve). This package holds flags and wiring only.
package main

import (
	"context"
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
	name, usage string
	run         func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"render", "render [--root ROOT] DIR", runRender},
		{"check", "check [flags] [BASE_DIR HEAD_DIR]", runCheck},
		{"serve", "serve [flags]", runServe},
		{"action", "action [--token T] [--config FILE] [--fail-on-block]", runAction},
		{"register", "register --webhook-url URL [--org ORG] [flags]", runRegister},
		{"rules", "rules [--format text|json]", runRules},
		{"version", "version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "kustoguard: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kustoguard <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  kustoguard %s\n", c.usage)
	}
}

// fail prints a one-line reason and returns the usage/failure status.
func fail(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "kustoguard: "+format+"\n", a...)
	return exitUsage
}
