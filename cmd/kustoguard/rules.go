package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/kustoguard/kustoguard/checks"
	"github.com/kustoguard/kustoguard/report"
)

func runRules(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "text", "")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stderr, "usage: kustoguard rules [--format text|json|markdown]")
		return exitOK
	} else if err != nil {
		return fail(stderr, "rules: %v (usage: kustoguard rules [--format text|json|markdown])", err)
	}
	if fs.NArg() > 0 {
		return fail(stderr, "rules: unexpected argument %q (usage: kustoguard rules [--format text|json|markdown])", fs.Arg(0))
	}
	var err error
	switch *format {
	case "text":
		err = report.RulesText(stdout, checks.Default())
	case "json":
		err = report.RulesJSON(stdout, checks.Default())
	case "markdown":
		err = report.RulesMarkdown(stdout, checks.Default())
	default:
		return fail(stderr, "rules: unknown format %q (want text, json or markdown)", *format)
	}
	if err != nil {
		return fail(stderr, "rules: %v", err)
	}
	return exitOK
}
