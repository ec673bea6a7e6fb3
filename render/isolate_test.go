package render

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRenderIsolated_matchesRender renders every kustomization of the
// fixture repository both ways and expects the same objects or errors.
func TestRenderIsolated_matchesRender(t *testing.T) {
	tree := loadRepo(t)
	for _, dir := range kustomizationDirs(tree) {
		want, wantErr := tree.Render(context.Background(), dir)
		got, gotErr := tree.RenderIsolated(context.Background(), dir)
		if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
			t.Errorf("%s: error %v, in process %v", dir, gotErr, wantErr)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the isolated render differs from the in-process one", dir)
		}
	}
}

// TestRenderIsolated_refusesAtTheScan gets the scan's error, not the
// child's, for a remote reference: no request, no git.
func TestRenderIsolated_refusesAtTheScan(t *testing.T) {
	tr := newTrap(t)
	tree := treeOf(t, "app/kustomization.yaml", "Resources: ["+tr.url+"/r.yaml]\n")
	_, err := tree.RenderIsolated(context.Background(), "app")
	if err == nil || !strings.Contains(err.Error(), "app/kustomization.yaml: resources: remote reference") {
		t.Errorf("got %v", err)
	}
	tr.sprung(t, "isolated")
}

// TestRenderIsolated_deadline stops the costly overlay at its deadline.
func TestRenderIsolated_deadline(t *testing.T) {
	tree, err := FromFiles(costlyOverlay(2000, 300), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := tree.RenderIsolated(ctx, "app"); err == nil || !strings.Contains(err.Error(), "exceeded time budget") {
		t.Errorf("got %v, want the budget error", err)
	}
}

// BenchmarkRenderIsolated compares one overlay rendered in process and in
// a child process: the difference is what isolation costs per render.
func BenchmarkRenderIsolated(b *testing.B) {
	tree := loadRepo(b)
	for _, mode := range []struct {
		name   string
		render func(*Tree, context.Context, string) ([]Object, error)
	}{{"inProcess", (*Tree).Render}, {"child", (*Tree).RenderIsolated}} {
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := mode.render(tree, context.Background(), "apps/api/prod"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestIsolateRenders sends Render through a child process once switched on.
func TestIsolateRenders(t *testing.T) {
	IsolateRenders(true)
	defer IsolateRenders(false)
	tree, err := FromFiles(costlyOverlay(2000, 300), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	before := childCPU()
	if _, err := tree.Render(ctx, "app"); err == nil || !strings.Contains(err.Error(), "exceeded time budget") {
		t.Fatalf("got %v, want the budget error", err)
	}
	// The render's CPU went to a child that was killed and reaped.
	if childCPU() == before {
		t.Error("no child process did the work")
	}
}

func childCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestRenderIsolated_helmOptions carries the caller's Helm options into
// the child: Helm turned off there is off in the child too.
func TestRenderIsolated_helmOptions(t *testing.T) {
	tree := treeOf(t, "app/kustomization.yaml", "helmCharts:\n- name: c\n  releaseName: r\n", "app/charts/c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n")
	ctx := WithHelm(context.Background(), HelmOptions{Disabled: true})
	_, want := tree.Render(ctx, "app")
	_, got := tree.RenderIsolated(ctx, "app")
	if want == nil || got == nil || want.Error() != got.Error() {
		t.Errorf("isolated: %v, in process: %v", got, want)
	}
}

// TestClosureView sends a child only the directories of the closure's
// kustomizations: an overlay's base comes along, a neighbour does not.
func TestClosureView(t *testing.T) {
	tree, err := FromFiles(map[string][]byte{
		"apps/a/kustomization.yaml":    []byte("resources: [../../bases/web]\n"),
		"apps/a/patch.yaml":            []byte("x: 1\n"),
		"apps/b/kustomization.yaml":    []byte("resources: [cm.yaml]\n"),
		"apps/b/cm.yaml":               []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"),
		"bases/web/kustomization.yaml": []byte("resources: [cm.yaml]\n"),
		"bases/web/cm.yaml":            []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n"),
		"README.md":                    []byte("hello\n"),
	}, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	sr, err := scanClosure(tree, "apps/a", true)
	if err != nil {
		t.Fatal(err)
	}
	files, _, _, _ := tree.closureView(sr)
	var got []string
	for p := range files {
		got = append(got, p)
	}
	sort.Strings(got)
	want := []string{"apps/a/kustomization.yaml", "apps/a/patch.yaml", "bases/web/cm.yaml", "bases/web/kustomization.yaml"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("child gets %v, want %v", got, want)
	}
	objs, err := tree.RenderIsolated(context.Background(), "apps/a")
	if err != nil || len(objs) != 1 || objs[0].ID.Name != "web" {
		t.Errorf("isolated render of the view: %v, %v", objs, err)
	}
}

// TestRenderIsolated_errorLocation: a render error from a child points at
// the same file and line as in process, so the App's finding and its
// annotation land on the line at fault.
func TestRenderIsolated_errorLocation(t *testing.T) {
	// Only kustomize finds this one: the pre-scan passes it.
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
	tree := treeOf(t, "app/kustomization.yaml", "resources:\n- cm.yaml\n- again.yaml\n", "app/cm.yaml", cm, "app/again.yaml", cm)
	_, want := tree.Render(context.Background(), "app")
	_, got := tree.RenderIsolated(context.Background(), "app")
	var we, ge *Error
	if !errors.As(want, &we) || !errors.As(got, &ge) {
		t.Fatalf("in process %T %v, isolated %T %v; want *render.Error from both", want, want, got, got)
	}
	if we.File != "app/again.yaml" {
		t.Fatalf("in process the error points at %s, want app/again.yaml", we.File)
	}
	if ge.Dir != we.Dir || ge.File != we.File || ge.Line != we.Line || ge.Error() != we.Error() {
		t.Errorf("isolated %s %s:%d %q, in process %s %s:%d %q", ge.Dir, ge.File, ge.Line, ge, we.Dir, we.File, we.Line, we)
	}
}
