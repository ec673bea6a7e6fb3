// Command genmonorepo writes the benchmark monorepo of render.GenerateMonorepo
// to a directory and prints its overlays, one per line, so that tools outside
// Go (the kustomize CLI) can be measured on the same tree.
//
//	go run ./scripts/genmonorepo -apps 200 -envs 5 -out /tmp/monorepo
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kustoguard/kustoguard/render"
)

func main() {
	apps := flag.Int("apps", 200, "number of applications")
	envs := flag.Int("envs", 5, "environments per application")
	out := flag.String("out", "", "directory to write the repository to (required)")
	flag.Parse()
	if *out == "" || *apps < 1 || *envs < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*apps, *envs, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genmonorepo:", err)
		os.Exit(1)
	}
}

func run(apps, envs int, out string) error {
	files := render.GenerateMonorepo(apps, envs)
	for p, b := range files {
		f := filepath.Join(out, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
		if err := os.WriteFile(f, b, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
	}
	t, err := render.FromFiles(files, render.DefaultLimits())
	if err != nil {
		return fmt.Errorf("loading the generated tree: %w", err)
	}
	overlays, err := render.Overlays(t, nil, nil)
	if err != nil {
		return fmt.Errorf("finding overlays: %w", err)
	}
	for _, o := range overlays {
		fmt.Println(o)
	}
	return nil
}
