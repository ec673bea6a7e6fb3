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

// TestTopLevelHelp shows what each command is for, and --version answers
// like the version command.
func TestTopLevelHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, c := range commands() {
		if c.summary == "" || !strings.Contains(stderr.String(), c.summary) {
			t.Errorf("top-level help does not describe %s:\n%s", c.name, stderr.String())
		}
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"--version"}, &stdout, &stderr); code != exitOK || !strings.HasPrefix(stdout.String(), "kustoguard ") {
		t.Errorf("--version: exit %d, stdout %q", code, stdout.String())
	}
}
