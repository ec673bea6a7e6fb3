package bot

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is the server's configuration: KUSTOGUARD_* environment variables,
// each overridden by the flag of the same name in kebab case.
type Config struct {
	AppID          int64  // KUSTOGUARD_APP_ID, --app-id (required)
	PrivateKeyFile string // KUSTOGUARD_PRIVATE_KEY_FILE, --private-key-file
	PrivateKey     string // KUSTOGUARD_PRIVATE_KEY, --private-key (the PEM itself)
	WebhookSecret  string // KUSTOGUARD_WEBHOOK_SECRET, --webhook-secret (required)
	GitHubAPIURL   string // KUSTOGUARD_GITHUB_API_URL, --github-api-url (always ends in "/")
	Listen         string // KUSTOGUARD_LISTEN, --listen
	// BotLogin is the App's bot user ("<slug>[bot]"); resolved from the App
	// when empty.
	BotLogin string // KUSTOGUARD_BOT_LOGIN, --bot-login

	Workers       int           // KUSTOGUARD_WORKERS, --workers (default GOMAXPROCS)
	QueueSize     int           // KUSTOGUARD_QUEUE_SIZE, --queue-size (default 1000)
	JobTimeout    time.Duration // KUSTOGUARD_JOB_TIMEOUT, --job-timeout (default 5m)
	ShutdownGrace time.Duration // KUSTOGUARD_SHUTDOWN_GRACE, --shutdown-grace (default 25s)
	MaxPayload    int64         // KUSTOGUARD_MAX_PAYLOAD, --max-payload in bytes (default 25 MiB)
	// RecoveryInterval spaces the passes that redo reviews a dead replica
	// left unfinished (0 disables them).
	RecoveryInterval time.Duration // KUSTOGUARD_RECOVERY_INTERVAL, --recovery-interval (default 10m)
	// RecoveryGrace is how long a review may stay unfinished before
	// recovery redoes it (0: twice the job timeout).
	RecoveryGrace time.Duration // KUSTOGUARD_RECOVERY_GRACE, --recovery-grace
	// MemoryBudget bounds the bytes of repository trees held by reviews at
	// once.
	MemoryBudget int64  // KUSTOGUARD_MEMORY_BUDGET, --memory-budget in bytes (default 512 MiB)
	LogLevel     string // KUSTOGUARD_LOG_LEVEL, --log-level: debug, info, warn, error
	LogFormat    string // KUSTOGUARD_LOG_FORMAT, --log-format: json, text

	// problems holds values that did not parse, reported by Validate with
	// the rest.
	problems []string
}

// defaultWorkers is one worker per core: rendering is CPU-bound.
func defaultWorkers() int { return runtime.GOMAXPROCS(0) }

// setting is one knob: its kebab-case name (the flag), default and setter.
type setting struct {
	name, def, usage string
	set              func(c *Config, v string) error
}

// EnvName is the environment variable for a flag name: app-id →
// KUSTOGUARD_APP_ID.
func EnvName(flagName string) string {
	return "KUSTOGUARD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func settings() []setting {
	str := func(f func(c *Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *f(c) = v; return nil }
	}
	num := func(f func(c *Config, n int64)) func(*Config, string) error {
		return func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("not an integer: %q", v)
			}
			f(c, n)
			return nil
		}
	}
	dur := func(f func(c *Config) *time.Duration) func(*Config, string) error {
		return func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("not a duration (like 30s, 5m): %q", v)
			}
			*f(c) = d
			return nil
		}
	}
	return []setting{
		{"app-id", "", "GitHub App id (required)", num(func(c *Config, n int64) { c.AppID = n })},
		{"private-key-file", "", "path of the App's PEM private key", str(func(c *Config) *string { return &c.PrivateKeyFile })},
		{"private-key", "", "the App's PEM private key itself", str(func(c *Config) *string { return &c.PrivateKey })},
		{"webhook-secret", "", "webhook secret (required)", str(func(c *Config) *string { return &c.WebhookSecret })},
		{"github-api-url", "https://api.github.com/", "REST API root (GitHub Enterprise Server: https://HOST/api/v3/)", str(func(c *Config) *string { return &c.GitHubAPIURL })},
		{"listen", ":8080", "listen address", str(func(c *Config) *string { return &c.Listen })},
		{"bot-login", "", "the App's bot user, <slug>[bot] (default: asked of GitHub)", str(func(c *Config) *string { return &c.BotLogin })},
		{"workers", strconv.Itoa(defaultWorkers()), "concurrent reviews", num(func(c *Config, n int64) { c.Workers = int(n) })},
		{"queue-size", "1000", "waiting reviews before deliveries get 503", num(func(c *Config, n int64) { c.QueueSize = int(n) })},
		{"job-timeout", "5m", "time budget of one review", dur(func(c *Config) *time.Duration { return &c.JobTimeout })},
		{"shutdown-grace", "25s", "time to finish reviews on SIGTERM", dur(func(c *Config) *time.Duration { return &c.ShutdownGrace })},
		{"max-payload", strconv.Itoa(DefaultMaxPayload), "largest webhook payload in bytes", num(func(c *Config, n int64) { c.MaxPayload = n })},
		{"recovery-interval", "10m", "time between recovery passes (0 disables them)", dur(func(c *Config) *time.Duration { return &c.RecoveryInterval })},
		{"recovery-grace", "0s", "age of an unfinished review before recovery redoes it (0: twice the job timeout)", dur(func(c *Config) *time.Duration { return &c.RecoveryGrace })},
		{"memory-budget", strconv.Itoa(DefaultMemoryBudget), "bytes of repository trees reviews may hold at once", num(func(c *Config, n int64) { c.MemoryBudget = n })},
		{"log-level", "info", "debug, info, warn or error", str(func(c *Config) *string { return &c.LogLevel })},
		{"log-format", "json", "json or text", str(func(c *Config) *string { return &c.LogFormat })},
	}
}

