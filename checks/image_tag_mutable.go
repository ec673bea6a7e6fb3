package checks

import "fmt"

// imageTagMutable flags images that may change under the same reference:
// the latest tag or no tag (which means latest), unless a digest pins the
// image; with requireDigest, every image not pinned by digest. Every
// container is judged, init and ephemeral ones included.
type imageTagMutable struct{ meta }

var _ Rule = imageTagMutable{}

func newImageTagMutable() Rule {
	return imageTagMutable{meta{
		id:          "image-tag-mutable",
		description: "An image with the latest tag, no tag, or (with requireDigest) no digest.",
		remediation: "Pin the image to a release tag, or to a digest (@sha256:...) when requireDigest is set.",
		severity:    Warning,
		approval:    false,
		kind:        StateRule,
	}}
}

func (r imageTagMutable) Check(in *Input) []Finding {
	requireDigest := in.Config != nil && in.Config.RequireDigest
	var out []Finding
	x := indexOf(in)
	for i := range x.Workloads {
		for _, c := range x.Containers[i] {
			ref, ok := parseImage(c.C.Image)
			if !ok || ref.Digest != "" {
				continue
			}
			var why string
			switch {
			case ref.Tag == "":
				why = "has no tag, so it runs whatever latest is when pulled"
			case ref.Tag == "latest":
				why = "uses the mutable tag latest"
			case requireDigest:
				why = "is pinned by tag only, not by digest"
			default:
				continue
			}
			file, line := c.source("image")
			out = append(out, Finding{
				Rule: r.ID(), Object: c.W.Object.ID, File: file, Line: line,
				Message: fmt.Sprintf("image %q of %s %s", c.C.Image, c.describe(), why),
			})
		}
	}
	return out
}
