package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestServe_configurationErrors(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		want     []string
	}{
		{name: "missingEnv", wantCode: exitUsage, want: []string{
			"invalid configuration", "KUSTOGUARD_APP_ID is required",
			"KUSTOGUARD_PRIVATE_KEY_FILE or KUSTOGUARD_PRIVATE_KEY is required",
			"KUSTOGUARD_WEBHOOK_SECRET is required"}},
		{name: "noSecret", env: map[string]string{"KUSTOGUARD_APP_ID": "42", "KUSTOGUARD_PRIVATE_KEY": "not a key"},
			wantCode: exitUsage, want: []string{"KUSTOGUARD_WEBHOOK_SECRET is required", "no PEM block"}},
		{name: "flagOverridesBadEnv", env: map[string]string{"KUSTOGUARD_APP_ID": "abc"}, args: []string{"--app-id", "42"},
			wantCode: exitUsage, want: []string{"KUSTOGUARD_WEBHOOK_SECRET is required"}},
		{name: "unknownFlag", args: []string{"--port", "80"}, wantCode: exitUsage, want: []string{"flag provided but not defined"}},
		{name: "help", args: []string{"--help"}, wantCode: exitOK, want: []string{"-webhook-secret", "KUSTOGUARD_WEBHOOK_SECRET"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := serve(context.Background(), tc.args, func(k string) string { return tc.env[k] }, &stderr)
			if code != tc.wantCode {
				t.Errorf("exit = %d, want %d; stderr:\n%s", code, tc.wantCode, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			if tc.name == "flagOverridesBadEnv" && strings.Contains(stderr.String(), "KUSTOGUARD_APP_ID") {
				t.Errorf("the flag should have replaced the bad env value:\n%s", stderr.String())
			}
		})
	}
}
