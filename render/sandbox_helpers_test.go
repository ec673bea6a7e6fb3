package render

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// trap is a loopback listener that counts the requests it gets and a fake
// git first on PATH that logs every invocation.
type trap struct {
	url    string
	hits   *atomic.Int64
	gitLog string
}

func newTrap(t *testing.T) *trap {
	t.Helper()
	hits := new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leaked\ndata:\n  token: internal-service-token\n"))
	}))
	t.Cleanup(srv.Close)
	bin := t.TempDir()
	log := filepath.Join(t.TempDir(), "git.log")
	script := "#!/bin/sh\necho \"$@\" >> " + log + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	return &trap{url: srv.URL, hits: hits, gitLog: log}
}

// sprung fails the test if the listener got a request or git ran.
func (tr *trap) sprung(t *testing.T, what string) {
	t.Helper()
	if n := tr.hits.Swap(0); n != 0 {
		t.Errorf("%s: the loopback listener received %d requests", what, n)
	}
	if b, err := os.ReadFile(tr.gitLog); err == nil {
		t.Errorf("%s: git ran: %s", what, strings.TrimSpace(string(b)))
		_ = os.Remove(tr.gitLog)
	}
}

// treeOf builds a tree from name → content pairs.
func treeOf(t testing.TB, kv ...string) *Tree {
	t.Helper()
	files := map[string][]byte{}
	for i := 0; i+1 < len(kv); i += 2 {
		files[kv[i]] = []byte(kv[i+1])
	}
	tree, err := FromFiles(files, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

const localCM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n"

// repoLikeDirs are local directories whose names kustomize reads as git
// repositories; each holds a valid kustomization.
var repoLikeDirs = []string{"GitHub.com/org/repo", "u@host:org/repo", "GIT::github.com/org/repo", "github.com:org/repo"}

func repoLikeFiles() []string {
	var kv []string
	for _, d := range repoLikeDirs {
		kv = append(kv, "app/"+d+"/kustomization.yaml", "resources: [cm.yaml]\n", "app/"+d+"/cm.yaml", localCM)
	}
	return kv
}
