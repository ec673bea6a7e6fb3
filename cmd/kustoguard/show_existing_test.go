package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestCheck_showExisting: the text report counts the demo's existing
// findings; --show-existing lists them; `check -h` documents the flag.
func TestCheck_showExisting(t *testing.T) {
	t.Chdir("../..")
	deps := reviewOnce()
	_, plain, _ := runWith(t, deps, "testdata/demo/base", "testdata/demo/head")
	_, listed, _ := runWith(t, deps, "--show-existing", "testdata/demo/base", "testdata/demo/head")
	if strings.Contains(plain, "(existing)") || !strings.Contains(plain, "already on the base side, not listed (--show-existing lists them)") {
		t.Errorf("without --show-existing, existing findings must be counted, not listed:\n%s", plain)
	}
	if !strings.Contains(listed, "(existing)") || strings.Contains(listed, "not listed") {
		t.Errorf("with --show-existing, existing findings must be listed:\n%s", listed)
	}
	var errw bytes.Buffer
	check(context.Background(), []string{"-h"}, &bytes.Buffer{}, &errw, deps)
	if !strings.Contains(errw.String(), "--show-existing") {
		t.Errorf("check -h does not document --show-existing:\n%s", errw.String())
	}
}