// ParseConfig reads the configuration from args (flags) over getenv
// (environment). It returns an error only for flag syntax (unknown flag,
// -h); values that do not parse are reported by Validate, together with
// everything else that is wrong.
func ParseConfig(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(usage)
	all := settings()
	vals := make([]string, len(all))
	for i, s := range all {
		fs.StringVar(&vals[i], s.name, "", fmt.Sprintf("%s (env %s, default %q)", s.usage, EnvName(s.name), s.def))
	}
	fs.Usage = func() {
		fmt.Fprintln(usage, "usage: kustoguard serve [flags]; every flag also reads its KUSTOGUARD_* variable, and a flag wins")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	var c Config
	for i, s := range all {
		v, from := s.def, "default"
		if given[s.name] {
			v, from = vals[i], "--"+s.name
		} else if e := getenv(EnvName(s.name)); e != "" {
			v, from = e, EnvName(s.name)
		}
		if v == "" {
			continue
		}
		if err := s.set(&c, v); err != nil {
			c.problems = append(c.problems, fmt.Sprintf("%s: %v", from, err))
			if s.def != "" {
				// Reported once: the checks of Validate see the default.
				_ = s.set(&c, s.def)
			}
		}
	}
	if c.GitHubAPIURL != "" && !strings.HasSuffix(c.GitHubAPIURL, "/") {
		c.GitHubAPIURL += "/"
	}
	return c, nil
}

// Validate returns every problem of the configuration at once, joined, or
// nil. It reads and parses the private key, so a bad key stops the server at
// startup rather than at the first delivery.
func (c Config) Validate() error {
	var errs []error
	for _, p := range c.problems {
		errs = append(errs, errors.New(p))
	}
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.AppID <= 0 {
		add("%s is required (the GitHub App id, a positive integer)", EnvName("app-id"))
	}
	switch {
	case c.PrivateKeyFile == "" && c.PrivateKey == "":
		add("%s or %s is required", EnvName("private-key-file"), EnvName("private-key"))
	case c.PrivateKeyFile != "" && c.PrivateKey != "":
		add("set only one of %s and %s", EnvName("private-key-file"), EnvName("private-key"))
	default:
		if _, err := c.PrivateKeyPEM(); err != nil {
			add("%v", err)
		}
	}
	if c.WebhookSecret == "" {
		add("%s is required: the server refuses unsigned deliveries", EnvName("webhook-secret"))
	}
	if !strings.HasPrefix(c.GitHubAPIURL, "https://") && !strings.HasPrefix(c.GitHubAPIURL, "http://") {
		add("%s must be an http(s) URL, got %q", EnvName("github-api-url"), c.GitHubAPIURL)
	}
	if c.Listen == "" {
		add("%s must not be empty", EnvName("listen"))
	}
	if c.Workers <= 0 {
		add("%s must be positive", EnvName("workers"))
	}
	if c.QueueSize <= 0 {
		add("%s must be positive", EnvName("queue-size"))
	}
	if c.JobTimeout <= 0 {
		add("%s must be positive", EnvName("job-timeout"))
	}
	if c.ShutdownGrace < 0 {
		add("%s must not be negative", EnvName("shutdown-grace"))
	}
	if c.RecoveryInterval < 0 || c.RecoveryGrace < 0 {
		add("%s and %s must not be negative", EnvName("recovery-interval"), EnvName("recovery-grace"))
	}
	if c.MemoryBudget <= 0 {
		add("%s must be positive", EnvName("memory-budget"))
	}
	if c.MaxPayload <= 0 {
		add("%s must be positive", EnvName("max-payload"))
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		add("%s must be debug, info, warn or error, got %q", EnvName("log-level"), c.LogLevel)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		add("%s must be json or text, got %q", EnvName("log-format"), c.LogFormat)
	}
	return errors.Join(errs...)
}

// PrivateKeyPEM returns the App's private key as PEM after checking that it
// is an RSA private key. A key given in the environment with literal "\n"
// sequences (common in secret stores) is accepted.
func (c Config) PrivateKeyPEM() ([]byte, error) {
	var b []byte
	src := EnvName("private-key")
	if c.PrivateKeyFile != "" {
		src = c.PrivateKeyFile
		var err error
		if b, err = os.ReadFile(c.PrivateKeyFile); err != nil {
			return nil, fmt.Errorf("reading private key: %w", err)
		}
	} else {
		s := c.PrivateKey
		if !strings.Contains(s, "\n") {
			s = strings.ReplaceAll(s, `\n`, "\n")
		}
		b = []byte(s)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("parsing private key from %s: no PEM block", src)
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return nil, fmt.Errorf("parsing private key from %s: %w", src, err)
		}
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing private key from %s: %w", src, err)
		}
		if _, ok := k.(*rsa.PrivateKey); !ok {
			return nil, fmt.Errorf("parsing private key from %s: GitHub App keys are RSA, got %T", src, k)
		}
	default:
		return nil, fmt.Errorf("parsing private key from %s: unexpected PEM block %q", src, block.Type)
	}
	return b, nil
}
