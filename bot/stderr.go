package bot

import (
	"bufio"
	"fmt"
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
			line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "#"))
			if line == "" {
				continue
			}
			log.Warn("library output", "source", "stderr", "text", line)
		}
	}()
	return func() {
		os.Stderr = orig
		w.Close()
		<-done
		r.Close()
	}, nil
}
