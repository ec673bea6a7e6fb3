package render

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// The renderer's second line, for whatever the static scan misses: a
// render can neither reach the network nor run git.
//
// Network: kustomize fetches remote files with a zero http.Client, that
// is through http.DefaultTransport. At init the renderer hooks that
// transport so it refuses every request made from inside kustomize or a
// render, and lets every other request (the bot's GitHub traffic, when
// it leaves its transport to the default) through unchanged.
//
// Git: kustomize runs git only from Loader.New, which it calls only for
// the resources (bases included), components, generators, transformers
// and validators of a kustomization it has just read. Every kustomization
// a render reads passes through gitGuardFS, which refuses to hand over one
// whose entries kustomize's own URL parser would clone.

// errNetworkDisabled is what a request made during a render gets.
var errNetworkDisabled = errors.New("network access is disabled while rendering")

// refuseInRender is installed as the default transport's proxy function,
// which http.Transport consults on the goroutine that makes the request,
// before any connection: an error from it fails the request.
func refuseInRender(next func(*http.Request) (*url.URL, error)) func(*http.Request) (*url.URL, error) {
	return func(req *http.Request) (*url.URL, error) {
		if inRender() {
			return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), errNetworkDisabled)
		}
		if next == nil {
			return nil, nil
		}
		return next(req)
	}
}

// renderTransport wraps a default transport that is not an
// *http.Transport, should another package have replaced it.
type renderTransport struct{ next http.RoundTripper }

func (t renderTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if inRender() {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), errNetworkDisabled)
	}
	return t.next.RoundTrip(req)
}

func init() {
	// The default transport keeps its type: some libraries assert it is
	// an *http.Transport.
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		t.Proxy = refuseInRender(t.Proxy)
		return
	}
	if _, ok := http.DefaultTransport.(renderTransport); !ok {
		http.DefaultTransport = renderTransport{next: http.DefaultTransport}
	}
}

// renderBuild names the function every render runs kustomize under.
var renderBuild = runtime.FuncForPC(reflect.ValueOf((*Tree).build).Pointer()).Name()

// inRender reports whether the calling goroutine is running kustomize or
// a render: http.Client calls RoundTrip on the goroutine that made the
// request, so the caller is on this stack.
func inRender() bool {
	pcs := make([]uintptr, 256)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "sigs.k8s.io/kustomize/") || f.Function == renderBuild {
			return true
		}
		if !more {
			return false
		}
	}
}

// gitGuardFS refuses to serve a kustomization that would make kustomize
// run git.
type gitGuardFS struct{ filesys.FileSystem }

var kustomizationBase = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		m[n] = true
	}
	return m
}()

func (g gitGuardFS) ReadFile(p string) ([]byte, error) {
	b, err := g.FileSystem.ReadFile(p)
	if err != nil || !kustomizationBase[path.Base(filepath.ToSlash(p))] {
		return b, err
	}
	if e := gitEntry(b); e != "" {
		return nil, fmt.Errorf("%s: %q would be cloned with git: %w", p, e, errGitDisabled)
	}
	return b, nil
}

var errGitDisabled = errors.New("git is disabled while rendering")

// gitEntry returns the first entry of a kustomization that kustomize would
// hand to Loader.New and clone, read exactly as KustTarget.Load reads it.
func gitEntry(data []byte) string {
	k, err := decodeKustomization(data)
	if err != nil {
		return "" // kustomize fails on it before following any entry
	}
	k.FixKustomization()
	for _, list := range [][]string{k.Resources, k.Components, k.Generators, k.Transformers, k.Validators} {
		for _, e := range list {
			if isGitRef(e) {
				return e
			}
		}
	}
	return ""
}
