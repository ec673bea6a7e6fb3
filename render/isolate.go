package render

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// A render past its deadline cannot be stopped inside the process:
// kustomize has no cancellation and, once it has read its inputs, no call
// the renderer can refuse (a 2,000-object, 300-patch overlay ran on for
// seconds after its caller gave up). RenderIsolated runs the render in a
// child process instead, the same executable started again, and kills it
// at the deadline. The child has no PATH (so no git), a temporary
// directory that cannot be created (kustomize clones into one) and a
// default transport that refuses every request.

// childEnv marks a process started by RenderIsolated.
const childEnv = "KUSTOGUARD_RENDER_CHILD"

type childRequest struct {
	Files    map[string][]byte
	Outside  map[string]string
	Oversize map[string]int64
	Limits   Limits
	Dir      string
	Budget   time.Duration
}

type childResponse struct {
	Objects []Object
	Err     string
}

func init() {
	gob.Register(map[string]any{})
	gob.Register([]any{})
	gob.Register(time.Time{})
	if os.Getenv(childEnv) == "1" {
		os.Exit(runChild())
	}
}

// RenderIsolated is Render in a child process that is killed when ctx is
// done, so a render that runs out of time stops consuming CPU. Starting
// the child costs a few tens of milliseconds (BenchmarkRenderIsolated):
// meant for a long-running server, not for one-shot commands, whose
// process ends with the command anyway.
func (t *Tree) RenderIsolated(ctx context.Context, dir string) ([]Object, error) {
	// The scan is cheap and gives the same errors; refuse early.
	if _, err := scanClosure(t, filepath.ToSlash(dir)); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", dir, err)
	}
	budget := DefaultBudget
	if d, ok := ctx.Deadline(); ok {
		budget = time.Until(d)
	} else {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("rendering %s: finding the executable: %w", dir, err)
	}
	var in bytes.Buffer
	req := childRequest{Files: t.files, Outside: t.outside, Oversize: t.oversize, Limits: t.lim, Dir: dir, Budget: budget}
	if err := gob.NewEncoder(&in).Encode(req); err != nil {
		return nil, fmt.Errorf("rendering %s: encoding the tree: %w", dir, err)
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = []string{childEnv + "=1", "PATH=", "HOME=/nonexistent", "TMPDIR=/dev/null/kustoguard"}
	cmd.Stdin = &in
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	runErr := cmd.Run()
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("rendering %s: exceeded time budget %s", dir, budget.Round(time.Millisecond))
		}
		return nil, fmt.Errorf("rendering %s: %w", dir, err)
	}
	var resp childResponse
	if err := gob.NewDecoder(&out).Decode(&resp); err != nil {
		return nil, fmt.Errorf("rendering %s: reading the render process's answer: %w (%v)", dir, err, runErr)
	}
	if resp.Err != "" {
		return nil, errors.New(resp.Err)
	}
	return resp.Objects, nil
}

// runChild renders one request from stdin and writes the answer to
// stdout; its exit code is 0 whenever it could answer.
func runChild() int {
	http.DefaultTransport = refuseAll{}
	var req childRequest
	if err := gob.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "reading the render request:", err)
		return 2
	}
	b := newBuilder(req.Limits)
	b.files, b.outside, b.oversize = req.Files, req.Outside, req.Oversize
	ctx, cancel := context.WithTimeout(context.Background(), req.Budget)
	defer cancel()
	var resp childResponse
	objs, err := b.tree().Render(ctx, req.Dir)
	if err != nil {
		resp.Err = err.Error()
	}
	resp.Objects = objs
	if err := gob.NewEncoder(os.Stdout).Encode(resp); err != nil {
		fmt.Fprintln(os.Stderr, "writing the render answer:", err)
		return 2
	}
	return 0
}

type refuseAll struct{}

func (refuseAll) RoundTrip(req *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), errNetworkDisabled)
}
