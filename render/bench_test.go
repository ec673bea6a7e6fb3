package render

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// Benchmarks run on a generated monorepo of benchApps×benchEnvs overlays,
// the size issue 2 sets targets for: selecting the overlays a one-file
// change affects in ≤ 100 ms, rendering all of them in ≤ 8 s within
// 150 MiB peak memory.
const benchApps, benchEnvs = 200, 5

// BenchmarkAffected measures overlay selection for a pull request that
// edits one shared base: both trees' graphs are built inside the loop, as
// they are for every pull request.
func BenchmarkAffected(b *testing.B) {
	files := GenerateMonorepo(benchApps, benchEnvs)
	headFiles, changed := GenerateMonorepoChange(files)
	base, head := mustTree(b, files), mustTree(b, headFiles)
	b.Run("changedPathsGiven", func(b *testing.B) {
		var n int
		for b.Loop() {
			got, err := Affected(base, head, nil, nil, changed)
			if err != nil {
				b.Fatal(err)
			}
			n = len(got)
		}
		b.ReportMetric(float64(n), "overlays")
	})
	b.Run("withChangedFiles", func(b *testing.B) {
		for b.Loop() {
			if _, err := Affected(base, head, nil, nil, ChangedFiles(base, head)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRender renders every overlay of the generated monorepo through
// (*Tree).Render, one after the other and from GOMAXPROCS goroutines (the
// way the bot fans out). It reports milliseconds per overlay and the
// process's peak resident memory.
func BenchmarkRender(b *testing.B) {
	t := mustTree(b, GenerateMonorepo(benchApps, benchEnvs))
	overlays, err := Overlays(t, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for b.Loop() {
				if err := renderAll(t, overlays, workers); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*len(overlays)), "ms/overlay")
			if mib, ok := peakRSSMiB(); ok {
				b.ReportMetric(mib, "peak-MiB")
			}
		})
	}
}

// renderAll renders overlays from workers goroutines and returns the first
// error.
func renderAll(t *Tree, overlays []string, workers int) error {
	var next atomic.Int64
	errs := make(chan error, workers)
	for range workers {
		go func() {
			for i := int(next.Add(1) - 1); i < len(overlays); i = int(next.Add(1) - 1) {
				if _, err := t.Render(context.Background(), overlays[i]); err != nil {
					errs <- fmt.Errorf("rendering %s: %w", overlays[i], err)
					return
				}
			}
			errs <- nil
		}()
	}
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// peakRSSMiB reads the process's peak resident set size where the system
// exposes it (Linux).
func peakRSSMiB() (float64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024, err == nil
		}
	}
	return 0, false
}
