package checks

import "fmt"

// imageRegistryUntrusted flags images pulled from outside the configured
// allow-list (Config.Registries, prefixes of normalized references). It is
// off when no registries are configured. Every container is judged, init
// and ephemeral ones included, since each runs code from its image. The
// finding needs approval; its default severity is warning, so that an
// approver can clear it without an error keeping the check failed.
type imageRegistryUntrusted struct{}

var _ Rule = imageRegistryUntrusted{}

func (imageRegistryUntrusted) ID() string { return "image-registry-untrusted" }
func (imageRegistryUntrusted) Description() string {
	return "An image whose registry is not on the configured registries allow-list."
}
func (imageRegistryUntrusted) Remediation() string {
	return "Use an image from an allowed registry, or add its registry to registries in .github/kustoguard.yml."
}
func (imageRegistryUntrusted) Severity() Severity  { return Warning }
func (imageRegistryUntrusted) NeedsApproval() bool { return true }
func (imageRegistryUntrusted) Kind() Kind          { return StateRule }

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
