package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/kustoguard/kustoguard/bot"
)

func noBuild(context.Context, bot.Config, *slog.Logger) (*bot.Server, error) {
	return nil, errors.New("must not be reached")
}

func TestServe_configurationErrors(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		want     []string
		dontWant string
	}{
		{name: "missingEnv", wantCode: exitUsage, want: []string{
			"invalid configuration", "KUSTOGUARD_APP_ID is required",
			"KUSTOGUARD_PRIVATE_KEY_FILE or KUSTOGUARD_PRIVATE_KEY is required",
			"KUSTOGUARD_WEBHOOK_SECRET is required"}},
		{name: "noSecret", env: map[string]string{"KUSTOGUARD_APP_ID": "42", "KUSTOGUARD_PRIVATE_KEY": "not a key"},
			wantCode: exitUsage, want: []string{"KUSTOGUARD_WEBHOOK_SECRET is required", "no PEM block"}},
		{name: "flagOverridesBadEnv", env: map[string]string{"KUSTOGUARD_APP_ID": "abc"}, args: []string{"--app-id", "42"},
			wantCode: exitUsage, want: []string{"KUSTOGUARD_WEBHOOK_SECRET is required"}, dontWant: "KUSTOGUARD_APP_ID"},
		{name: "unknownFlag", args: []string{"--port", "80"}, wantCode: exitUsage, want: []string{"flag provided but not defined"}},
		{name: "help", args: []string{"--help"}, wantCode: exitOK, want: []string{"-webhook-secret", "KUSTOGUARD_WEBHOOK_SECRET"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := serve(context.Background(), tc.args, func(k string) string { return tc.env[k] }, &stderr, noBuild)
			if code != tc.wantCode {
				t.Errorf("exit = %d, want %d; stderr:\n%s", code, tc.wantCode, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			if tc.dontWant != "" && strings.Contains(stderr.String(), tc.dontWant) {
				t.Errorf("stderr mentions %q:\n%s", tc.dontWant, stderr.String())
			}
		})
	}
}

// signalWriter collects output and closes seen once it contains want.
type signalWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestServe_startsAndDrainsOnSignal(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"KUSTOGUARD_APP_ID":         "42",
		"KUSTOGUARD_PRIVATE_KEY":    string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"KUSTOGUARD_WEBHOOK_SECRET": "s",
		"KUSTOGUARD_LISTEN":         "127.0.0.1:0",
	}
	build := func(ctx context.Context, cfg bot.Config, log *slog.Logger) (*bot.Server, error) {
		noop := bot.ProcessorFunc(func(context.Context, bot.Job) error { return nil })
		return bot.NewServer(cfg, bot.ServerDeps{Processor: noop, Logger: log})
	}
	stderr := &signalWriter{want: "serving webhooks", seen: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int)
	go func() { done <- serve(ctx, nil, func(k string) string { return env[k] }, stderr, build) }()
	select {
	case <-stderr.seen:
	case code := <-done:
		t.Fatalf("serve exited with %d before serving:\n%s", code, stderr)
	}
	cancel() // as SIGTERM does
	if code := <-done; code != exitOK {
		t.Errorf("exit = %d, want 0:\n%s", code, stderr)
	}
	for _, want := range []string{`"msg":"draining"`, `"msg":"stopped"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, stderr)
		}
	}
}
