package main

import (
	"context"
	"io"
)

// STUB: replaced by the real command.
func runRender(_ context.Context, _ []string, _, stderr io.Writer) int {
	return fail(stderr, "render: not implemented yet")
}
