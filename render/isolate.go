package render

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
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
	// Unreadable are files the loader could not read, kept for errors.
	Unreadable map[string]string
	Limits     Limits
	Dir        string
	Budget     time.Duration
	// The caller's Helm options, but its fetcher (see RenderIsolated).
	HelmDisabled bool
	HelmAllow    []string
}

type childResponse struct {
	Objects []Object
	// Err is the child's render error, already sanitized there, with
	// where it points.
	Err     string
	ErrFile string
	ErrLine int
}

func init() {
	gob.Register(map[string]any{})
	gob.Register([]any{})
	gob.Register(time.Time{})
	if os.Getenv(childEnv) == "1" {
		os.Exit(runChild())
	}
}

var isolateRenders atomic.Bool

// IsolateRenders makes Render run every render through RenderIsolated. A
// server calls it once at start.
func IsolateRenders(on bool) { isolateRenders.Store(on) }

// RenderIsolated is Render in a child process that is killed when ctx is
// done, so a render that runs out of time stops consuming CPU. Children
// are kept and reused between renders, so the cost of starting one (and
// of kustomize's first use of its OpenAPI schema there) is paid again
// only after a render was killed (BenchmarkRenderIsolated). Meant for a
// long-running server; a one-shot command's process ends with the
// command anyway.
func (t *Tree) RenderIsolated(ctx context.Context, dir string) ([]Object, error) {
	// The scan is cheap and gives the same errors; refuse early.
	sr, err := scanClosure(t, filepath.ToSlash(dir), true)
	if err != nil {
		return nil, t.sanitizeError(dir, fmt.Errorf("rendering %s: %w", dir, err), sr)
	}
	helm := helmOptionsFrom(ctx)
	if len(sr.helm) > 0 && helm.Fetcher != nil {
		// Remote charts come through the caller's fetcher, which cannot
		// be handed to a child: such renders stay in process.
		r, err := t.render(ctx, dir, false)
		if err != nil {
			return nil, err
		}
		return r.objects, nil
	}
	budget := DefaultBudget
	if d, ok := ctx.Deadline(); ok {
		budget = time.Until(d)
	} else {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
	}
	w, err := workers.get()
	if err != nil {
		return nil, fmt.Errorf("rendering %s: %w", dir, err)
	}
	req := childRequest{Limits: t.lim, Dir: dir, Budget: budget, HelmDisabled: helm.Disabled, HelmAllow: helm.Allow}
	req.Files, req.Outside, req.Oversize, req.Unreadable = t.closureView(sr)
	done := make(chan error, 1)
	var resp childResponse
	go func() {
		if err := w.enc.Encode(req); err != nil {
			done <- fmt.Errorf("sending the tree to the render process: %w", err)
			return
		}
		if err := w.dec.Decode(&resp); err != nil {
			done <- fmt.Errorf("reading the render process's answer: %w", err)
			return
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			w.kill()
			return nil, fmt.Errorf("rendering %s: %w", dir, err)
		}
		workers.put(w)
	case <-ctx.Done():
		w.kill()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("rendering %s: exceeded time budget %s", dir, budget.Round(time.Millisecond))
		}
		return nil, fmt.Errorf("rendering %s: %w", dir, ctx.Err())
	}
	if resp.Err != "" {
		return nil, &Error{Dir: dir, File: resp.ErrFile, Line: resp.ErrLine, msg: resp.Err}
	}
	return resp.Objects, nil
}

// worker is a child process serving renders one at a time.
type worker struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	enc   *gob.Encoder
	dec   *gob.Decoder
}

func startWorker() (*worker, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the executable: %w", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = []string{childEnv + "=1", "PATH=", "HOME=/nonexistent", "TMPDIR=/dev/null/kustoguard"}
	// Through a pipe of its own, not by inheriting the descriptor: a child
	// holding the parent's standard error open would keep whoever reads it
	// (a log capture, a test's pipe) waiting after the parent is done.
	cmd.Stderr = parentStderr{}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting a render process: %w", err)
	}
	return &worker{cmd: cmd, stdin: stdin, enc: gob.NewEncoder(stdin), dec: gob.NewDecoder(stdout)}, nil
}

func (w *worker) kill() {
	_ = w.cmd.Process.Kill()
	_ = w.cmd.Wait()
}

// parentStderr writes to whatever os.Stderr is at the time of the write.
type parentStderr struct{}

func (parentStderr) Write(p []byte) (int, error) { return os.Stderr.Write(p) }

