package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/kustoguard/kustoguard"
	"github.com/kustoguard/kustoguard/bot"
)

func runRegister(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("register", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg bot.RegisterConfig
	var listen string
	fs.StringVar(&cfg.WebhookURL, "webhook-url", "", "public URL of the server's webhook route, e.g. https://kustoguard.example.com/api/github/webhooks (required)")
	fs.StringVar(&cfg.Org, "org", "", "register the App under this organization (default: your personal account)")
	fs.StringVar(&cfg.WebURL, "github-url", "https://github.com", "GitHub's web root (GitHub Enterprise Server: https://HOST)")
	fs.StringVar(&cfg.APIURL, "github-api-url", "", "REST API root (default: https://api.github.com/, or https://HOST/api/v3/ for Enterprise)")
	fs.StringVar(&cfg.Name, "name", "", "the App's name (default: app.yml's; GitHub requires it to be unique)")
	fs.StringVar(&cfg.OutDir, "out-dir", ".", "directory for the credential files (mode 0600)")
	fs.BoolVar(&cfg.Force, "force", false, "replace existing credential files")
	fs.StringVar(&listen, "listen", "127.0.0.1:0", "local address of the registration page")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: kustoguard register --webhook-url URL [--org ORG] [--github-url URL] [--out-dir DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return exitOK
	} else if err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail(stderr, "register: unexpected argument %q", fs.Arg(0))
	}
	if cfg.WebhookURL == "" {
		return fail(stderr, "register: --webhook-url is required")
	}
	if u, err := url.Parse(cfg.WebhookURL); err == nil && !strings.HasSuffix(u.Path, "/api/github/webhooks") {
		fmt.Fprintf(stderr, "kustoguard: register: note: the server takes webhooks at /api/github/webhooks, and %s points elsewhere\n", cfg.WebhookURL)
	}
	if cfg.APIURL == "" {
		cfg.APIURL = apiURLFor(cfg.WebURL)
	}
	cfg.Manifest = kustoguard.AppManifest

	l, err := net.Listen("tcp", listen)
	if err != nil {
		return fail(stderr, "register: %v", err)
	}
	res, err := bot.Register(ctx, cfg, l, func(start string) {
		fmt.Fprintf(stdout, "Open %s in your browser to create the App on GitHub.\n", start)
	})
	if err != nil {
		return fail(stderr, "%v", err)
	}
	fmt.Fprintf(stdout, "Registered %s (App id %d). Credentials written (mode 0600):\n", res.Slug, res.AppID)
	for _, f := range res.Files {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	fmt.Fprintf(stdout, "Install it: %s/installations/new\n", res.HTMLURL)
	fmt.Fprintf(stdout, "Start the server: set -a; . %s; set +a; kustoguard serve\n", sourceable(res.Files[len(res.Files)-1]))
	return exitOK
}

// sourceable makes a path safe for the shell's "." command, which looks a
// name without a slash up in PATH rather than in the current directory.
func sourceable(p string) string {
	if !strings.Contains(p, "/") {
		return "./" + p
	}
	return p
}

// apiURLFor derives the REST API root from GitHub's web root.
func apiURLFor(web string) string {
	u, err := url.Parse(strings.TrimSuffix(web, "/"))
	if err != nil || u.Host == "" || u.Host == "github.com" || u.Host == "www.github.com" {
		return "https://api.github.com/"
	}
	return u.Scheme + "://" + u.Host + "/api/v3/"
}
