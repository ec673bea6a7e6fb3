package main

import (
	"context"
	"io"
)

// STUB: replaced by the real command.
func runServe(_ context.Context, _ []string, _, stderr io.Writer) int {
	return fail(stderr, "serve: not implemented yet")
}
