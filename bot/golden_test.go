package bot

import (
	"testing"

	"github.com/kustoguard/kustoguard/internal/golden"
)

// assertGolden compares got with a golden file; -update rewrites it.
func assertGolden(t testing.TB, path string, got []byte) {
	t.Helper()
	golden.Assert(t, path, got)
}
