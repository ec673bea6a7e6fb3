package report

import (
	"io"
	"testing"
)

// BenchmarkBuild builds the check run of a review too large for GitHub
// (60 overlays with 400-line diffs, 600 findings), cuts included.
func BenchmarkBuild(b *testing.B) {
	r := bigResult(60, 10)
	for b.Loop() {
		Build(r, Approval{Required: true})
	}
}

// BenchmarkFormats writes the demo-sized review in every check format.
func BenchmarkFormats(b *testing.B) {
	r := testResult()
	a := Approval{Required: true}
	rules := testRules()
	for b.Loop() {
		_ = Markdown(io.Discard, r, a)
		_ = Text(io.Discard, r, a, true)
		_ = JSON(io.Discard, r)
		_ = SARIF(io.Discard, r, rules)
	}
}
