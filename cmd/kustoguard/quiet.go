package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// quietDeprecations holds back kustomize's deprecation warnings, which it
// prints to os.Stderr on every load of a kustomization (once per overlay
// and side: 16 identical lines on one review). check reports each
// distinct one once, with its kustomization. Other output passes through.
// restore undoes it and waits for the copy to finish.
func quietDeprecations() (restore func(), err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("capturing standard error: %w", err)
	}
	orig := os.Stderr
	os.Stderr = w
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if isDeprecationWarning(sc.Text()) {
				continue
			}
			fmt.Fprintln(orig, sc.Text())
		}
	}()
	return func() {
		os.Stderr = orig
		w.Close()
		<-done
		r.Close()
	}, nil
}

func isDeprecationWarning(line string) bool {
	return strings.HasPrefix(line, "# Warning: '") && strings.Contains(line, "' is deprecated.")
}
