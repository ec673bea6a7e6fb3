package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kustoguard/kustoguard/bot"
	"github.com/kustoguard/kustoguard/bot/githubtest"
	"github.com/kustoguard/kustoguard/checks"
)

// TestApp_postsWhatCheckPrints holds the README's promise that `check
// --format markdown` prints exactly what the App posts: the demo pull
// request goes through the App's pipeline against the fake GitHub, and the
// check run it leaves ("## title", summary, text) must equal the CLI's
// markdown for the same two trees, approvers included.
func TestApp_postsWhatCheckPrints(t *testing.T) {
	t.Chdir("../..")
	code, cli, stderr := runEngine(t, "--format", "markdown", "testdata/demo/base", "testdata/demo/head")
	if code != exitBlocking {
		t.Fatalf("check: exit %d, want %d; stderr %q", code, exitBlocking, stderr)
	}

	out := appCheckRun(t, "testdata/demo/base", "testdata/demo/head")
	app := "## " + out.title + "\n\n" + strings.TrimRight(out.summary, "\n") + "\n"
	if out.text != "" {
		app += "\n" + strings.TrimRight(out.text, "\n") + "\n"
	}
	if app != cli {
		t.Errorf("the App's check run differs from `check --format markdown`:\n--- check\n%s\n--- App\n%s", cli, app)
	}
	if !strings.Contains(app, "@alice may approve") {
		t.Errorf("the demo's configuration names alice as approver; the check run says:\n%s", app)
	}
}

type runOutput struct{ title, summary, text string }

// appCheckRun opens a pull request from base to head on a fake GitHub, runs
// the App's pipeline on it once, and returns the completed check run.
func appCheckRun(t *testing.T, baseDir, headDir string) runOutput {
	t.Helper()
	const owner, name, installation = "acme", "demo", 7
	const baseSHA, headSHA = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	gh := githubtest.New()
	t.Cleanup(gh.Close)
	gh.AddRepo(owner, name, installation)
	for sha, dir := range map[string]string{baseSHA: baseDir, headSHA: headDir} {
		files, err := githubtest.ReadTree(dir)
		if err != nil {
			t.Fatal(err)
		}
		gh.SetTree(owner, name, sha, files)
	}
	gh.OpenPR(owner, name, githubtest.PR{Number: 1, Author: "dev", BaseRef: "main", BaseSHA: baseSHA, HeadSHA: headSHA})
	clients, err := bot.NewClientFactory(bot.ClientConfig{
		AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM, BaseURL: gh.URL(), MaxRetries: 1, MaxRetryWait: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	pipe := bot.NewPipeline(bot.PipelineConfig{
		Clients: clients, Rules: checks.Default(), BotLogin: gh.AppSlug + "[bot]", JobTimeout: time.Minute,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	job := bot.Job{
		Repo:   bot.Repo{Owner: owner, Name: name, InstallationID: installation},
		Number: 1, HeadSHA: headSHA, Event: "pull_request", Action: "opened",
	}
	if err := pipe.Process(context.Background(), job); err != nil {
		t.Fatalf("the App's pipeline: %v", err)
	}
	runs := gh.CheckRuns(owner, name)
	if len(runs) != 1 || runs[0].GetStatus() != "completed" {
		t.Fatalf("want one completed check run, have %d", len(runs))
	}
	o := runs[0].GetOutput()
	return runOutput{title: o.GetTitle(), summary: o.GetSummary(), text: o.GetText()}
}
