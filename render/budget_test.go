package render

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// costlyOverlay is issue 9's item 8: n ConfigMaps and p patches that each
// apply to every one of them.
func costlyOverlay(n, p int) map[string][]byte {
	var cms, kust strings.Builder
	for i := range n {
		fmt.Fprintf(&cms, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  k: v\n", i)
	}
	kust.WriteString("resources: [cms.yaml]\npatches:\n")
	for i := range p {
		fmt.Fprintf(&kust, "- target: {kind: ConfigMap}\n  patch: |\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: any}\n    data: {p%d: x}\n", i)
	}
	return map[string][]byte{"app/kustomization.yaml": []byte(kust.String()), "app/cms.yaml": []byte(cms.String())}
}

// cpuTime is the CPU used by this process and its waited-for children.
func cpuTime() time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		_ = syscall.Getrusage(who, &ru)
		total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return total
}

// BenchmarkRender_pastDeadline renders issue 9's costly overlay with a 2 s
// budget, in process and isolated, and reports the wall time of the call
// and the CPU this process and its children spend in the 8 s after it
// returned.
func BenchmarkRender_pastDeadline(b *testing.B) {
	tree, err := FromFiles(costlyOverlay(2000, 300), DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name   string
		render func(*Tree, context.Context, string) ([]Object, error)
	}{{"inProcess", (*Tree).Render}, {"child", (*Tree).RenderIsolated}} {
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				start := time.Now()
				_, err := mode.render(tree, ctx, "app")
				cancel()
				wall := time.Since(start)
				after := cpuTime()
				time.Sleep(8 * time.Second)
				b.ReportMetric(wall.Seconds(), "call-s")
				b.ReportMetric((cpuTime() - after).Seconds(), "cpu-s-after-return")
				b.Logf("error: %v", err)
			}
		})
	}
}
