package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// TestCheckDeploy reviews kustoguard's own deployment as a pull request
// that adds it to an empty repository: nothing to report, exit 0.
func TestCheckDeploy(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"check", "--format", "json", t.TempDir(), "../../deploy"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s\n%s", code, stderr.String(), stdout.String())
	}
	var res struct {
		Overlays []struct {
			Path   string `json:"path"`
			Status string `json:"status"`
		} `json:"overlays"`
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Errorf("findings on deploy/: %s", res.Findings)
	}
	if len(res.Overlays) == 0 {
		t.Fatal("no overlay reviewed")
	}
	for _, o := range res.Overlays {
		if o.Status != "added" {
			t.Errorf("overlay %s: status %s, want added", o.Path, o.Status)
		}
	}
}
