package render

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// secretMark is content that lives outside every chart; no render output
// or error may ever show it.
const secretMark = "TOPSECRET-0xfeed"

// loopback counts the requests anything makes to it; the hostile charts
// point every remote reference at it.
func loopback(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = w.Write([]byte(secretMark))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

// chartTree is a tree with one kustomization at app/ inflating chart evil
// from app/charts/evil, plus extra files.
func chartTree(t *testing.T, tmpl string, extra map[string]string) *Tree {
	t.Helper()
	files := map[string][]byte{
		"app/kustomization.yaml":            []byte("helmCharts:\n  - name: evil\n    releaseName: evil\n"),
		"app/charts/evil/Chart.yaml":        []byte("apiVersion: v2\nname: evil\nversion: 0.1.0\n"),
		"app/charts/evil/values.yaml":       []byte("greeting: hi\n"),
		"app/charts/evil/templates/cm.yaml": []byte(tmpl),
		"app/secret.txt":                    []byte(secretMark),
		"secret.txt":                        []byte(secretMark),
	}
	for p, c := range extra {
		files[p] = []byte(c)
	}
	tree, err := FromFiles(files, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

const cmHead = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: evil\ndata:\n"

func TestHelmHostileCharts(t *testing.T) {
	url, requests := loopback(t)
	t.Setenv("KUSTOGUARD_TEST_SECRET", secretMark)
	cases := []struct {
		name    string
		tmpl    string
		kust    string            // replaces app/kustomization.yaml when set
		extra   map[string]string // more files
		wantErr string            // "" for a clean render
	}{
		{name: "Files.Get of parent and absolute paths reads nothing",
			tmpl: cmHead + "  a: {{ .Files.Get \"../../secret.txt\" | quote }}\n  b: {{ .Files.Get \"/etc/passwd\" | quote }}\n  c: {{ .Files.Get \"../../../secret.txt\" | quote }}\n"},
		{name: "Files.Glob cannot reach out",
			tmpl: cmHead + "  a: {{ range $p, $_ := .Files.Glob \"../**\" }}{{ $p }}{{ end }}x\n"},
		{name: "lookup returns nothing",
			tmpl: cmHead + "  a: {{ lookup \"v1\" \"Secret\" \"kube-system\" \"token\" | toJson | quote }}\n"},
		{name: "env and expandenv are empty",
			tmpl: cmHead + "  a: {{ env \"KUSTOGUARD_TEST_SECRET\" | quote }}\n  b: {{ expandenv \"$KUSTOGUARD_TEST_SECRET\" | quote }}\n"},
		{name: "getHostByName resolves nothing",
			tmpl: cmHead + "  a: {{ getHostByName \"localhost\" | quote }}\n"},
		{name: "endless range over an integer",
			tmpl: cmHead + "  a: {{ range 100000000000 }}x{{ end }}\n", wantErr: "budget"},
		{name: "silent endless range",
			tmpl: cmHead + "  a: {{ range 100000000000 }}{{ end }}\n", wantErr: "budget"},
		{name: "huge until",
			tmpl: cmHead + "  a: {{ range until 100000000000 }}{{ end }}\n", wantErr: "budget"},
		{name: "huge repeat",
			tmpl: cmHead + "  a: {{ repeat 1000000000 \"xxxxxxxx\" }}\n", wantErr: "budget"},
		{name: "recursive include",
			tmpl: "{{ define \"r\" }}{{ include \"r\" . }}{{ end }}" + cmHead + "  a: {{ include \"r\" . }}\n", wantErr: "nested reference"},
		{name: "exponential include",
			tmpl: "{{ define \"r\" }}{{ if lt (len .) 40 }}{{ include \"r\" (append . 1) }}{{ include \"r\" (append . 1) }}{{ end }}{{ end }}" + cmHead + "  a: {{ include \"r\" list }}\n", wantErr: "budget"},
		{name: "additionalValuesFiles outside the kustomization",
			kust: "helmCharts:\n  - name: evil\n    additionalValuesFiles: [../secret.txt]\n", tmpl: cmHead, wantErr: `"../secret.txt" is not in or below app`},
		{name: "valuesFile with an absolute path",
			kust: "helmCharts:\n  - name: evil\n    valuesFile: /etc/passwd\n", tmpl: cmHead, wantErr: `absolute path "/etc/passwd"`},
		{name: "chartHome leaving the tree",
			kust: "helmGlobals:\n  chartHome: ../../charts\nhelmCharts:\n  - name: evil\n", tmpl: cmHead, wantErr: "leaves the tree"},
		{name: "remote valuesFile",
			kust: "helmCharts:\n  - name: evil\n    valuesFile: " + url + "/values.yaml\n", tmpl: cmHead, wantErr: "remote location"},
		{name: "remote repo without an allow-list",
			kust: "helmCharts:\n  - name: other\n    repo: " + url + "/charts\n    version: 1.0.0\n", tmpl: cmHead, wantErr: "remote chart source " + url + "/charts is not allowed: add it to remote.allow"},
		{name: "remote oci chart without an allow-list",
			kust: "helmCharts:\n  - name: other\n    repo: oci://127.0.0.1:1/acme\n    version: 1.0.0\n", tmpl: cmHead, wantErr: "oci://127.0.0.1:1/acme/other is not allowed"},
		{name: "remote dependency",
			extra: map[string]string{"app/charts/evil/Chart.yaml": "apiVersion: v2\nname: evil\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n    repository: " + url + "/charts\n"},
			tmpl:  cmHead, wantErr: "dependency redis of chart evil (app/charts/evil): remote chart source " + url + "/charts is not allowed: add it to remote.allow"},
		{name: "archive with parent entries",
			kust:  "helmCharts:\n  - name: slip\n    version: 0.1.0\n",
			extra: map[string]string{"app/charts/slip-0.1.0.tgz": string(chartArchive(t, map[string]string{"slip/Chart.yaml": "apiVersion: v2\nname: slip\nversion: 0.1.0\n", "slip/../../../evil.yaml": "x: 1\n"}))},
			tmpl:  cmHead, wantErr: "parent directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			extra := map[string]string{}
			for k, v := range c.extra {
				extra[k] = v
			}
			if c.kust != "" {
				extra["app/kustomization.yaml"] = c.kust
			}
			tree := chartTree(t, c.tmpl, extra)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			out, err := tree.RenderYAML(ctx, "app")
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("want a clean render, got %v", err)
			case c.wantErr != "" && err == nil:
				t.Fatalf("want an error with %q, got output:\n%s", c.wantErr, out)
			case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
				t.Fatalf("want an error with %q, got %v", c.wantErr, err)
			}
			if strings.Contains(string(out), secretMark) || (err != nil && strings.Contains(err.Error(), secretMark)) {
				t.Fatalf("content from outside the chart leaked: %s %v", out, err)
			}
			// The next render of the same tree runs normally.
			good := chartTree(t, cmHead+"  ok: \"yes\"\n", nil)
			if _, err := good.RenderYAML(context.Background(), "app"); err != nil {
				t.Fatalf("render after a hostile one: %v", err)
			}
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("hostile charts made %d network requests, want none", n)
	}
}

func TestHelmSymlinkOutOfTheTree(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte("data: "+secretMark+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for p, c := range map[string]string{
		"app/kustomization.yaml":            "helmCharts:\n  - name: evil\n",
		"app/charts/evil/Chart.yaml":        "apiVersion: v2\nname: evil\nversion: 0.1.0\n",
		"app/charts/evil/templates/cm.yaml": cmHead + "  a: {{ .Files.Get \"files/secret.yaml\" | quote }}\n",
	} {
		mustWrite(t, filepath.Join(root, p), c)
	}
	if err := os.Symlink(outside, filepath.Join(root, "app/charts/evil/files")); err != nil {
		t.Fatal(err)
	}
	tree, err := LoadDir(root, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	_, err = tree.RenderYAML(context.Background(), "app")
	if err == nil || !strings.Contains(err.Error(), "app/charts/evil/files is a symlink that points outside the tree") {
		t.Fatalf("want a refusal naming the symlink, got %v", err)
	}
}

func mustWrite(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func chartArchive(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for k := range files {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		c := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(c)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
