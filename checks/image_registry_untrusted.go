package checks

import "fmt"

// imageRegistryUntrusted flags images pulled from outside the configured
// allow-list (Config.Registries, prefixes of normalized references). It is
// off when no registries are configured. Every container is judged, init
// and ephemeral ones included, since each runs code from its image. The
// finding needs approval; its default severity is warning, so that an
// approver can clear it without an error keeping the check failed.
type imageRegistryUntrusted struct{ meta }

var _ Rule = imageRegistryUntrusted{}

func newImageRegistryUntrusted() Rule {
	return imageRegistryUntrusted{meta{
		id:          "image-registry-untrusted",
		description: "An image whose registry is not on the configured registries allow-list.",
		remediation: "Use an image from an allowed registry, or add its registry to registries in .github/kustoguard.yml.",
		severity:    Warning,
		approval:    true,
		kind:        StateRule,
	}}
}

func (r imageRegistryUntrusted) Check(in *Input) []Finding {
	if in.Config == nil || len(in.Config.Registries) == 0 {
		return nil
	}
	prefixes := make([]string, 0, len(in.Config.Registries))
	for _, e := range in.Config.Registries {
		prefixes = append(prefixes, normalizeRegistry(e))
	}
	var out []Finding
	x := indexOf(in)
	for i := range x.Workloads {
		for _, c := range x.Containers[i] {
			ref, ok := parseImage(c.C.Image)
			if !ok || trusted(ref.Name, prefixes) {
				continue
			}
			file, line := c.source("image")
			out = append(out, Finding{
				Rule: r.ID(), Object: c.W.Object.ID, File: file, Line: line,
				Message: fmt.Sprintf("%s uses image %q from %s, which is not an allowed registry", c.describe(), c.C.Image, ref.Name),
			})
		}
	}
	return out
}
