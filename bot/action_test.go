package bot

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kustoguard/kustoguard/bot/githubapi"
	"github.com/kustoguard/kustoguard/bot/githubtest"
	"github.com/kustoguard/kustoguard/report"
)

func TestParseActionEvent(t *testing.T) {
	repo := Repo{Owner: "acme", Name: "shop"}
	pr := `"pull_request":{"number":7,"state":"open","head":{"sha":"abc123"}}`
	tests := []struct {
		name, event, payload string
		want                 Job
		skip                 string
		err                  bool
	}{
		{name: "opened", event: "pull_request", payload: `{"action":"opened","number":7,` + pr + `}`,
			want: Job{Repo: repo, Number: 7, HeadSHA: "abc123", Event: "pull_request", Action: "opened"}},
		{name: "target", event: "pull_request_target", payload: `{"action":"ready_for_review",` + pr + `}`,
			want: Job{Repo: repo, Number: 7, HeadSHA: "abc123", Event: "pull_request", Action: "ready_for_review"}},
		{name: "review", event: "pull_request_review",
			payload: `{"action":"dismissed",` + pr + `,"review":{"id":42,"state":"dismissed"},"sender":{"login":"lead"}}`,
			want: Job{Repo: repo, Number: 7, HeadSHA: "abc123", Event: "pull_request_review", Action: "dismissed",
				Sender: "lead", ReviewID: 42, ReviewState: "DISMISSED"}},
		{name: "labeled", event: "pull_request", payload: `{"action":"labeled",` + pr + `}`, skip: "pull_request action labeled not handled"},
		{name: "push", event: "push", payload: `{}`, skip: `event "push" is not one kustoguard reviews`},
		{name: "garbage", event: "pull_request", payload: `{"action":`, err: true},
		{name: "noPR", event: "pull_request", payload: `{"action":"opened"}`, err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			job, skip, err := parseActionEvent(tc.event, []byte(tc.payload), repo)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if !strings.HasPrefix(skip, tc.skip) || (tc.skip == "" && skip != "") {
				t.Errorf("skip = %q, want %q", skip, tc.skip)
			}
			if tc.skip == "" && !tc.err {
				if diff := cmp.Diff(tc.want, job); diff != "" {
					t.Errorf("job (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestWriteOutputs_multiLineSafe(t *testing.T) {
	var b bytes.Buffer
	values := [][2]string{{"conclusion", "success"}, {"tricky", "line one\nname=value\nEOF\nghadelimiter_x"}}
	if err := WriteOutputs(&b, values); err != nil {
		t.Fatal(err)
	}
	// Parse as the runner does: NAME<<DELIM, lines, DELIM.
	got := map[string]string{}
	sc := bufio.NewScanner(&b)
	for sc.Scan() {
		name, delim, ok := strings.Cut(sc.Text(), "<<")
		if !ok {
			t.Fatalf("line %q is not a multi-line output", sc.Text())
		}
		var lines []string
		for sc.Scan() && sc.Text() != delim {
			lines = append(lines, sc.Text())
		}
		got[name] = strings.Join(lines, "\n")
	}
	want := map[string]string{"conclusion": "success", "tricky": values[1][1]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs read back (-want +got):\n%s", diff)
	}
}

func TestWriteWorkflowCommands(t *testing.T) {
	r := &ActionResult{Conclusion: report.Failure, Title: "1 blocking, 1 warning in 1 overlay", Annotations: []report.Annotation{
		{Path: "apps/a,b/dep:1.yaml", Line: 3, Level: report.LevelFailure, Title: "rule-x: Deployment api", Message: "100% bad\nsecond line"},
		{Path: "apps/x.yaml", Level: report.LevelWarning, Title: "rule-y", Message: "meh"},
		{Path: "apps/y.yaml", Line: 1, Level: report.LevelNotice, Message: "fyi"},
	}}
	var b bytes.Buffer
	if err := r.WriteWorkflowCommands(&b); err != nil {
		t.Fatal(err)
	}
	want := "::error file=apps/a%2Cb/dep%3A1.yaml,line=3,title=rule-x%3A Deployment api::100%25 bad%0Asecond line\n" +
		"::warning file=apps/x.yaml,title=rule-y::meh\n" +
		"::notice file=apps/y.yaml,line=1::fyi\n" +
		"::error title=kustoguard::1 blocking, 1 warning in 1 overlay\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("workflow commands (-want +got):\n%s", diff)
	}
}

// TestActionGitHub_configPathAndRefusedUpdate covers what the wrapper adds
// beyond the fallback the end-to-end tests show: a configured path read at
// the commit asked for, and a run that exists on GitHub but that the token
// may not update.
func TestActionGitHub_configPathAndRefusedUpdate(t *testing.T) {
	fake := githubtest.New()
	t.Cleanup(fake.Close)
	fake.AddRepo("acme", "shop", 5)
	fake.SetTree("acme", "shop", "base1", map[string][]byte{"ci/kustoguard.yml": []byte("scope: all\n")})
	fake.OpenPR("acme", "shop", githubtest.PR{Number: 1, Author: "dev", BaseRef: "main", BaseSHA: "base1", HeadSHA: "base1"})
	repo := Repo{Owner: "acme", Name: "shop"}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	rw, err := githubapi.NewTokenClient(githubapi.ClientConfig{BaseURL: fake.URL()}, fake.InstallationToken(5))
	if err != nil {
		t.Fatal(err)
	}
	gh := newActionGitHub(rw, "ci/kustoguard.yml", log)
	b, err := fetchConfig(ctx, gh, repo, "base1")
	if err != nil || string(b) != "scope: all\n" {
		t.Errorf("fetchConfig = %q, %v; want the configured file", b, err)
	}
	id, err := gh.CreateCheckRun(ctx, repo, CheckRun{Name: CheckName, HeadSHA: "base1", ExternalID: "k1", Status: "in_progress"})
	if err != nil {
		t.Fatal(err)
	}

	ro, err := githubapi.NewTokenClient(githubapi.ClientConfig{BaseURL: fake.URL()}, fake.ReadOnlyToken(5))
	if err != nil {
		t.Fatal(err)
	}
	gh = newActionGitHub(ro, "", log)
	final := CheckRun{Name: CheckName, HeadSHA: "base1", Status: "completed", Conclusion: "success",
		Output: &CheckOutput{Title: "t", Summary: "s"}}
	if err := gh.UpdateCheckRun(ctx, repo, id, final); err != nil {
		t.Fatalf("refused update: %v, want it kept locally", err)
	}
	got, refused, _ := gh.outcome()
	if !refused || got == nil || got.Conclusion != "success" {
		t.Errorf("outcome %+v, refused %v; want the completed run, kept locally", got, refused)
	}
	runs, err := gh.CheckRuns(ctx, repo, "base1", CheckName)
	if err != nil || len(runs) != 1 || runs[0].ID != id || runs[0].Status != "completed" {
		t.Errorf("CheckRuns after the refusal = %+v, %v; want the local copy of run %d", runs, err, id)
	}
	if err := gh.CreateIssueComment(ctx, repo, 1, "record"); err != nil {
		t.Errorf("refused comment: %v, want it skipped", err)
	}
	if _, _, notPosted := gh.outcome(); len(notPosted) != 1 {
		t.Errorf("not posted %q, want the approval record", notPosted)
	}
	// Other errors are not swallowed.
	if _, err := gh.PullRequest(ctx, repo, 99); err == nil {
		t.Error("reading a missing pull request: want an error")
	}
}
