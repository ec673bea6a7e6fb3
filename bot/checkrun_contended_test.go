package bot

import (
	"context"
	"testing"
	"time"
)

// TestOpenCheckRuns_contended: a job taking a head over waits for another
// job's review only when another job may be at work there: its claim on a
// run in progress or completed moments ago, or an older run of its own.
func TestOpenCheckRuns_contended(t *testing.T) {
	const head, key = "0123456789012345678901234567890123456789", "inputs"
	tests := []struct {
		name      string
		existing  []CheckRun // runs already on the head
		mine      string     // this process's last finished claim
		contended bool
	}{
		{name: "no run: created alone"},
		{name: "another job in progress", existing: []CheckRun{{ExternalID: key + ".other", Status: "in_progress"}}, contended: true},
		{name: "another job completed just now", existing: []CheckRun{{ExternalID: key + ".other", Status: "completed", Conclusion: "success", CompletedAt: time.Now()}}, contended: true},
		{name: "another job completed long ago", existing: []CheckRun{{ExternalID: key + ".other", Status: "completed", Conclusion: "success", CompletedAt: time.Now().Add(-time.Hour)}}},
		{name: "this process's own finished job", existing: []CheckRun{{ExternalID: key + ".mine", Status: "completed", Conclusion: "success", CompletedAt: time.Now()}}, mine: "mine"},
		{name: "a run without a claim", existing: []CheckRun{{ExternalID: key, Status: "in_progress"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gh := newFakeGitHub(testBot)
			for _, r := range tc.existing {
				r.Name, r.HeadSHA = CheckName, head
				gh.runs = append(gh.runs, &fakeRun{run: r})
				gh.runs[len(gh.runs)-1].run.ID = gh.id()
			}
			runs, contended, err := openCheckRuns(context.Background(), gh, testRepo, head, key, "", "new", tc.mine, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 1 || contended != tc.contended {
				t.Errorf("%d runs, contended %v; want 1 run, contended %v", len(runs), contended, tc.contended)
			}
		})
	}
}
