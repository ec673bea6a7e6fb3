package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
)

func TestCaptureStderr(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&out, nil))
	restore, err := CaptureStderr(log)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(os.Stderr, "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead.")
	restore()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d log lines: %q", len(lines), out.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("log line is not JSON: %v", err)
	}
	if rec["level"] != "WARN" || !strings.HasPrefix(fmt.Sprint(rec["text"]), "Warning: 'commonLabels' is deprecated") {
		t.Errorf("record: %v", rec)
	}
}
