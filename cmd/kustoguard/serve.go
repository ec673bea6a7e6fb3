package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/kustoguard/kustoguard/bot"
)

func runServe(ctx context.Context, args []string, _, stderr io.Writer) int {
	return serve(ctx, args, os.Getenv, stderr, bot.NewAppServer)
}

// buildServer builds the server from a valid configuration.
type buildServer func(ctx context.Context, cfg bot.Config, log *slog.Logger) (*bot.Server, error)

// serve is runServe with the environment and the App's wiring injected, for
// tests. It returns when ctx ends (SIGTERM, SIGINT) and the server has
// drained.
func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, build buildServer) int {
	cfg, err := bot.ParseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return fail(stderr, "serve: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "kustoguard: serve: invalid configuration:")
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "  %s\n", line)
		}
		return exitUsage
	}
	log := bot.NewLogger(cfg, stderr)
	if stderr == io.Writer(os.Stderr) {
		// Libraries' prints to standard error become log records.
		if restore, err := bot.CaptureStderr(log); err == nil {
			defer restore()
		}
	}
	srv, err := build(ctx, cfg, log)
	if err != nil {
		return fail(stderr, "serve: %v", err)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe(ctx) }()
	select {
	case err := <-errc:
		return fail(stderr, "serve: %v", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.ShutdownGrace)
	// The signal context is done; the grace period needs a fresh one.
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	code := exitOK
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown incomplete", "error", err)
		code = exitBlocking
	}
	if err := <-errc; err != nil {
		log.Error("serving", "error", err)
		code = exitBlocking
	}
	log.Info("stopped")
	return code
}
