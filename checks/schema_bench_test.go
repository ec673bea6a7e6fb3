package checks

import (
	"context"
	"testing"

	"github.com/kustoguard/kustoguard/render"
)

// BenchmarkCatalog_monorepo runs the rule catalog over every overlay of
// the generated 1,000-overlay monorepo (200 apps × 5 environments; the
// renderer's benchmark repository), base and head rendered once before
// timing. "before" is the catalog without the schema rules; "schema" adds
// schema-invalid, api-removed and api-deprecated (kubernetesVersion set);
// "schema+policies" also two CEL policies, one reading oldObject. objects/s counts the
// objects of both sides.
//
//	go test -run '^$' -bench BenchmarkCatalog_monorepo -benchtime 5x ./checks
func BenchmarkCatalog_monorepo(b *testing.B) {
	baseFiles := render.GenerateMonorepo(200, 5)
	headFiles, _ := render.GenerateMonorepoChange(baseFiles)
	baseTree, err := render.FromFiles(baseFiles, render.DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	headTree, err := render.FromFiles(headFiles, render.DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	overlays, err := render.Overlays(headTree, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	type pair struct {
		dir        string
		base, head []render.Object
		changes    []render.Change
	}
	var pairs []pair
	objects := 0
	for _, dir := range overlays {
		bo, err1 := baseTree.Render(context.Background(), dir)
		ho, err2 := headTree.Render(context.Background(), dir)
		if err1 != nil || err2 != nil {
			b.Fatalf("rendering %s: %v %v", dir, err1, err2)
		}
		pairs = append(pairs, pair{dir, bo, ho, render.Diff(bo, ho)})
		objects += len(bo) + len(ho)
	}
	withSchema, err := ParseConfig([]byte(`kubernetesVersion: "1.31"
policies:
  - name: replicas-minimum
    match: {kinds: [Deployment]}
    expression: "!has(object.spec.replicas) || object.spec.replicas >= 2"
  - name: replicas-cut-limited
    match: {kinds: [Deployment]}
    expression: "oldObject == null || !has(oldObject.spec.replicas) || !has(object.spec.replicas) || object.spec.replicas * 2 >= oldObject.spec.replicas"
`))
	if err != nil {
		b.Fatal(err)
	}
	versionOnly := DefaultConfig()
	versionOnly.KubernetesVersion = "1.31"
	var before []Rule
	for _, r := range Default() {
		switch r.ID() {
		case "schema-invalid", "api-removed", "api-deprecated":
		default:
			before = append(before, r)
		}
	}
	for _, c := range []struct {
		name  string
		rules []Rule
		cfg   *Config
	}{
		{"before", before, DefaultConfig()},
		{"schema", Default(), versionOnly},
		{"schema+policies", Default(), withSchema},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			findings := 0
			for b.Loop() {
				findings = 0
				for _, p := range pairs {
					in := &Input{Overlay: p.dir, Base: p.base, Head: p.head, Changes: p.changes, Config: c.cfg, Repo: headTree}
					findings += len(Run(in, c.rules))
				}
			}
			b.ReportMetric(float64(objects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
			b.ReportMetric(float64(findings), "findings")
		})
	}
}
