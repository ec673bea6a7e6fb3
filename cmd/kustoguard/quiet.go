package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/kustoguard/kustoguard/bot"
)

// quietDeprecations holds back kustomize's deprecation warnings, which it
// prints to os.Stderr on every load of a kustomization (once per overlay
// and side: 16 identical lines on one review). check reports each
// distinct one once, with its kustomization. Other output passes through.
// restore undoes it and waits for the copy to finish.
func quietDeprecations() (restore func(), err error) {
	return bot.RouteStderr(func(orig io.Writer, line string) {
		if !isDeprecationWarning(line) {
			fmt.Fprintln(orig, line)
		}
	})
}

func isDeprecationWarning(line string) bool {
	return strings.HasPrefix(line, "# Warning: '") && strings.Contains(line, "' is deprecated.")
}
