package main

import "testing"

func TestSourceable(t *testing.T) {
	for in, want := range map[string]string{
		"kustoguard.env":          "./kustoguard.env",
		"creds/kustoguard.env":    "creds/kustoguard.env",
		"/etc/kg/kustoguard.env":  "/etc/kg/kustoguard.env",
		"./kustoguard.env":        "./kustoguard.env",
		"../creds/kustoguard.env": "../creds/kustoguard.env",
	} {
		if got := sourceable(in); got != want {
			t.Errorf("sourceable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAPIURLFor(t *testing.T) {
	for in, want := range map[string]string{
		"https://github.com":       "https://api.github.com/",
		"https://github.com/":      "https://api.github.com/",
		"https://ghe.example.com":  "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/": "https://ghe.example.com/api/v3/",
	} {
		if got := apiURLFor(in); got != want {
			t.Errorf("apiURLFor(%q) = %q, want %q", in, got, want)
		}
	}
}
