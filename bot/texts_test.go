package bot

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kustoguard/kustoguard/report"
)

// TestPostedTexts keeps what the bot itself writes on pull requests in one
// golden file, so wording changes are reviewed.
func TestPostedTexts(t *testing.T) {
	var b strings.Builder
	section := func(name string, text string) {
		fmt.Fprintf(&b, "=== %s\n%s\n\n", name, text)
	}
	run := func(name string, rep report.CheckRun) {
		section(name, fmt.Sprintf("conclusion: %s\ntitle: %s\n\n%s", rep.Conclusion, rep.Title, rep.Summary))
	}
	run("invalid config", invalidConfigReport("main", errors.New(`line 3: unknown key "scop"`)))
	run("tree over limits", loadFailureReport(&treeLoadError{ref: headSHA, err: errors.New("apps/big.yaml: 9437184 bytes, over the 8388608-byte file limit")}))
	run("fault", faultReport(fmt.Errorf("listing reviews: %w", errors.New("GET /repos/acme/gitops/pulls/12/reviews: 502 Bad Gateway"))))
	section("approval record", approvalComment(approvalRecord{fingerprint: "3f2a9c01d4e5b6a7", user: "alice", review: 4411}))
	section("approval record (button)", approvalComment(approvalRecord{fingerprint: "3f2a9c01d4e5b6a7", user: "bob"}))
	one := reviewPlan{inline: make([]ReviewComment, 1), findings: 1}
	section("review body, one comment", one.body())
	grouped := reviewPlan{inline: make([]ReviewComment, 2), findings: 5}
	section("review body, findings sharing lines", grouped.body())
	capped := reviewPlan{inline: make([]ReviewComment, 28), fileLevel: make([]ReviewComment, 2), findings: 30, omitted: 15}
	section("review body, capped", capped.body())
	assertGolden(t, "testdata/golden/posted.txt", []byte(b.String()))
}
