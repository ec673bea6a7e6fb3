package main

import (
	"context"
	"io"
)

// STUB: replaced by the real command.
func runRules(_ context.Context, _ []string, _, stderr io.Writer) int {
	return fail(stderr, "rules: not implemented yet")
}
