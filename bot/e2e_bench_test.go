package bot

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/kustoguard/kustoguard/bot/githubtest"
	"github.com/kustoguard/kustoguard/render"
)

// BenchmarkE2E_monorepo measures one pull request from the signed webhook
// to its completed check run: a one-base change on a generated 200-overlay
// monorepo (50 apps × 4 environments; the base is shared by 2 apps, so 8
// overlays render at base and head), the real server and pipeline against
// the fake GitHub on loopback. The base tarball is cached after the first
// pull request, as it is in production where pull requests share a base.
// The review posting after completion is not timed.
//
//	go test -run '^$' -bench BenchmarkE2E_monorepo -benchtime 10x ./bot/
func BenchmarkE2E_monorepo(b *testing.B) {
	base := render.GenerateMonorepo(50, 4)
	head, _ := render.GenerateMonorepoChange(base)
	for _, pacing := range []time.Duration{0, time.Second} {
		b.Run(fmt.Sprintf("pacing=%s", pacing), func(b *testing.B) {
			gh := githubtest.New()
			b.Cleanup(gh.Close)
			gh.AddRepo(e2eOwner, e2eName, e2eInstallation)
			gh.SetTree(e2eOwner, e2eName, e2eBaseSHA, base)
			e := startE2E(b, gh, e2eOptions{MutationInterval: pacing, Logs: io.Discard})
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				n := 1 + i
				sha := commitSHA("monorepo", n)
				gh.SetTree(e2eOwner, e2eName, sha, head)
				gh.OpenPR(e2eOwner, e2eName, githubtest.PR{Number: n, Author: e2eAuthor, BaseRef: "main", BaseSHA: e2eBaseSHA, HeadSHA: sha})
				ev := e.prEvent(n, "opened")
				b.StartTimer()

				e.deliver(ev)
				waitFor(b, "the check run to complete", func() bool {
					runs := e.runs(sha)
					return len(runs) == 1 && runs[0].GetStatus() == "completed"
				})

				b.StopTimer()
				run := e.settle(sha)
				if i == 0 {
					b.Logf("%s: %q", run.GetConclusion(), run.GetOutput().GetTitle())
				}
				b.StartTimer()
			}
		})
	}
}
