package bot

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var configTestKeys = sync.OnceValue(func() [2]string {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return [2]string{
		string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})),
	}
})

func configEnv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfig(t *testing.T) {
	pkcs1 := configTestKeys()[0]
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, []byte(pkcs1), 0o600); err != nil {
		t.Fatal(err)
	}
	defaults := Config{GitHubAPIURL: "https://api.github.com/", Listen: ":8080", Workers: defaultWorkers(),
		QueueSize: 1000, JobTimeout: 5 * time.Minute, ShutdownGrace: 25 * time.Second, MaxPayload: 25 << 20,
		RecoveryInterval: 10 * time.Minute, MemoryBudget: DefaultMemoryBudget,
		LogLevel: "info", LogFormat: "json"}
	with := func(f func(c *Config)) Config { c := defaults; f(&c); return c }
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want Config
	}{
		{name: "defaults", want: defaults},
		{name: "env",
			env: map[string]string{"KUSTOGUARD_APP_ID": "42", "KUSTOGUARD_PRIVATE_KEY_FILE": keyFile,
				"KUSTOGUARD_WEBHOOK_SECRET": "s3cret", "KUSTOGUARD_GITHUB_API_URL": "https://ghe.acme.dev/api/v3",
				"KUSTOGUARD_LISTEN": ":9000", "KUSTOGUARD_WORKERS": "3", "KUSTOGUARD_JOB_TIMEOUT": "90s"},
			want: with(func(c *Config) {
				c.AppID, c.PrivateKeyFile, c.WebhookSecret = 42, keyFile, "s3cret"
				c.GitHubAPIURL, c.Listen, c.Workers, c.JobTimeout = "https://ghe.acme.dev/api/v3/", ":9000", 3, 90*time.Second
			})},
		{name: "flagsWin",
			env:  map[string]string{"KUSTOGUARD_APP_ID": "42", "KUSTOGUARD_LISTEN": ":9000", "KUSTOGUARD_WEBHOOK_SECRET": "env"},
			args: []string{"--app-id", "7", "--listen=127.0.0.1:8081", "-webhook-secret", "flag", "--queue-size", "5"},
			want: with(func(c *Config) { c.AppID, c.Listen, c.WebhookSecret, c.QueueSize = 7, "127.0.0.1:8081", "flag", 5 })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseConfig(tc.args, configEnv(tc.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreUnexported(Config{})); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseConfig_flagErrors(t *testing.T) {
	if _, err := ParseConfig([]string{"-h"}, configEnv(nil), io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: err = %v, want flag.ErrHelp", err)
	}
	if _, err := ParseConfig([]string{"--nope"}, configEnv(nil), io.Discard); err == nil {
		t.Error("unknown flag: want an error")
	}
	if _, err := ParseConfig([]string{"extra"}, configEnv(nil), io.Discard); err == nil {
		t.Error("positional argument: want an error")
	}
}

func TestConfig_Validate(t *testing.T) {
	keys := configTestKeys()
	good := map[string]string{"KUSTOGUARD_APP_ID": "42", "KUSTOGUARD_PRIVATE_KEY": keys[0], "KUSTOGUARD_WEBHOOK_SECRET": "s"}
	envWith := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range good {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want []string // substrings of the problems; none means valid
	}{
		{name: "valid", env: good},
		{name: "pkcs8Key", env: envWith("KUSTOGUARD_PRIVATE_KEY", keys[1])},
		{name: "keyWithEscapedNewlines", env: envWith("KUSTOGUARD_PRIVATE_KEY", strings.ReplaceAll(keys[0], "\n", `\n`))},
		{name: "nothingSet", env: map[string]string{}, want: []string{
			"KUSTOGUARD_APP_ID is required", "KUSTOGUARD_PRIVATE_KEY_FILE or KUSTOGUARD_PRIVATE_KEY is required",
			"KUSTOGUARD_WEBHOOK_SECRET is required"}},
		{name: "badValues", env: envWith("KUSTOGUARD_APP_ID", "abc", "KUSTOGUARD_JOB_TIMEOUT", "soon",
			"KUSTOGUARD_WORKERS", "0", "KUSTOGUARD_LOG_FORMAT", "xml", "KUSTOGUARD_GITHUB_API_URL", "ftp://x/"), want: []string{
			`KUSTOGUARD_APP_ID: not an integer: "abc"`, `KUSTOGUARD_JOB_TIMEOUT: not a duration`, "KUSTOGUARD_APP_ID is required",
			"KUSTOGUARD_WORKERS must be positive", "KUSTOGUARD_LOG_FORMAT must be json or text", "KUSTOGUARD_GITHUB_API_URL must be an http(s) URL"}},
		{name: "bothKeys", env: envWith("KUSTOGUARD_PRIVATE_KEY_FILE", "/k.pem"), want: []string{"set only one of"}},
		{name: "keyNotPEM", env: envWith("KUSTOGUARD_PRIVATE_KEY", "hunter2"), want: []string{"no PEM block"}},
		{name: "keyFileMissing", env: envWith("KUSTOGUARD_PRIVATE_KEY", "", "KUSTOGUARD_PRIVATE_KEY_FILE", "/nonexistent/app.pem"),
			want: []string{"reading private key"}},
		{name: "keyNotRSA", env: envWith("KUSTOGUARD_PRIVATE_KEY", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
			want: []string{`unexpected PEM block "CERTIFICATE"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig(nil, configEnv(tc.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Errorf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate = nil, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate = %q, want it to mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "BEGIN") || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Validate echoes the key: %q", err)
			}
		})
	}
}
