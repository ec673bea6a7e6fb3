package render

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkHelmPodinfo renders the podinfo chart with redis and an HPA on
// (testdata/helm/cases/podinfo) in-process, and, when
// KUSTOGUARD_BENCH_KUSTOMIZE and KUSTOGUARD_BENCH_HELM name the binaries
// (testdata/helm/make-goldens.sh installs them), with
// `kustomize build --enable-helm --helm-command HELM` for comparison.
func BenchmarkHelmPodinfo(b *testing.B) {
	for _, dir := range []string{"podinfo", "overlay"} {
		b.Run(dir+"/in-process", func(b *testing.B) {
			tree := loadHelmCases(b)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tree.Render(ctx, dir); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(dir+"/kustomize-helm-binary", func(b *testing.B) {
			kust, helm := os.Getenv("KUSTOGUARD_BENCH_KUSTOMIZE"), os.Getenv("KUSTOGUARD_BENCH_HELM")
			if kust == "" || helm == "" {
				b.Skip("set KUSTOGUARD_BENCH_KUSTOMIZE and KUSTOGUARD_BENCH_HELM to compare with the binaries")
			}
			abs, err := filepath.Abs(filepath.Join(helmCases, dir))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				cmd := exec.Command(kust, "build", "--enable-helm", "--helm-command", helm, abs)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
			}
		})
	}
}
