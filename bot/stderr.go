package bot

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// CaptureStderr turns what libraries print to os.Stderr into log records,
// so the server's log stays one JSON object per line: kustomize writes its
// deprecation warnings ("# Warning: 'commonLabels' is deprecated…")
// straight to os.Stderr. Call it once at start, before any work runs, with
// a logger that writes to the real standard error; restore undoes it.
func CaptureStderr(log *slog.Logger) (restore func(), err error) {
	return RouteStderr(func(_ io.Writer, text string) {
		line := strings.TrimSpace(strings.TrimPrefix(text, "#"))
		if line == "" {
			return
		}
		log.Warn("library output", "source", "stderr", "text", line)
	})
}

// RouteStderr points os.Stderr at a pipe and hands each line written to it
// to handle, with the original standard error to write to. Libraries print
// to os.Stderr directly (kustomize's warnings), and only this takes them
// over. restore undoes it and waits until every line was handled.
func RouteStderr(handle func(orig io.Writer, line string)) (restore func(), err error) {
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
			handle(orig, sc.Text())
		}
	}()
	return func() {
		os.Stderr = orig
		w.Close()
		<-done
		r.Close()
	}, nil
}
