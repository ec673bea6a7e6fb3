package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelp asks every command for its help: each prints a usage and exits
// 0, as `kustoguard -h` does.
func TestHelp(t *testing.T) {
	for _, c := range commands() {
		for _, flag := range []string{"-h", "--help"} {
			t.Run(c.name+flag, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				code := run(context.Background(), []string{c.name, flag}, &stdout, &stderr)
				if code != exitOK {
					t.Errorf("exit %d, want %d; stderr:\n%s", code, exitOK, stderr.String())
				}
				if !strings.Contains(stderr.String(), "usage: kustoguard "+c.name) {
					t.Errorf("stderr does not show the usage:\n%s", stderr.String())
				}
			})
		}
	}
}
