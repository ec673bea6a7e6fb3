package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/kustoguard/kustoguard/bot"
)

func runAction(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return action(ctx, args, os.Getenv, stdout, stderr)
}

// action is runAction with the environment injected, for tests.
func action(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("action", flag.ContinueOnError)
	fs.SetOutput(stderr)
	token := fs.String("token", "", "GitHub token (default: $GITHUB_TOKEN)")
	config := fs.String("config", "", "configuration file, read from the base branch (default: .github/kustoguard.yml)")
	failOnBlock := fs.Bool("fail-on-block", false, "exit 1 when something blocks the pull request")
	botLogin := fs.String("bot-login", "", "who the token posts as (default: "+bot.DefaultActionBotLogin+", the login of GITHUB_TOKEN)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: kustoguard action [--token T] [--config FILE] [--fail-on-block] [--bot-login LOGIN]")
		fmt.Fprintln(stderr, "One review in a GitHub Actions step, from the Actions environment (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH,")
		fmt.Fprintln(stderr, "GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_TOKEN, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail(stderr, "action: unexpected argument %q", fs.Arg(0))
	}
	if *token == "" {
		*token = getenv("GITHUB_TOKEN")
	}
	eventName, eventPath := getenv("GITHUB_EVENT_NAME"), getenv("GITHUB_EVENT_PATH")
	if eventName == "" || eventPath == "" {
		return fail(stderr, "action: GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set: run it as a GitHub Actions step")
	}
	payload, err := os.ReadFile(eventPath)
	if err != nil {
		return fail(stderr, "action: reading the event: %v", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	res, err := bot.RunAction(ctx, bot.ActionConfig{
		EventName: eventName, Event: payload,
		Repository: getenv("GITHUB_REPOSITORY"), APIURL: getenv("GITHUB_API_URL"),
		Token: *token, ConfigPath: *config, BotLogin: *botLogin, Logger: log,
	})
	if err != nil {
		appendFile(getenv("GITHUB_STEP_SUMMARY"), "## kustoguard could not review\n\n```\n"+err.Error()+"\n```\n", stderr)
		return fail(stderr, "action: %v", err)
	}
	appendFile(getenv("GITHUB_STEP_SUMMARY"), res.JobSummary(), stderr)
	if path := getenv("GITHUB_OUTPUT"); path != "" {
		if err := writeOutputs(path, res.Outputs()); err != nil {
			return fail(stderr, "action: %v", err)
		}
	}
	if res.Skipped != "" {
		fmt.Fprintf(stdout, "kustoguard: nothing to review: %s\n", res.Skipped)
		return exitOK
	}
	if !res.Posted {
		if err := res.WriteWorkflowCommands(stdout); err != nil {
			return fail(stderr, "action: %v", err)
		}
		fmt.Fprintf(stdout, "kustoguard: %s: %s (the token may not write check runs: reported as this step's annotations and job summary)\n", res.Conclusion, res.Title)
		if res.Blocks() {
			fmt.Fprintln(stdout, "kustoguard: failing the step, since no check run can hold the pull request back")
			return exitBlocking
		}
		return exitOK
	}
	fmt.Fprintf(stdout, "kustoguard: %s: %s (check run posted on %s of #%d)\n", res.Conclusion, res.Title, res.HeadSHA, res.Number)
	if *failOnBlock && res.Blocks() {
		return exitBlocking
	}
	return exitOK
}

// appendFile appends to a file the runner reads after the step (the job
// summary); a failure is logged, not fatal: the check run has the result.
func appendFile(path, text string, stderr io.Writer) {
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		_, err = io.WriteString(f, text)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		fmt.Fprintf(stderr, "kustoguard: action: writing the job summary: %v\n", err)
	}
}

func writeOutputs(path string, outputs [][2]string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("opening GITHUB_OUTPUT: %w", err)
	}
	err = bot.WriteOutputs(f, outputs)
	return errors.Join(err, f.Close())
}
