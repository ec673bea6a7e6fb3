package main

import (
	"context"
	"io"
)

// STUB: replaced by the real command.
func runCheck(_ context.Context, _ []string, _, stderr io.Writer) int {
	return fail(stderr, "check: not implemented yet")
}
