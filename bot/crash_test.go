package bot

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kustoguard/kustoguard/bot/githubtest"
)

// syncBuffer collects a process's output for the failure message.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// buildKustoguard builds the kustoguard command into a temporary directory.
func buildKustoguard(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kustoguard")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/kustoguard").CombinedOutput()
	if err != nil {
		t.Fatalf("building kustoguard: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serveProcess is one `kustoguard serve` process.
type serveProcess struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, once done
}

func startServe(t *testing.T, bin string, env []string, out *syncBuffer) *serveProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitReady polls /readyz until 200.
func waitReady(t *testing.T, base string, p *serveProcess) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("server exited: %v\n%s", p.err, p.out)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("server not ready after 30 s\n%s", p.out)
}

// TestCrash_recoveryFinishesReviews builds the binary, has it review a
// fleet, kills it with SIGKILL while reviews are in flight (and more wait
// in its queue), and starts it again without redelivering anything: its
// recovery pass must bring every pull request to a completed check run, in
// place (one run per head). Then SIGTERM drains it cleanly.
func TestCrash_recoveryFinishesReviews(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and runs the server; skipped with -short")
	}
	bin := buildKustoguard(t)
	f := newFleet(t, 2, 3, 2)
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, f.gh.PrivateKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	base := "http://" + addr
	secret := "crash-secret"
	env := []string{
		"KUSTOGUARD_APP_ID=" + strconv.FormatInt(f.gh.AppID, 10),
		"KUSTOGUARD_PRIVATE_KEY_FILE=" + keyFile,
		"KUSTOGUARD_WEBHOOK_SECRET=" + secret,
		"KUSTOGUARD_GITHUB_API_URL=" + f.gh.URL(),
		"KUSTOGUARD_LISTEN=" + addr,
		"KUSTOGUARD_BOT_LOGIN=" + f.gh.AppSlug + "[bot]",
		"KUSTOGUARD_WORKERS=2",
		"KUSTOGUARD_RECOVERY_INTERVAL=1s",
		"KUSTOGUARD_RECOVERY_GRACE=2s",
		"KUSTOGUARD_SHUTDOWN_GRACE=30s",
		"KUSTOGUARD_LOG_FORMAT=text",
	}
	// The first downloads hang, so the kill finds reviews in flight.
	f.gh.Fail("GET /_codeload/*/*/legacy.tar.gz/*", 2, githubtest.Slow(3*time.Second))

	out := &syncBuffer{}
	first := startServe(t, bin, env, out)
	waitReady(t, base, first)
	for i := range f.pulls {
		resp, err := githubtest.Deliver(context.Background(), base+WebhookPath, []byte(secret), fmt.Sprintf("d-%d", i), f.event(i, "opened"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("delivery %d: status %d", i, resp.StatusCode)
		}
	}
	inFlight := func() int {
		n := 0
		for i, p := range f.pulls {
			for _, r := range f.gh.CheckRuns(p.repo.Owner, p.repo.Name) {
				if r.GetHeadSHA() == f.head(i) && r.GetStatus() == "in_progress" {
					n++
				}
			}
		}
		return n
	}
	deadline := time.Now().Add(30 * time.Second)
	for inFlight() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.done
	interrupted := inFlight()
	if interrupted == 0 || f.settled() {
		t.Fatalf("the kill found nothing in flight\n%s", out)
	}

	second := startServe(t, bin, env, out)
	waitReady(t, base, second)
	if !f.waitSettled(time.Minute) {
		t.Fatalf("reviews not finished a minute after the restart\n%s", out)
	}
	for i, p := range f.pulls {
		var runs []string
		for _, r := range f.gh.CheckRuns(p.repo.Owner, p.repo.Name) {
			if r.GetHeadSHA() == f.head(i) {
				runs = append(runs, r.GetStatus()+"/"+r.GetConclusion())
			}
		}
		if len(runs) != 1 {
			t.Errorf("%s: runs %v, want one completed run", p, runs)
		}
	}

	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-second.done:
		if second.err != nil {
			t.Errorf("after SIGTERM: %v\n%s", second.err, out)
		}
	case <-time.After(40 * time.Second):
		t.Errorf("still running 40 s after SIGTERM\n%s", out)
	}
	t.Logf("%d pull requests; %d reviews in flight at the kill; all completed by recovery after the restart", len(f.pulls), interrupted)
}
