package main

import (
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// actionManifest is the part of action.yml the README's workflow relies on.
type actionManifest struct {
	Inputs map[string]struct {
		Default  *string `yaml:"default"`
		Required bool    `yaml:"required"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID   string            `yaml:"id"`
			Uses string            `yaml:"uses"`
			Env  map[string]string `yaml:"env"`
			Run  string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

type workflow struct {
	On map[string]struct {
		Types []string `yaml:"types"`
	} `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		Steps []struct {
			Uses string            `yaml:"uses"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func readActionManifest(t *testing.T) actionManifest {
	t.Helper()
	raw, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var m actionManifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return m
}

// readmeWorkflow is the workflow example of the README's Actions section.
func readmeWorkflow(t *testing.T) workflow {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const section = "## GitHub Actions: `kustoguard action`"
	_, rest, ok := strings.Cut(string(readme), section)
	if !ok {
		t.Fatalf("README.md has no %q section", section)
	}
	_, rest, ok = strings.Cut(rest, "```yaml\n")
	if !ok {
		t.Fatal("the Actions section has no yaml block")
	}
	example, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("the yaml block is not closed")
	}
	var wf workflow
	if err := yaml.Unmarshal([]byte(example), &wf); err != nil {
		t.Fatalf("the README's workflow does not parse: %v\n%s", err, example)
	}
	return wf
}

// TestReadmeWorkflow checks the README's workflow against action.yml and
// what kustoguard needs: the permissions it writes with, the triggers of
// the review and of the approval gate, and inputs action.yml declares.
func TestReadmeWorkflow(t *testing.T) {
	wf := readmeWorkflow(t)
	m := readActionManifest(t)

	want := map[string]string{"checks": "write", "pull-requests": "write", "contents": "read"}
	for k, v := range want {
		if wf.Permissions[k] != v {
			t.Errorf("permissions.%s = %q, want %q", k, wf.Permissions[k], v)
		}
	}
	for k := range wf.Permissions {
		if _, ok := want[k]; !ok {
			t.Errorf("permissions.%s: the workflow asks for more than kustoguard needs", k)
		}
	}
	prTrigger := wf.On["pull_request_target"].Types
	if prTrigger == nil {
		prTrigger = wf.On["pull_request"].Types
	}
	for _, typ := range []string{"opened", "synchronize", "reopened", "ready_for_review"} {
		if !slices.Contains(prTrigger, typ) {
			t.Errorf("pull request trigger types %v lack %s", prTrigger, typ)
		}
	}
	for _, typ := range []string{"submitted", "dismissed"} {
		if !slices.Contains(wf.On["pull_request_review"].Types, typ) {
			t.Errorf("pull_request_review types %v lack %s: the approval gate would not re-run", wf.On["pull_request_review"].Types, typ)
		}
	}

	var used int
	for _, job := range wf.Jobs {
		for _, st := range job.Steps {
			if !strings.HasPrefix(st.Uses, "kustoguard/kustoguard@") {
				continue
			}
			used++
			for k := range st.With {
				if _, ok := m.Inputs[k]; !ok {
					t.Errorf("the README's step sets input %q, which action.yml does not declare", k)
				}
			}
		}
	}
	if used != 1 {
		t.Errorf("the README's workflow uses kustoguard/kustoguard in %d steps, want 1", used)
	}
}

// TestActionManifest checks action.yml: its inputs, that each reaches the
// command as a flag the command has, and that its outputs are the ones the
// command writes.
func TestActionManifest(t *testing.T) {
	m := readActionManifest(t)
	if m.Runs.Using != "composite" {
		t.Errorf("runs.using = %q, want composite", m.Runs.Using)
	}
	for _, name := range []string{"github-token", "config", "fail-on-block", "version"} {
		in, ok := m.Inputs[name]
		if !ok {
			t.Errorf("action.yml lacks input %s", name)
			continue
		}
		if in.Required {
			t.Errorf("input %s is required; every input has a default", name)
		}
	}
	if d := m.Inputs["github-token"].Default; d == nil || *d != "${{ github.token }}" {
		t.Errorf("github-token defaults to %v, want ${{ github.token }}", d)
	}

	var step *struct {
		ID   string            `yaml:"id"`
		Uses string            `yaml:"uses"`
		Env  map[string]string `yaml:"env"`
		Run  string            `yaml:"run"`
	}
	var install string
	for i, st := range m.Runs.Steps {
		if strings.Contains(st.Run, "go install") {
			install = st.Run
		}
		if st.ID == "kustoguard" {
			step = &m.Runs.Steps[i]
		}
	}
	if !strings.Contains(install, "github.com/kustoguard/kustoguard/cmd/kustoguard@") {
		t.Errorf("no step installs cmd/kustoguard with go install:\n%s", install)
	}
	if step == nil {
		t.Fatal("action.yml has no step with id kustoguard")
	}
	if !regexp.MustCompile(`kustoguard"? action\b`).MatchString(step.Run) {
		t.Errorf("the step does not run kustoguard action:\n%s", step.Run)
	}
	if step.Env["GITHUB_TOKEN"] != "${{ inputs.github-token }}" {
		t.Errorf("GITHUB_TOKEN = %q, want the github-token input", step.Env["GITHUB_TOKEN"])
	}
	// Inputs reach the script through the environment only: an input spliced
	// into the script could inject shell.
	if strings.Contains(step.Run, "${{") {
		t.Errorf("the script expands expressions itself:\n%s", step.Run)
	}
	flags := actionFlags(t)
	for _, f := range regexp.MustCompile(`--[a-z-]+`).FindAllString(step.Run, -1) {
		if !slices.Contains(flags, strings.TrimPrefix(f, "--")) {
			t.Errorf("action.yml passes %s, which kustoguard action does not take (flags %v)", f, flags)
		}
	}
	for _, name := range []string{"conclusion", "blocking", "warnings", "findings"} {
		if m.Outputs[name].Value != "${{ steps.kustoguard.outputs."+name+" }}" {
			t.Errorf("output %s = %q, want the step's output", name, m.Outputs[name].Value)
		}
	}
}

// actionFlags lists the flags `kustoguard action` defines, from its usage.
func actionFlags(t *testing.T) []string {
	t.Helper()
	var usage strings.Builder
	action(t.Context(), []string{"-h"}, func(string) string { return "" }, io.Discard, &usage)
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z-]+)`).FindAllStringSubmatch(usage.String(), -1) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		t.Fatalf("no flags in the usage:\n%s", usage.String())
	}
	return out
}