// StopRenderProcesses ends the idle render processes; a server calls it
// when it shuts down. Renders after it start new ones.
func StopRenderProcesses() {
	workers.mu.Lock()
	idle := workers.idle
	workers.idle = nil
	workers.mu.Unlock()
	for _, w := range idle {
		_ = w.stdin.Close() // the worker exits at the end of its input
		_ = w.cmd.Wait()
	}
}

// workerPool keeps idle workers, at most one per CPU.
type workerPool struct {
	mu   sync.Mutex
	idle []*worker
}

var workers workerPool

func (p *workerPool) get() (*worker, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return w, nil
	}
	p.mu.Unlock()
	return startWorker()
}

func (p *workerPool) put(w *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) >= runtime.NumCPU() {
		_ = w.stdin.Close() // the worker exits at the end of its input
		go func() { _ = w.cmd.Wait() }()
		return
	}
	p.idle = append(p.idle, w)
}

// runChild serves render requests from stdin until it ends, answering
// each on stdout.
func runChild() int {
	http.DefaultTransport = refuseAll{}
	// kustomize's own log lines would reach the server's log unattributed.
	log.SetOutput(io.Discard)
	dec, enc := gob.NewDecoder(os.Stdin), gob.NewEncoder(os.Stdout)
	for {
		var req childRequest
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return 0
			}
			fmt.Fprintln(os.Stderr, "reading a render request:", err)
			return 2
		}
		b := newBuilder(req.Limits)
		b.files, b.outside, b.oversize, b.unreadable = req.Files, req.Outside, req.Oversize, req.Unreadable
		ctx := WithHelm(context.Background(), HelmOptions{Disabled: req.HelmDisabled, Allow: req.HelmAllow})
		ctx, cancel := context.WithTimeout(ctx, req.Budget)
		var resp childResponse
		objs, err := b.tree().Render(ctx, req.Dir)
		cancel()
		if err != nil {
			resp.Err = err.Error()
			var re *Error
			if errors.As(err, &re) {
				resp.ErrFile, resp.ErrLine = re.File, re.Line
			}
		}
		resp.Objects = objs
		if err := enc.Encode(resp); err != nil {
			fmt.Fprintln(os.Stderr, "writing a render answer:", err)
			return 2
		}
	}
}

type refuseAll struct{}

func (refuseAll) RoundTrip(req *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), errNetworkDisabled)
}

// closureView is the part of the tree a render of sr's closure can read,
// so that a child is sent that part rather than the whole repository.
// kustomize reads each kustomization's files from below its own directory
// (the renderer loads with LoadRestrictionsRootOnly), so the directories of
// the closure's kustomizations hold everything it reads. Charts may sit
// elsewhere (helmGlobals.chartHome): a closure inflating Helm gets it all.
func (t *Tree) closureView(sr *scanResult) (files map[string][]byte, outside map[string]string, oversize map[string]int64, unreadable map[string]string) {
	under := sr.closure()
	if under == nil && t.disk == nil {
		return t.files, t.outside, t.oversize, t.unreadable
	}
	keep := func(p string) bool { return under == nil || under(p) }
	files = map[string][]byte{}
	unreadable = filterKeys(t.unreadable, keep)
	for p := range t.eachFile {
		if !keep(p) {
			continue
		}
		b, err := t.content(p)
		if err != nil {
			unreadable[p] = errors.Unwrap(err).Error()
			continue
		}
		files[p] = b
	}
	return files, filterKeys(t.outside, keep), filterKeys(t.oversize, keep), unreadable
}

// closure tells the files a render of the scanned closure can read: those
// below the directories of its kustomizations, and the files the scan
// itself parsed, wherever they sit; after a failed scan, only the latter.
// It is nil when that is every file: a closure inflating Helm charts, or
// one with a kustomization at the root.
func (sr *scanResult) closure() func(string) bool {
	if sr == nil || len(sr.helm) > 0 {
		return nil
	}
	if sr.failed {
		return func(p string) bool { return sr.read[p] }
	}
	roots := map[string]bool{}
	for file := range sr.kusts {
		roots[path.Dir(file)] = true
	}
	if roots["."] {
		return nil
	}
	return func(p string) bool {
		if sr.read[p] {
			return true
		}
		for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
			if roots[d] {
				return true
			}
		}
		return false
	}
}

func filterKeys[V any](m map[string]V, keep func(string) bool) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		if keep(k) {
			out[k] = v
		}
	}
	return out
}
